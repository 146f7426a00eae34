using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

public enum ZSetOperation : byte { Union, Inter, Diff }

public enum ZAggregate : byte { Sum, Min, Max }

/// <summary>ZUNION, ZINTER, ZDIFF and their *STORE forms, computed as Redis does (weights, aggregates, NaN → 0).</summary>
public sealed partial class Store
{
    /// <summary>The combination of the sorted sets at args[firstKey .. firstKey+weights.Length-1], sorted.</summary>
    public List<ScoredMember> SortedSetCombine<TArgs>(Session session, ZSetOperation operation, TArgs args, int firstKey,
        ReadOnlySpan<double> weights, ZAggregate aggregate) where TArgs : IKeyList, allows ref struct
    {
        using var locks = LockKeySpan(args, firstKey, weights.Length, default, false, stackalloc ulong[MaskWords]);
        return Combine(session, operation, args, firstKey, weights, aggregate);
    }

    /// <summary>The *STORE forms: the result replaces <paramref name="destination"/> (or deletes it when empty).</summary>
    public long SortedSetCombineStore<TArgs>(Session session, ReadOnlySpan<byte> destination, ZSetOperation operation, TArgs args,
        int firstKey, ReadOnlySpan<double> weights, ZAggregate aggregate) where TArgs : IKeyList, allows ref struct
    {
        using var locks = LockKeySpan(args, firstKey, weights.Length, destination, true, stackalloc ulong[MaskWords]);
        var result = Combine(session, operation, args, firstKey, weights, aggregate);
        return StoreSortedSet(session, destination, result);
    }

    private ShardLocks LockKeySpan<TArgs>(TArgs args, int first, int count, ReadOnlySpan<byte> extra, bool hasExtra, Span<ulong> mask)
        where TArgs : IKeyList, allows ref struct
    {
        mask.Clear();
        for (int i = first; i < first + count; i++)
        {
            int index = ShardOf(args[i]).Index;
            mask[index >> 6] |= 1UL << index;
        }
        if (hasExtra)
        {
            int index = ShardOf(extra).Index;
            mask[index >> 6] |= 1UL << index;
        }
        return new ShardLocks(_shards, mask);
    }

    private List<ScoredMember> Combine<TArgs>(Session session, ZSetOperation operation, TArgs args, int firstKey,
        ReadOnlySpan<double> weights, ZAggregate aggregate) where TArgs : IKeyList, allows ref struct
    {
        long now = NowMs();
        int n = weights.Length;
        var sets = new ZSetValue?[n];
        for (int i = 0; i < n; i++)
        {
            var key = args[firstKey + i];
            sets[i] = ZSetForRead(ShardOf(key), session, key, now);
        }
        var result = operation switch
        {
            ZSetOperation.Union => Union(sets, weights, aggregate),
            ZSetOperation.Inter => Inter(sets, weights, aggregate),
            _ => Diff(sets),
        };
        result.Sort(static (a, b) =>
        {
            int byScore = a.Score.CompareTo(b.Score);
            return byScore != 0 ? byScore : a.Member.AsSpan().SequenceCompareTo(b.Member);
        });
        return result;
    }

    /// <summary>Source indices from the smallest set to the largest (Redis's order, which fixes the order sums are taken in).</summary>
    private static int[] BySize(ZSetValue?[] sets)
    {
        var order = new int[sets.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var sizes = sets.Select(s => s?.Count ?? 0).ToArray();
        return order.OrderBy(i => sizes[i]).ToArray();
    }

    private static double Aggregate(double current, double value, ZAggregate aggregate)
    {
        switch (aggregate)
        {
            case ZAggregate.Min: return value < current ? value : current;
            case ZAggregate.Max: return value > current ? value : current;
            default:
                double sum = current + value;
                return double.IsNaN(sum) ? 0 : sum; // inf + -inf
        }
    }

    private static double Weighted(double score, double weight)
    {
        double value = weight * score;
        return double.IsNaN(value) ? 0 : value; // 0 * inf
    }

    private static List<ScoredMember> Union(ZSetValue?[] sets, ReadOnlySpan<double> weights, ZAggregate aggregate)
    {
        var scores = new Dictionary<byte[], double>(KeyComparer.Instance);
        foreach (int i in BySize(sets))
        {
            if (sets[i] is not { } zset) continue;
            for (var node = zset.List.Last; node is not null; node = node.Backward)
            {
                double value = Weighted(node.Score, weights[i]);
                ref double slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(scores, node.Member, out bool existed);
                slot = existed ? Aggregate(slot, value, aggregate) : value;
            }
        }
        var result = new List<ScoredMember>(scores.Count);
        foreach (var (member, score) in scores) result.Add(new ScoredMember(member, score));
        return result;
    }

    private static List<ScoredMember> Inter(ZSetValue?[] sets, ReadOnlySpan<double> weights, ZAggregate aggregate)
    {
        var result = new List<ScoredMember>();
        var order = BySize(sets);
        if (sets[order[0]] is not { Count: > 0 } smallest) return result;
        for (var node = smallest.List.Last; node is not null; node = node.Backward)
        {
            double score = Weighted(node.Score, weights[order[0]]);
            bool everywhere = true;
            for (int j = 1; j < order.Length && everywhere; j++)
            {
                var other = sets[order[j]]!;
                if (ReferenceEquals(other, smallest)) score = Aggregate(score, node.Score * weights[order[j]], aggregate);
                else if (other.TryGetScore(node.Member, out double value)) score = Aggregate(score, value * weights[order[j]], aggregate);
                else everywhere = false;
            }
            if (everywhere) result.Add(new ScoredMember(node.Member, score));
        }
        return result;
    }

    private static List<ScoredMember> Diff(ZSetValue?[] sets)
    {
        var result = new List<ScoredMember>();
        if (sets[0] is not { } first) return result;
        for (var node = first.List.First; node is not null; node = node.Next)
        {
            bool elsewhere = false;
            for (int j = 1; j < sets.Length && !elsewhere; j++)
                elsewhere = sets[j] is { } other && other.Find(node.Member) is not null;
            if (!elsewhere) result.Add(new ScoredMember(node.Member, node.Score));
        }
        return result;
    }
}
