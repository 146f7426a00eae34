using System.Buffers.Binary;
using System.IO.Hashing;
using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine.Values;

/// <summary>
/// A Redis set of binary-safe members. OBJECT ENCODING answers as Redis 7.0: "intset" while every member ever added
/// was an integer and there were at most set-max-intset-entries of them (512 unless CONFIG SET changed it, see
/// <see cref="EncodingLimits"/>), then "hashtable" for good (7.0 has no listpack sets).
/// An intset lists its members in ascending numeric order (SMEMBERS, SSCAN, SUNION...), as Redis's sorted intset does.
/// Whatever the name, small sets (at most <see cref="PackedMaxEntries"/> members of at most 64 bytes) keep their
/// members packed in one array, as Redis 7.2's listpack sets do (see <see cref="ElementStorage"/>); a set that
/// outgrows that moves to a table for good. Members are reached by position.
/// </summary>
public sealed class SetValue : CollectionValue, IMemberSet
{
    /// <summary>Members kept packed, and how long each may be: Redis 7.2's set-max-listpack-entries and
    /// set-max-listpack-value.</summary>
    public const int PackedMaxEntries = 128, PackedMaxMember = 64;

    /// <summary>Elements per rebuild event.</summary>
    private const int RebuildChunk = 1024;

    private ElementStorage _members = new();
    private bool _hashtable;

    public SetValue() { }

    private SetValue(ElementStorage members, bool hashtable)
    {
        _members = members;
        _hashtable = hashtable;
    }

    /// <summary>A set of exactly <paramref name="members"/> (distinct), keeping the arrays themselves when they go
    /// to a table: a *STORE result, whose members are other sets' arrays, which no one mutates. Sized once; no
    /// member looked up.</summary>
    public static SetValue Of(byte[][] members)
    {
        var set = new SetValue(new ElementStorage(), hashtable: !WouldBeIntset(members));
        if (members.Length > PackedMaxEntries || Array.Exists(members, m => m.Length > PackedMaxMember))
            set._members.Unpack(withValues: false, members.Length);
        foreach (var member in members) set._members.AddMember(member);
        set.Resized();
        return set;
    }

    public override string TypeName => "set";
    public override string Encoding => _hashtable ? "hashtable" : "intset";
    public override long Count => _members.Count;

    /// <summary>True while Redis would keep this set as an intset (small, sorted: replies list all of it).</summary>
    public bool IsIntset => !_hashtable;

    /// <summary>The table holding the members; null while they are packed.</summary>
    public ElementTable? Table => _members.Table;

    public bool Contains(ReadOnlySpan<byte> member) => _members.Contains(member);

    public bool Add(ReadOnlySpan<byte> member)
    {
        if (!_hashtable && !Numbers.TryParseInt64(member, out _)) _hashtable = true;
        if (_members.IsPacked && (member.Length > PackedMaxMember || (_members.Count >= PackedMaxEntries && !_members.Contains(member))))
            _members.Unpack(withValues: false);
        bool added = _members.Add(member);
        if (_members.Count > EncodingLimits.SetMaxIntsetEntries) _hashtable = true;
        Resized();
        return added;
    }

    public bool Remove(ReadOnlySpan<byte> member)
    {
        bool removed = _members.Remove(member, keepOrder: false);
        Resized();
        return removed;
    }

    /// <summary>The first member's position, -1 for none; with <see cref="Next"/>, every member once.</summary>
    public int First => _members.First;

    public int Next(int at) => _members.Next(at);

    public ReadOnlySpan<byte> MemberAt(int at) => _members.ElementAt(at);

    /// <summary>The member at <paramref name="at"/> as an array a reply may keep.</summary>
    public byte[] MemberArrayAt(int at) => _members.ElementArrayAt(at);

    /// <summary>One step of SSCAN over a table (<see cref="ElementTable.Scan"/>); packed members come whole,
    /// cursor 0.</summary>
    public ulong Scan(ulong cursor, int count, List<int> positions) => _members.Scan(cursor, count, positions);

    /// <summary>|count| random positions with repetition when negative, else <paramref name="count"/> distinct
    /// ones (fewer than the set holds) in random order.</summary>
    public void RandomPositions(long count, List<int> picked) => _members.RandomPositions(count, picked);

    /// <summary>A uniformly random member's position; the set must not be empty.</summary>
    public int RandomPosition() => _members.RandomPosition();

    internal override bool PrefetchPacked() => _members.PrefetchPacked();

    // Fields: the base's size, account and capture mark (24), the storage (24), the encoding flag.
    protected override long MeasureBytes() => MemorySize.Object(49) + _members.Bytes;

    /// <summary>Every member, in the order Redis would list them (numeric for an intset).</summary>
    public byte[][] Members()
    {
        var members = new byte[_members.Count][];
        int n = 0;
        for (int at = First; at >= 0; at = Next(at)) members[n++] = MemberArrayAt(at);
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
        if (members.Count > EncodingLimits.SetMaxIntsetEntries) return false;
        foreach (var member in members)
            if (!Numbers.TryParseInt64(member, out _)) return false;
        return true;
    }

    /// <summary>Order-independent: the sum of one hash per member.</summary>
    public override void AppendDigest(XxHash3 hash)
    {
        ulong sum = 0;
        for (int at = First; at >= 0; at = Next(at)) sum += XxHash3.HashToUInt64(MemberAt(at));
        Span<byte> totals = stackalloc byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(totals, Count);
        BinaryPrimitives.WriteUInt64LittleEndian(totals[8..], sum);
        hash.Append(totals);
    }

    public override CollectionValue Clone() => new SetValue(_members.Clone(), _hashtable);

    /// <summary>SetAdd events of at most <see cref="RebuildChunk"/> members each.</summary>
    public override void WriteRebuild(int db, ReadOnlySpan<byte> key, IRebuildSink sink)
    {
        int at = First;
        while (at >= 0)
        {
            int start = at, members = 0;
            for (; at >= 0 && members < RebuildChunk; at = Next(at)) members++;
            var buffer = EventBuffer.Start(SetEvents.Add);
            buffer.WriteArrayHeader(2 + members);
            buffer.Write(db);
            buffer.Write(key);
            for (int member = start; member != at; member = Next(member)) buffer.Write(MemberAt(member));
            sink.Emit(buffer);
        }
    }
}
