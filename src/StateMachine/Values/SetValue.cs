using System.Buffers.Binary;
using System.IO.Hashing;
using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine.Values;

/// <summary>
/// A Redis set of binary-safe members. OBJECT ENCODING answers as Redis 7.0: "intset" while every member ever added
/// was an integer and there were at most 512 of them, then "hashtable" for good (7.0 has no listpack sets).
/// An intset lists its members in ascending numeric order (SMEMBERS, SSCAN, SUNION...), as Redis's sorted intset does.
/// </summary>
public sealed class SetValue : CollectionValue, IMemberSet
{
    /// <summary>set-max-intset-entries, at its Redis default.</summary>
    public const int IntsetMaxEntries = 512;

    /// <summary>Elements per rebuild event.</summary>
    private const int RebuildChunk = 1024;

    private readonly ElementTable _table;
    private bool _hashtable;

    public SetValue() => _table = new ElementTable(withValues: false);

    private SetValue(ElementTable table, bool hashtable)
    {
        _table = table;
        _hashtable = hashtable;
    }

    /// <summary>A set of exactly <paramref name="members"/> (distinct), keeping the arrays themselves: a *STORE
    /// result, whose members are other sets' arrays, which no one mutates. Sized once; no member looked up.</summary>
    public static SetValue Of(byte[][] members)
    {
        var set = new SetValue(new ElementTable(withValues: false, members.Length), hashtable: !WouldBeIntset(members));
        foreach (var member in members) set._table.Add(member, null);
        set.Resized();
        return set;
    }

    public override string TypeName => "set";
    public override string Encoding => _hashtable ? "hashtable" : "intset";
    public override long Count => _table.Count;

    /// <summary>True while Redis would keep this set as an intset (small, sorted: replies list all of it).</summary>
    public bool IsIntset => !_hashtable;

    public ElementTable Table => _table;

    public bool Contains(ReadOnlySpan<byte> member) => _table.Contains(member);

    public bool Add(ReadOnlySpan<byte> member)
    {
        if (!_hashtable && !Numbers.TryParseInt64(member, out _)) _hashtable = true;
        bool added = _table.Set(member, null);
        if (_table.Count > IntsetMaxEntries) _hashtable = true;
        Resized();
        return added;
    }

    public bool Remove(ReadOnlySpan<byte> member)
    {
        bool removed = _table.Remove(member, keepOrder: false);
        Resized();
        return removed;
    }

    // Fields: the base's size, account and capture mark, the table reference, the encoding flag.
    protected override long MeasureBytes() => MemorySize.Object(40) + _table.Bytes;

    /// <summary>Every member, in the order Redis would list them (numeric for an intset).</summary>
    public byte[][] Members()
    {
        var members = new byte[_table.Count][];
        int n = 0;
        for (int i = 0; i < _table.Capacity; i++)
            if (_table.KeyAt(i) is { } member) members[n++] = member;
        if (IsIntset) SortNumerically(members);
        return members;
    }

    /// <summary>Sorts integer members by value (the order of an intset).</summary>
    public static void SortNumerically(byte[][] members)
    {
        var values = new long[members.Length];
        for (int i = 0; i < members.Length; i++) Numbers.TryParseInt64(members[i], out values[i]);
        Array.Sort(values, members);
    }

    /// <summary>True when a set of exactly these members would be an intset in Redis.</summary>
    public static bool WouldBeIntset(IReadOnlyList<byte[]> members)
    {
        if (members.Count > IntsetMaxEntries) return false;
        foreach (var member in members)
            if (!Numbers.TryParseInt64(member, out _)) return false;
        return true;
    }

    /// <summary>Order-independent: the sum of one hash per member.</summary>
    public override void AppendDigest(XxHash3 hash)
    {
        ulong sum = 0;
        for (int i = 0; i < _table.Capacity; i++)
            if (_table.KeyAt(i) is { } member) sum += XxHash3.HashToUInt64(member);
        Span<byte> totals = stackalloc byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(totals, Count);
        BinaryPrimitives.WriteUInt64LittleEndian(totals[8..], sum);
        hash.Append(totals);
    }

    public override CollectionValue Clone() => new SetValue(_table.Clone(), _hashtable);

    /// <summary>SetAdd events of at most <see cref="RebuildChunk"/> members each.</summary>
    public override void WriteRebuild(int db, ReadOnlySpan<byte> key, IRebuildSink sink)
    {
        int i = 0;
        while (i < _table.Capacity)
        {
            int start = i, members = 0;
            for (; i < _table.Capacity && members < RebuildChunk; i++)
                if (_table.KeyAt(i) != null) members++;
            if (members == 0) break;
            var buffer = EventBuffer.Start(SetEvents.Add);
            buffer.WriteArrayHeader(2 + members);
            buffer.Write(db);
            buffer.Write(key);
            for (int j = start; j < i; j++)
                if (_table.KeyAt(j) is { } member) buffer.Write(member);
            sink.Emit(buffer);
        }
    }
}
