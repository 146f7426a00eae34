using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Notifications;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

/// <summary>SORT's options, parsed by the RESP side. <see cref="By"/> null sorts by the elements themselves; a
/// pattern without '*' means do not sort (Redis's BY nosort).</summary>
public sealed record SortOptions
{
    public byte[]? By { get; init; }
    public long Offset { get; init; }
    /// <summary>Negative: to the end.</summary>
    public long Count { get; init; } = -1;
    public List<byte[]> Gets { get; init; } = [];
    public bool Descending { get; init; }
    public bool Alpha { get; init; }
    public byte[]? Destination { get; init; }
    /// <summary>Run by a script (redis.call): a set's unsorted output is sorted, as for STORE.</summary>
    public bool FromScript { get; init; }

    public bool DoNotSort => By is { } by && by.AsSpan().IndexOf((byte)'*') < 0;
}

/// <summary>
/// SORT and SORT_RO, as Redis 7.0's sortCommand: the elements of a list, set or sorted set, ordered by their own
/// value or by the value of other keys named by a pattern (BY weight_* or BY hash_*->field), numerically (an
/// element that is not a number is an error) or bytewise (ALPHA), then LIMIT, then each element or the values GET
/// patterns name. Equal numeric weights fall back to the elements' bytes, as in Redis, so the order is
/// deterministic. STORE replaces the destination with the result as one event (<see cref="ListEvents.Store"/>).
/// Patterns may name any key, so SORT with BY, GET or STORE locks every shard, as EXEC does; a plain SORT locks its
/// key's shard only.
/// </summary>
public sealed partial class Store
{
    /// <summary>The result: elements or GET values (null for a missing one), in order. With STORE, what was
    /// stored (its length is the reply).</summary>
    public List<byte[]?> Sort(Session session, ReadOnlySpan<byte> key, SortOptions options)
    {
        bool others = options.Destination != null || options.Gets.Exists(g => !IsHash(g)) || (options.By != null && !options.DoNotSort);
        if (others)
        {
            using var locks = LockAll(stackalloc ulong[MaskWords]);
            return SortLocked(session, key, options);
        }
        lock (ShardOf(key).Lock) return SortLocked(session, key, options);
    }

    private static bool IsHash(byte[] pattern) => pattern is [(byte)'#'];

    private List<byte[]?> SortLocked(Session session, ReadOnlySpan<byte> key, SortOptions options)
    {
        var value = ReadCollection(session, ShardOf(key), key);
        bool doNotSort = options.DoNotSort, alpha = options.Alpha;
        byte[]? by = doNotSort ? null : options.By;
        // A set has no order of its own: unsorted output stored or replicated would differ between nodes, so Redis
        // sorts it by the elements (alpha) when STORE or a script asks for it.
        if (doNotSort && value is SetValue && (options.Destination != null || options.FromScript))
        {
            doNotSort = false;
            alpha = true;
        }
        var elements = value switch
        {
            null => [],
            ListValue list => ListElements(list),
            SetValue set => set.Members(),
            ZSetValue zset => ZSetElements(zset, doNotSort && options.Descending),
            _ => throw CommandError.WrongType(),
        };
        if (!doNotSort) elements = Sorted(session, elements, by, alpha, options.Descending);
        else if (options.Descending && value is ListValue) Array.Reverse(elements);

        long start = Math.Max(0, options.Offset), end = options.Count < 0 ? elements.Length : Math.Min(elements.Length, start + options.Count);
        var result = new List<byte[]?>();
        for (long i = start; i < end; i++)
        {
            var element = elements[i];
            if (options.Gets.Count == 0) result.Add(element);
            foreach (var pattern in options.Gets) result.Add(Lookup(session, pattern, element));
        }
        if (options.Destination is { } destination) StoreSorted(session, destination, result);
        return result;
    }

    private static byte[][] ListElements(ListValue list)
    {
        var elements = new byte[list.Length][];
        list.CopyTo(0, elements);
        return elements;
    }

    private static byte[][] ZSetElements(ZSetValue zset, bool reverse)
    {
        var elements = new byte[zset.Count][];
        var cursor = reverse ? zset.Last : zset.First;
        for (int i = 0; i < elements.Length && cursor.IsValid; i++, cursor.Move(reverse)) elements[i] = cursor.Member;
        return elements;
    }

