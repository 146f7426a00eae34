using System.Buffers.Binary;
using System.Diagnostics;

namespace HyperCache.StateMachine.Values;

/// <summary>
/// A small hash's field-value pairs (or a small set's members, as pairs with empty values) back to back in one
/// array, in insertion order: the field's length and the value's length (one byte each, read together: one load per
/// step of a walk), the field, the value. Redis's listpack idea: one allocation where a table costs itself, three
/// arrays and an array per element (a key holding a 5-field hash of short strings took 938 bytes of heap that way,
/// 377 this way). A lookup walks the pairs, comparing lengths first; <see cref="ElementStorage"/>'s owners keep elements here
/// only while they are few and short. A position is a pair's offset in the array, valid until the next change. Not
/// thread-safe: the shard lock guards it. A struct held in a field: change it only through that field.
/// </summary>
internal struct PackedPairs
{
    /// <summary>The longest field or value a length byte can describe.</summary>
    public const int MaxElement = byte.MaxValue;

    private const int Header = 2; // the two lengths

    private byte[] _bytes;
    private int _used;

    public PackedPairs() => _bytes = [];

    private PackedPairs(byte[] bytes, int used, int count)
    {
        _bytes = bytes;
        _used = used;
        Count = count;
    }

    public int Count { get; private set; }

    /// <summary>What the array costs, the room kept for growth included (nothing for the shared empty one).</summary>
    public readonly long Bytes => _bytes.Length == 0 ? 0 : MemorySize.ByteArray(_bytes.Length);

    /// <summary>The first pair's position, -1 when there is none.</summary>
    public readonly int First => _used > 0 ? 0 : -1;

    /// <summary>The position of the pair after the one at <paramref name="at"/>, -1 after the last.</summary>
    public readonly int Next(int at)
    {
        int next = at + Header + _bytes[at] + _bytes[at + 1];
        return next < _used ? next : -1;
    }

    public readonly ReadOnlySpan<byte> FieldAt(int at) => _bytes.AsSpan(at + Header, _bytes[at]);

    public readonly ReadOnlySpan<byte> ValueAt(int at) => _bytes.AsSpan(at + Header + _bytes[at], _bytes[at + 1]);

    /// <summary>The position of <paramref name="field"/>'s pair, -1 when absent.</summary>
    public readonly int Find(ReadOnlySpan<byte> field)
    {
        var bytes = _bytes;
        int used = _used, length = field.Length;
        for (int at = 0; at < used;)
        {
            ushort lengths = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at)); // field's, then value's
            int fieldLength = lengths & 0xFF;
            if (fieldLength == length && bytes.AsSpan(at + Header, length).SequenceEqual(field)) return at;
            at += Header + fieldLength + (lengths >> 8);
        }
        return -1;
    }

    /// <summary>Sets the field's value (a value of the same length is overwritten where it lies); true when the
    /// field is new. Both must be at most <see cref="MaxElement"/> bytes.</summary>
    public bool Set(ReadOnlySpan<byte> field, ReadOnlySpan<byte> value)
    {
        Debug.Assert(field.Length <= MaxElement && value.Length <= MaxElement);
        int at = Find(field);
        if (at < 0)
        {
            int size = Header + field.Length + value.Length;
            PackedArray.Reserve(ref _bytes, _used, _used + size);
            var pair = _bytes.AsSpan(_used, size);
            pair[0] = (byte)field.Length;
            pair[1] = (byte)value.Length;
            field.CopyTo(pair[Header..]);
            value.CopyTo(pair[(Header + field.Length)..]);
            _used += size;
            Count++;
            return true;
        }
        int start = at + Header + _bytes[at], old = _bytes[at + 1], grow = value.Length - old;
        if (grow != 0)
        {
            int tail = start + old;
            PackedArray.Reserve(ref _bytes, _used, _used + grow);
            Array.Copy(_bytes, tail, _bytes, tail + grow, _used - tail);
            _used += grow;
            _bytes[at + 1] = (byte)value.Length;
        }
        value.CopyTo(_bytes.AsSpan(start));
        if (grow < 0) PackedArray.Trim(ref _bytes, _used);
        return false;
    }

    /// <summary>Removes the field's pair, closing the gap; true when it was there.</summary>
    public bool Remove(ReadOnlySpan<byte> field)
    {
        int at = Find(field);
        if (at < 0) return false;
        int next = at + Header + _bytes[at] + _bytes[at + 1];
        Array.Copy(_bytes, next, _bytes, at, _used - next);
        _used -= next - at;
        Count--;
        PackedArray.Trim(ref _bytes, _used);
        return true;
    }

    /// <summary>Asks for the array's first cache lines (its length and the first pairs) without reading it.</summary>
    public void Prefetch() => PackedArray.Prefetch(ref _bytes);

    /// <summary>A copy with an array of its own, no larger than the pairs.</summary>
    public readonly PackedPairs Clone() => new(_bytes.AsSpan(0, _used).ToArray(), _used, Count);
}
