using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Notifications;
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

    /// <summary>
    /// The *STORE forms: the result replaces <paramref name="destination"/> (or deletes it when empty); returns its
    /// size. Logged as the operation (<see cref="SortedSetEvents.CombineStore"/>), as SINTERSTORE is (Store.Sets.cs,
    /// which says why and how the sources are made to read the same in Apply).
    /// </summary>
    public long SortedSetCombineStore<TArgs>(Session session, ReadOnlySpan<byte> destination, ZSetOperation operation, TArgs args,
        int firstKey, ReadOnlySpan<double> weights, ZAggregate aggregate) where TArgs : IKeyList, allows ref struct
    {
        long now = NowMs();
        using var locks = LockKeySpan(args, firstKey, weights.Length, destination, true, stackalloc ulong[MaskWords]);
        int missing = 0;
        bool headMissing = false;
        for (int i = 0; i < weights.Length; i++)
        {
            var key = args[firstKey + i];
            LiveForWrite(session, ShardOf(key), key, now); // an expired source goes first, logged
            if (SourceForRead(ShardOf(key), session, key, now) is not null) continue; // a read lookup, as Redis's: stats, keymiss, WRONGTYPE
            missing++;
            headMissing |= i == 0;
        }
        bool existed = !Unsafe.IsNullRef(ref LiveForWrite(session, ShardOf(destination), destination, now));
        bool emptyForWant = operation switch
        {
            ZSetOperation.Inter => missing > 0,
            ZSetOperation.Union => missing == weights.Length,
            _ => headMissing,
        };
        if (emptyForWant && !existed) return 0;
        var buffer = EventBuffer.Start(SortedSetEvents.CombineStore);
        buffer.WriteArrayHeader(4 + 2 * weights.Length);
        buffer.Write(session.Db);
        buffer.Write(destination);
        buffer.Write((int)operation);
        buffer.Write((int)aggregate);
        foreach (double weight in weights) buffer.Write(BitConverter.DoubleToInt64Bits(weight));
        for (int i = 0; i < weights.Length; i++) buffer.Write(args[firstKey + i]);
        return LogCombineStore(session, buffer, destination, existed, KeyspaceEventTypes.ZSet, operation switch
        {
            ZSetOperation.Union => "zunionstore"u8,
            ZSetOperation.Inter => "zinterstore"u8,
            _ => "zdiffstore"u8,
        });
    }

    /// <summary>Apply of <see cref="SortedSetEvents.CombineStore"/>: the result of the sources as the log has them
    /// replaces the destination.</summary>
    private void ApplyCombineStore(int db, ReadOnlySpan<byte> destination, ref EventReader r, int fields)
    {
        var operation = (ZSetOperation)r.ReadInt32();
        var aggregate = (ZAggregate)r.ReadInt32();
        int n = (fields - 4) / 2;
        Span<double> weights = n <= 32 ? stackalloc double[n] : new double[n];
        for (int i = 0; i < n; i++) weights[i] = BitConverter.Int64BitsToDouble(r.ReadInt64());
        var sets = new object?[n];
        for (int i = 0; i < n; i++)
        {
            var key = r.ReadBytes();
            ref Entry entry = ref FindIn(ShardOf(key), db, key);
            if (Unsafe.IsNullRef(ref entry)) continue;
            sets[i] = entry.Value is ZSetValue or IMemberSet ? entry.Value : throw new InvalidDataException("sorted-set event reads a key of another type");
        }
        var result = Combine(operation, sets, weights, aggregate); // before the destination is replaced: it may be a source
        if (result.Count == 0)
        {
            ApplyDelete(db, destination);
            return;
        }
        var zset = ZSetValue.OfSorted(result);
        var target = ShardOf(destination).Db(db);
        ref Entry stored = ref target.GetOrAdd(destination, out _);
        target.SetValue(ref stored, zset);
        target.SetExpiry(destination, ref stored, 0);
        SignalKeyReady(db, destination);
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
        return new ShardLocks(this, mask);
    }

    private List<ScoredMember> Combine<TArgs>(Session session, ZSetOperation operation, TArgs args, int firstKey,
        ReadOnlySpan<double> weights, ZAggregate aggregate) where TArgs : IKeyList, allows ref struct
    {
        long now = NowMs();
        int n = weights.Length;
        var sets = new object?[n];
        for (int i = 0; i < n; i++)
        {
            var key = args[firstKey + i];
            sets[i] = SourceForRead(ShardOf(key), session, key, now);
        }
        return Combine(operation, sets, weights, aggregate);
    }

    /// <summary>The combination of <paramref name="sets"/> (null: a missing key), sorted by score, then member.</summary>
    private static List<ScoredMember> Combine(ZSetOperation operation, object?[] sets, ReadOnlySpan<double> weights, ZAggregate aggregate)
    {
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

    /// <summary>A source of ZUNION/ZINTER/ZDIFF: a sorted set, or a plain set read as members scored 1 (as Redis
    /// does); null when absent.</summary>
    private object? SourceForRead(Shard shard, Session session, ReadOnlySpan<byte> key, long now)
    {
        ref Entry entry = ref Live(shard.DbIfExists(session.Db), key, now);
        if (Unsafe.IsNullRef(ref entry))
        {
            shard.Misses++;
            NotifyMiss(session, key);
            return null;
        }
        if (entry.Value is not (ZSetValue or IMemberSet)) throw CommandError.WrongType();
        shard.Hits++;
        Touch(ref entry, Clock(now));
        return entry.Value;
    }

    private static long CountOf(object? source) => source switch
    {
        ZSetValue zset => zset.Count,
        IMemberSet set => set.Count,
        _ => 0,
    };

    private static bool TryGetScore(object source, ReadOnlySpan<byte> member, out double score)
    {
        if (source is ZSetValue zset) return zset.TryGetScore(member, out score);
        score = 1;
        return ((IMemberSet)source).Contains(member);
    }

    /// <summary>The elements of a source; a sorted set from its highest element down, as Redis iterates it.</summary>
    private static IEnumerable<ScoredMember> Elements(object source)
    {
        if (source is ZSetValue zset)
        {
            for (var at = zset.Last; at.IsValid; at.MovePrevious()) yield return new ScoredMember(at.Member, at.Score);
        }
        else
        {
            foreach (var member in ((IMemberSet)source).Members()) yield return new ScoredMember(member, 1);
        }
    }

    /// <summary>Source indices from the smallest set to the largest (Redis's order, which fixes the order sums are taken in).</summary>
    private static int[] BySize(object?[] sets)
    {
        var order = new int[sets.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var sizes = sets.Select(CountOf).ToArray();
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

    private static List<ScoredMember> Union(object?[] sets, ReadOnlySpan<double> weights, ZAggregate aggregate)
    {
        var scores = new Dictionary<byte[], double>(KeyComparer.Instance);
        foreach (int i in BySize(sets))
        {
            if (sets[i] is not { } source) continue;
            foreach (var element in Elements(source))
            {
                double value = Weighted(element.Score, weights[i]);
                ref double slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(scores, element.Member, out bool existed);
                slot = existed ? Aggregate(slot, value, aggregate) : value;
            }
        }
        var result = new List<ScoredMember>(scores.Count);
        foreach (var (member, score) in scores) result.Add(new ScoredMember(member, score));
        return result;
    }

    private static List<ScoredMember> Inter(object?[] sets, ReadOnlySpan<double> weights, ZAggregate aggregate)
    {
        var result = new List<ScoredMember>();
        var order = BySize(sets);
        if (CountOf(sets[order[0]]) == 0) return result;
        var smallest = sets[order[0]]!;
        foreach (var element in Elements(smallest))
        {
            double score = Weighted(element.Score, weights[order[0]]);
            bool everywhere = true;
            for (int j = 1; j < order.Length && everywhere; j++)
            {
                var other = sets[order[j]]!;
                if (ReferenceEquals(other, smallest)) score = Aggregate(score, element.Score * weights[order[j]], aggregate);
                else if (TryGetScore(other, element.Member, out double value)) score = Aggregate(score, value * weights[order[j]], aggregate);
                else everywhere = false;
            }
            if (everywhere) result.Add(new ScoredMember(element.Member, score));
        }
        return result;
    }

    private static List<ScoredMember> Diff(object?[] sets)
    {
        var result = new List<ScoredMember>();
        if (sets[0] is not { } first) return result;
        foreach (var element in Elements(first))
        {
            bool elsewhere = false;
            for (int j = 1; j < sets.Length && !elsewhere; j++)
                elsewhere = sets[j] is { } other && TryGetScore(other, element.Member, out _);
            if (!elsewhere) result.Add(new ScoredMember(element.Member, element.Score));
        }
        return result;
    }
}