    private byte[][] Sorted(Session session, byte[][] elements, byte[]? by, bool alpha, bool descending)
    {
        var weights = new byte[]?[elements.Length];
        for (int i = 0; i < elements.Length; i++) weights[i] = by is null ? elements[i] : Lookup(session, by, elements[i]);
        int sign = descending ? -1 : 1;
        if (!alpha) return SortedByNumber(weights, elements, sign);
        var keys = new (byte[]? Weight, byte[] Element)[elements.Length];
        for (int i = 0; i < elements.Length; i++) keys[i] = (weights[i], elements[i]);
        Comparison<(byte[]? Weight, byte[] Element)> compare =
            (a, b) => sign * CompareWeights(a.Weight, b.Weight, a.Element, b.Element, by is null);
        var order = keys.ToList();
        order.Sort(compare);
        return order.ConvertAll(k => k.Element).ToArray();
    }

    /// <summary>
    /// Numeric order, equal numbers by the elements' bytes (both reversed for DESC): the numbers sort as a plain
    /// double array carrying positions (no comparer call per comparison: a delegate over the tuples was half of
    /// SORT's time), then each run of equal numbers is put in byte order, so the result is one fixed order.
    /// </summary>
    private static byte[][] SortedByNumber(byte[]?[] weights, byte[][] elements, int sign)
    {
        var numbers = new double[elements.Length];
        var positions = new int[elements.Length];
        for (int i = 0; i < elements.Length; i++)
        {
            double number = 0;
            // A missing weight sorts as 0, as in Redis.
            if (weights[i] is { } weight && (!Numbers.TryParseDouble(weight, out number, rejectOutOfRange: true) || double.IsNaN(number)))
                throw new CommandError("ERR One or more scores can't be converted into double");
            numbers[i] = sign * number;
            positions[i] = i;
        }
        Array.Sort(numbers, positions);
        var sorted = new byte[elements.Length][];
        for (int i = 0; i < elements.Length; i++) sorted[i] = elements[positions[i]];
        for (int start = 0; start < numbers.Length;)
        {
            int end = start + 1;
            while (end < numbers.Length && numbers[end] == numbers[start]) end++;
            if (end - start > 1)
            {
                var run = sorted.AsSpan(start, end - start);
                run.Sort(static (a, b) => a.AsSpan().SequenceCompareTo(b));
                if (sign < 0) run.Reverse();
            }
            start = end;
        }
        return sorted;
    }

    /// <summary>ALPHA order: by the weights' bytes, a missing weight first; elements' bytes break ties (Redis leaves
    /// the order of equal BY weights to its quicksort; here it is fixed).</summary>
    private static int CompareWeights(byte[]? a, byte[]? b, byte[] elementA, byte[] elementB, bool weightIsElement)
    {
        int cmp = (a, b) switch
        {
            (null, null) => 0,
            (null, _) => -1,
            (_, null) => 1,
            _ => a.AsSpan().SequenceCompareTo(b),
        };
        return cmp != 0 || weightIsElement ? Math.Sign(cmp) : Math.Sign(elementA.AsSpan().SequenceCompareTo(elementB));
    }

    /// <summary>Redis's lookupKeyByPattern: "#" is the element; otherwise the first '*' is replaced by the element
    /// and, when "->field" follows it, the hash field of that key is read, else the key's string. Anything missing,
    /// of another type, or a pattern without '*' gives null.</summary>
    private byte[]? Lookup(Session session, byte[] pattern, byte[] element)
    {
        if (IsHash(pattern)) return element;
        int star = pattern.AsSpan().IndexOf((byte)'*');
        if (star < 0) return null;
        int arrow = pattern.AsSpan(star + 1).IndexOf("->"u8);
        byte[]? field = null;
        int keyEnd = pattern.Length;
        if (arrow >= 0 && star + 1 + arrow + 2 < pattern.Length)
        {
            keyEnd = star + 1 + arrow;
            field = pattern[(keyEnd + 2)..];
        }
        byte[] name = [.. pattern.AsSpan(0, star), .. element, .. pattern.AsSpan(star + 1, keyEnd - star - 1)];
        ref Entry entry = ref Live(ShardOf(name).DbIfExists(session.Db), name, NowMs());
        if (Unsafe.IsNullRef(ref entry)) return null;
        if (field is null) return entry.Value is byte[] or StringBuffer ? StringSpan(entry.Value).ToArray() : null;
        return entry.Value is HashValue hash && hash.TryGet(field, out var value) ? value.ToArray() : null;
    }

    private void StoreSorted(Session session, byte[] destination, List<byte[]?> result)
    {
        if (result.Count == 0)
        {
            DeleteStoreDestination(session, destination);
            return;
        }
        var buffer = EventBuffer.Start(ListEvents.Store);
        buffer.WriteArrayHeader(2 + result.Count);
        buffer.Write(session.Db);
        buffer.Write(destination);
        foreach (var item in result) buffer.Write(item ?? []); // a missing GET value is stored as "", as Redis
        LogAndApply(session, buffer)?.Raise(KeyspaceEventTypes.List, "sortstore"u8, session.Db, destination);
    }
}
