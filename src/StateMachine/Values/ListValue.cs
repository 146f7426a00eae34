using System.Buffers.Binary;
using System.IO.Hashing;
using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine.Values;

/// <summary>Which end of a list: LEFT is the head (index 0), RIGHT the tail. The numbers are logged.</summary>
public enum ListSide : byte { Left = 0, Right = 1 }

/// <summary>
/// A Redis list: a deque over a ring buffer (power-of-two capacity) of element arrays. Push and pop at both ends
/// are O(1), so is access by index; inserting or removing in the middle moves the elements after it. Elements are
/// never changed in place (LSET stores a new array), so a reader may hold one after the shard lock is released and
/// a clone may share them.
/// </summary>
public sealed class ListValue : CollectionValue
{
    private const int MinCapacity = 4;
    private byte[][] _items;
    private int _head;
    private int _count;
    private long _elementBytes;

    public ListValue(int capacity = MinCapacity)
        => _items = new byte[MinCapacity > capacity ? MinCapacity : (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity)][];

    public override string TypeName => "list";

    /// <summary>Redis 7.0 answers "quicklist" for every list, however small (its listpack-encoded lists came in 7.2).</summary>
    public override string Encoding => "quicklist";

    public override long Count => _count;

    public int Length => _count;

    public byte[] this[int index]
    {
        get => _items[Slot(index)];
        set
        {
            ref byte[] item = ref ItemAt(index);
            _elementBytes += MemorySize.ByteArray(value.Length) - MemorySize.ByteArray(item.Length);
            item = value;
            Resized();
        }
    }

    private ref byte[] ItemAt(int index) => ref _items[Slot(index)];

    // Fields: the base's size, account and capture mark, the items reference, head, count, element bytes.
    protected override long MeasureBytes() => MemorySize.Object(48) + MemorySize.Array(_items.Length, MemorySize.Reference) + _elementBytes;

    private int Slot(int index) => (_head + index) & (_items.Length - 1);

    public void Push(ListSide side, byte[] element)
    {
        if (_count == _items.Length) Resize(_items.Length * 2);
        if (side == ListSide.Left)
        {
            _head = (_head - 1) & (_items.Length - 1);
            _items[_head] = element;
        }
        else
        {
            _items[Slot(_count)] = element;
        }
        _count++;
        _elementBytes += MemorySize.ByteArray(element.Length);
        Resized();
    }

    public byte[] Pop(ListSide side)
    {
        if (_count == 0) throw new InvalidOperationException("pop from an empty list");
        int slot = side == ListSide.Left ? _head : Slot(_count - 1);
        var element = _items[slot];
        _items[slot] = null!;
        if (side == ListSide.Left) _head = (_head + 1) & (_items.Length - 1);
        _count--;
        _elementBytes -= MemorySize.ByteArray(element.Length);
        ShrinkIfSparse();
        Resized();
        return element;
    }

    /// <summary>The element <paramref name="offset"/> places in from <paramref name="side"/> (0 = the end itself).</summary>
    public byte[] Peek(ListSide side, int offset) => this[side == ListSide.Left ? offset : _count - 1 - offset];

    /// <summary>Inserts so that <paramref name="element"/> ends up at <paramref name="index"/> (0..Length).</summary>
    public void Insert(int index, byte[] element)
    {
        if ((uint)index > (uint)_count) throw new ArgumentOutOfRangeException(nameof(index));
        if (index == 0) { Push(ListSide.Left, element); return; }
        if (_count == _items.Length) Resize(_items.Length * 2);
        for (int i = _count; i > index; i--) ItemAt(i) = ItemAt(i - 1);
        ItemAt(index) = element;
        _count++;
        _elementBytes += MemorySize.ByteArray(element.Length);
        Resized();
    }

    /// <summary>Keeps only the elements start..stop (inclusive, 0 ≤ start ≤ stop &lt; Length).</summary>
    public void Trim(int start, int stop)
    {
        int keep = stop - start + 1;
        for (int i = 0; i < start; i++) Drop(i);
        for (int i = stop + 1; i < _count; i++) Drop(i);
        _head = Slot(start);
        _count = keep;
        ShrinkIfSparse();
        Resized();
    }

