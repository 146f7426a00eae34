using System.Buffers.Binary;

namespace HyperCache.StateMachine.Values;

/// <summary>
/// A small sorted set's elements back to back in one array, in (score, member bytes) order: the member's length
/// (one byte), the score (8 bytes), the member, and the length again (so a walk can step back as well as on).
/// Redis's listpack idea: one allocation where the tree and member table cost two objects, four arrays and an
/// array per member. Lookups and range searches walk; <see cref="ZSetValue"/> keeps elements here only while a
/// listpack would hold them (at most 128 members of at most 64 bytes). A position is an element's offset in the
/// array, valid until the next change. Not thread-safe: the shard lock guards it. A struct held in a field of its
/// set: change it only through that field.
/// </summary>
internal struct PackedScores
{
    internal const int Overhead = 10; // the two length bytes and the score

    private byte[] _bytes;
    private int _used;

    public PackedScores() => _bytes = [];

    private PackedScores(byte[] bytes, int used, int count)
    {
        _bytes = bytes;
        _used = used;
        Count = count;
    }

    public int Count { get; private set; }

    /// <summary>What the array costs, the room kept for growth included (nothing for the shared empty one).</summary>
    public readonly long Bytes => _bytes.Length == 0 ? 0 : MemorySize.ByteArray(_bytes.Length);

    /// <summary>A cursor at the element at <paramref name="at"/> (-1 or the end: not valid).</summary>
    public readonly ZCursor CursorAt(int at) => at >= 0 && at < _used ? new ZCursor(_bytes, at, _used) : default;

    public readonly int First => _used > 0 ? 0 : -1;

    /// <summary>Where the last element ends.</summary>
    public readonly int End => _used;

    public readonly int Last => _used > 0 ? _used - Overhead - _bytes[_used - 1] : -1;

    /// <summary>The position after the element at <paramref name="at"/> (<see cref="End"/> after the last).</summary>
    public readonly int Next(int at) => at + Overhead + _bytes[at];

    public readonly double ScoreAt(int at) => ScoreIn(_bytes, at);

    public readonly ReadOnlySpan<byte> MemberAt(int at) => MemberIn(_bytes, at);

    internal static double ScoreIn(byte[] bytes, int at) => BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(at + 1, 8));

    internal static ReadOnlySpan<byte> MemberIn(byte[] bytes, int at) => bytes.AsSpan(at + 9, bytes[at]);

    /// <summary>The position of <paramref name="member"/> and its rank; -1 when absent.</summary>
    public readonly int Find(ReadOnlySpan<byte> member, out long rank)
    {
        rank = 0;
        for (int at = 0; at < _used; at = Next(at), rank++)
            if (_bytes[at] == member.Length && MemberAt(at).SequenceEqual(member)) return at;
        return -1;
    }

    /// <summary>The position of the element at <paramref name="rank"/> (0..Count; Count gives the end).</summary>
    public readonly int OffsetOf(long rank)
    {
        int at = 0;
        for (; rank > 0; rank--) at = Next(at);
        return at;
    }

    /// <summary>The position of the first element where <paramref name="bound"/> is reached (the end when none
    /// is), and how many come before it.</summary>
    public readonly int Seek<T>(T bound, out long rank) where T : IRangeBound, allows ref struct
    {
        rank = 0;
        int at = 0;
        for (; at < _used && !bound.Reached(ScoreAt(at), MemberAt(at)); at = Next(at)) rank++;
        return at;
    }

    /// <summary>The element before position <paramref name="at"/> (the end included); -1 before the first.</summary>
    public readonly int Before(int at) => at == 0 ? -1 : at - Overhead - _bytes[at - 1];

    /// <summary>Inserts an absent member where the order puts it (it must be at most 255 bytes).</summary>
    public void Insert(double score, ReadOnlySpan<byte> member)
    {
        int at = 0;
        while (at < _used && Below(ScoreAt(at), MemberAt(at), score, member)) at = Next(at);
        Write(at, score, member);
    }

    /// <summary>The sorted-set order (<see cref="ScoreTree.Compare"/>): by score, then by member bytes.</summary>
    private static bool Below(double score, ReadOnlySpan<byte> member, double otherScore, ReadOnlySpan<byte> otherMember)
        => score < otherScore || (score == otherScore && member.SequenceCompareTo(otherMember) < 0);

    private void Write(int at, double score, ReadOnlySpan<byte> member)
    {
        int size = Overhead + member.Length;
        PackedArray.Reserve(ref _bytes, _used, _used + size);
        Array.Copy(_bytes, at, _bytes, at + size, _used - at);
        var element = _bytes.AsSpan(at, size);
        element[0] = element[^1] = (byte)member.Length;
        BinaryPrimitives.WriteDoubleLittleEndian(element[1..], score);
        member.CopyTo(element[9..]);
        _used += size;
        Count++;
    }

    /// <summary>Removes the elements from position <paramref name="from"/> to (not including) <paramref name="to"/>;
    /// <paramref name="count"/> of them.</summary>
    public void RemoveRange(int from, int to, int count)
    {
        Array.Copy(_bytes, to, _bytes, from, _used - to);
        _used -= to - from;
        Count -= count;
        PackedArray.Trim(ref _bytes, _used);
    }

    /// <summary>Asks for the array's first cache lines without reading it.</summary>
    public void Prefetch() => PackedArray.Prefetch(ref _bytes);

    /// <summary>A copy with an array of its own, no larger than the elements.</summary>
    public readonly PackedScores Clone() => new(_bytes.AsSpan(0, _used).ToArray(), _used, Count);
}
