namespace HyperCache.StateMachine.Values;

/// <summary>
/// A small list's elements back to back in one array, head first, each after its length (one byte): Redis's
/// listpack idea, one allocation where the deque costs a reference and an array per element (a key holding a
/// 10-element list of short strings took 737 bytes of heap that way, 402 this way). Reaching an element walks from the head; pushing
/// at the head moves the rest, so <see cref="ListValue"/> keeps elements here only while they are few and short.
/// Elements are addressed by index; an offset is where one starts in the array. Not thread-safe: the shard lock
/// guards it. A struct held in a field of its list: change it only through that field.
/// </summary>
internal struct PackedList
{
    private byte[] _bytes;
    private int _used;

    public PackedList() => _bytes = [];

    private PackedList(byte[] bytes, int used, int count)
    {
        _bytes = bytes;
        _used = used;
        Count = count;
    }

    public int Count { get; private set; }

    /// <summary>What the array costs, the room kept for growth included (nothing for the shared empty one).</summary>
    public readonly long Bytes => _bytes.Length == 0 ? 0 : MemorySize.ByteArray(_bytes.Length);

    /// <summary>Where the last element ends.</summary>
    public readonly int End => _used;

    /// <summary>Where element <paramref name="index"/> (0..Count) starts; Count gives the end.</summary>
    public readonly int OffsetOf(int index)
    {
        int at = 0;
        for (; index > 0; index--) at += 1 + _bytes[at];
        return at;
    }

    /// <summary>The offset of the element after the one at <paramref name="at"/>.</summary>
    public readonly int Next(int at) => at + 1 + _bytes[at];

    public readonly ReadOnlySpan<byte> ElementAt(int at) => _bytes.AsSpan(at + 1, _bytes[at]);

    /// <summary>Inserts <paramref name="element"/> (at most 255 bytes) so that it becomes element
    /// <paramref name="index"/>, the ones from there on moving back.</summary>
    public void Insert(int index, ReadOnlySpan<byte> element)
    {
        int at = index == Count ? _used : OffsetOf(index), size = 1 + element.Length;
        PackedArray.Reserve(ref _bytes, _used, _used + size);
        Array.Copy(_bytes, at, _bytes, at + size, _used - at);
        _bytes[at] = (byte)element.Length;
        element.CopyTo(_bytes.AsSpan(at + 1));
        _used += size;
        Count++;
    }

    /// <summary>Replaces element <paramref name="index"/>.</summary>
    public void Set(int index, ReadOnlySpan<byte> element)
    {
        int at = OffsetOf(index), old = _bytes[at], grow = element.Length - old;
        if (grow > 0) PackedArray.Reserve(ref _bytes, _used, _used + grow);
        if (grow != 0) Array.Copy(_bytes, at + 1 + old, _bytes, at + 1 + element.Length, _used - at - 1 - old);
        _bytes[at] = (byte)element.Length;
        element.CopyTo(_bytes.AsSpan(at + 1));
        _used += grow;
        if (grow < 0) PackedArray.Trim(ref _bytes, _used);
    }

    /// <summary>Removes elements [<paramref name="start"/>, <paramref name="end"/>) (indices).</summary>
    public void RemoveRange(int start, int end)
    {
        if (end <= start) return;
        int from = OffsetOf(start), to = from;
        for (int i = start; i < end; i++) to = Next(to);
        Array.Copy(_bytes, to, _bytes, from, _used - to);
        _used -= to - from;
        Count -= end - start;
        PackedArray.Trim(ref _bytes, _used);
    }

    /// <summary>Removes up to <paramref name="max"/> elements equal to <paramref name="element"/>, passing over the
    /// first <paramref name="skip"/> of them (how LREM from the tail picks the last ones); returns how many went.</summary>
    public int RemoveMatches(ReadOnlySpan<byte> element, long skip, long max)
    {
        int write = 0, removed = 0;
        for (int read = 0; read < _used;)
        {
            int size = 1 + _bytes[read];
            bool match = removed < max && _bytes.AsSpan(read + 1, size - 1).SequenceEqual(element) && skip-- <= 0;
            if (match) removed++;
            else
            {
                if (write != read) Array.Copy(_bytes, read, _bytes, write, size);
                write += size;
            }
            read += size;
        }
        _used = write;
        Count -= removed;
        PackedArray.Trim(ref _bytes, _used);
        return removed;
    }

    /// <summary>A copy with an array of its own, no larger than the elements.</summary>
    public readonly PackedList Clone() => new(_bytes.AsSpan(0, _used).ToArray(), _used, Count);
}