    /// <summary>
    /// LREM: removes up to |<paramref name="limit"/>| elements equal to <paramref name="element"/>, scanning from the
    /// head when the limit is positive, from the tail when negative, all of them when 0. Returns how many went.
    /// </summary>
    public int Remove(long limit, ReadOnlySpan<byte> element)
    {
        long max = limit == 0 ? long.MaxValue : limit == long.MinValue ? long.MaxValue : Math.Abs(limit);
        int removed = 0;
        if (limit >= 0)
        {
            int write = 0;
            for (int read = 0; read < _count; read++)
            {
                var item = this[read];
                if (removed < max && item.AsSpan().SequenceEqual(element)) { removed++; continue; }
                ItemAt(write++) = item;
            }
            for (int i = write; i < _count; i++) ItemAt(i) = null!;
        }
        else
        {
            int write = _count - 1;
            for (int read = _count - 1; read >= 0; read--)
            {
                var item = this[read];
                if (removed < max && item.AsSpan().SequenceEqual(element)) { removed++; continue; }
                ItemAt(write--) = item;
            }
            for (int i = 0; i <= write; i++) ItemAt(i) = null!;
            _head = Slot(write + 1);
        }
        _count -= removed;
        _elementBytes -= removed * MemorySize.ByteArray(element.Length);
        ShrinkIfSparse();
        Resized();
        return removed;
    }

    /// <summary>How many elements <see cref="Remove"/> would remove, without removing them.</summary>
    public int CountMatches(long limit, ReadOnlySpan<byte> element)
    {
        long max = limit == 0 || limit == long.MinValue ? long.MaxValue : Math.Abs(limit);
        int found = 0;
        for (int i = 0; i < _count && found < max; i++)
            if (this[i].AsSpan().SequenceEqual(element)) found++;
        return found;
    }

    public int IndexOf(ReadOnlySpan<byte> element)
    {
        for (int i = 0; i < _count; i++)
            if (this[i].AsSpan().SequenceEqual(element)) return i;
        return -1;
    }

    private void Drop(int index)
    {
        ref byte[] item = ref ItemAt(index);
        _elementBytes -= MemorySize.ByteArray(item.Length);
        item = null!;
    }

    private void ShrinkIfSparse()
    {
        if (_items.Length > 64 && _count < _items.Length / 4) Resize(_items.Length / 2);
    }

    private void Resize(int capacity)
    {
        var items = new byte[capacity][];
        for (int i = 0; i < _count; i++) items[i] = this[i];
        _items = items;
        _head = 0;
    }

    /// <summary>Order matters for a list: every element in turn, each prefixed by its length.</summary>
    public override void AppendDigest(XxHash3 hash)
    {
        Span<byte> length = stackalloc byte[4];
        for (int i = 0; i < _count; i++)
        {
            var item = this[i];
            BinaryPrimitives.WriteInt32LittleEndian(length, item.Length);
            hash.Append(length);
            hash.Append(item);
        }
    }

    public override CollectionValue Clone()
    {
        var copy = new ListValue(_count);
        for (int i = 0; i < _count; i++) copy._items[i] = this[i];
        copy._count = _count;
        copy._elementBytes = _elementBytes;
        copy.Resized();
        return copy;
    }

    /// <summary>Elements per push event when a list is rebuilt.</summary>
    public const int RebuildChunk = 1024;

    /// <summary>One RPUSH event per <see cref="RebuildChunk"/> elements, head first.</summary>
    public override void WriteRebuild(int db, ReadOnlySpan<byte> key, IRebuildSink sink)
    {
        for (int start = 0; start < _count; start += RebuildChunk)
        {
            int n = Math.Min(RebuildChunk, _count - start);
            var buffer = Store.StartListPush(db, key, ListSide.Right, n);
            for (int i = start; i < start + n; i++) buffer.Write(this[i]);
            sink.Emit(buffer);
        }
    }
}
