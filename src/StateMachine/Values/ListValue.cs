using System.Buffers.Binary;
using System.IO.Hashing;
using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine.Values;

/// <summary>Which end of a list: LEFT is the head (index 0), RIGHT the tail. The numbers are logged.</summary>
public enum ListSide : byte { Left = 0, Right = 1 }

/// <summary>
/// A Redis list. A small one (at most <see cref="PackedMaxEntries"/> elements of at most 64 bytes) keeps its elements
/// packed in one array (<see cref="PackedList"/>); one that outgrows that becomes, for good, a deque over a ring
/// buffer (power-of-two capacity) of element arrays, where push and pop at both ends and access by index are O(1),
/// and inserting or removing in the middle moves the elements after it. The deque's elements are never changed in
/// place (LSET stores a new array), so a reader may hold one after the shard lock is released and a clone may share
/// them; a packed element is handed out as a copy.
/// </summary>
public sealed class ListValue : CollectionValue
{
    /// <summary>Elements kept packed, and how long each may be: the limits the hashes, sets and sorted sets pack
    /// under (at most 8 KB, which is also the size of Redis's listpack nodes at its default list-max-listpack-size
    /// -2; Redis packs a list of any length into a chain of them).</summary>
    public const int PackedMaxEntries = 128, PackedMaxElement = 64;

    private const int MinCapacity = 4;
    private PackedList _packed = new(); // the elements while _items is null
    private byte[][]? _items;
    private int _head;
    private int _count;              // the deque's; a packed list's is its PackedList's
    private long _elementBytes;

    /// <summary>An empty list about to take <paramref name="capacity"/> elements: a deque with room for them when
    /// that is more than can be packed.</summary>
    public ListValue(int capacity = 0)
    {
        if (capacity > PackedMaxEntries) _items = NewItems(capacity);
    }

    private static byte[][] NewItems(int capacity)
        => new byte[MinCapacity > capacity ? MinCapacity : (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity)][];

    public override string TypeName => "list";

    /// <summary>Redis 7.0 answers "quicklist" for every list, however small (its listpack-encoded lists came in 7.2).</summary>
    public override string Encoding => "quicklist";

    public override long Count => Length;

    public int Length => _items is null ? _packed.Count : _count;

    /// <summary>True while the elements are packed (not a deque).</summary>
    public bool IsPacked => _items is null;

    /// <summary>Element <paramref name="index"/>: the deque's own array, or a copy of a packed element.</summary>
    public byte[] this[int index]
    {
        get => _items is null ? _packed.ElementAt(_packed.OffsetOf(index)).ToArray() : _items[Slot(index)];
        set
        {
            if (_items is null && value.Length > PackedMaxElement) Unpack();
            if (_items is null)
            {
                _packed.Set(index, value);
            }
            else
            {
                ref byte[] item = ref ItemAt(index);
                _elementBytes += MemorySize.ByteArray(value.Length) - MemorySize.ByteArray(item.Length);
                item = value;
            }
            Resized();
        }
    }

    /// <summary>Copies elements <paramref name="start"/>.. into <paramref name="into"/> (as many as it holds): one
    /// walk over packed elements where indexing would walk for each.</summary>
    public void CopyTo(int start, byte[][] into)
    {
        if (_items != null)
        {
            for (int i = 0; i < into.Length; i++) into[i] = _items[Slot(start + i)];
            return;
        }
        int at = _packed.OffsetOf(start);
        for (int i = 0; i < into.Length; i++, at = _packed.Next(at)) into[i] = _packed.ElementAt(at).ToArray();
    }

    private ref byte[] ItemAt(int index) => ref _items![Slot(index)];

    // Fields: the base's size, account and capture mark, the packed list (16), the items reference, head, count,
    // element bytes.
    protected override long MeasureBytes() => MemorySize.Object(64) + (_items is null
        ? _packed.Bytes
        : MemorySize.Array(_items.Length, MemorySize.Reference) + _elementBytes);

    private int Slot(int index) => (_head + index) & (_items!.Length - 1);

    public void Push(ListSide side, byte[] element)
    {
        if (_items is null && !Fits(element.Length)) Unpack();
        if (_items is null)
        {
            _packed.Insert(side == ListSide.Left ? 0 : _packed.Count, element);
            Resized();
            return;
        }
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

    /// <summary>As <see cref="Push(ListSide, byte[])"/>, copying <paramref name="element"/> (no array of its own
    /// while packed).</summary>
    public void Push(ListSide side, ReadOnlySpan<byte> element)
    {
        if (_items is null && Fits(element.Length))
        {
            _packed.Insert(side == ListSide.Left ? 0 : _packed.Count, element);
            Resized();
            return;
        }
        Push(side, element.ToArray());
    }

    /// <summary>Whether one more element of <paramref name="length"/> bytes keeps the list packed.</summary>
    private bool Fits(int length) => length <= PackedMaxElement && _packed.Count < PackedMaxEntries;

    public byte[] Pop(ListSide side)
    {
        if (Length == 0) throw new InvalidOperationException("pop from an empty list");
        if (_items is null)
        {
            int index = side == ListSide.Left ? 0 : _packed.Count - 1;
            var popped = _packed.ElementAt(_packed.OffsetOf(index)).ToArray();
            _packed.RemoveRange(index, index + 1);
            Resized();
            return popped;
        }
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
    public byte[] Peek(ListSide side, int offset) => this[side == ListSide.Left ? offset : Length - 1 - offset];

    /// <summary>Inserts so that <paramref name="element"/> ends up at <paramref name="index"/> (0..Length).</summary>
    public void Insert(int index, byte[] element)
    {
        if ((uint)index > (uint)Length) throw new ArgumentOutOfRangeException(nameof(index));
        if (_items is null && !Fits(element.Length)) Unpack();
        if (_items is null)
        {
            _packed.Insert(index, element);
            Resized();
            return;
        }
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
        if (_items is null)
        {
            _packed.RemoveRange(stop + 1, _packed.Count);
            _packed.RemoveRange(0, start);
            Resized();
            return;
        }
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
        if (_items is null)
        {
            // From the tail: the last max matches, that is, all but the first (matches - max).
            long skip = limit < 0 ? Math.Max(0, CountMatches(0, element) - max) : 0;
            int gone = _packed.RemoveMatches(element, skip, max);
            Resized();
            return gone;
        }
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
        for (int at = First; at >= 0 && found < max; at = Next(at))
            if (ElementAt(at).SequenceEqual(element)) found++;
        return found;
    }

    public int IndexOf(ReadOnlySpan<byte> element)
    {
        int index = 0;
        for (int at = First; at >= 0; at = Next(at), index++)
            if (ElementAt(at).SequenceEqual(element)) return index;
        return -1;
    }

    /// <summary>The head's position (-1 when empty); with <see cref="Next"/> and <see cref="ElementAt"/>, every
    /// element head to tail, read where it lies (under the shard lock). A position is a packed offset or a deque
    /// index, valid until the next change.</summary>
    public int First => Length == 0 ? -1 : 0;

    public int Next(int at)
    {
        if (_items != null) return at + 1 < _count ? at + 1 : -1;
        int next = _packed.Next(at);
        return next < _packed.End ? next : -1;
    }

    public ReadOnlySpan<byte> ElementAt(int at) => _items is null ? _packed.ElementAt(at) : _items[Slot(at)];

    /// <summary>Moves the packed elements into a deque, for good.</summary>
    private void Unpack()
    {
        var items = NewItems(_packed.Count + 1);
        int i = 0;
        for (int at = First; at >= 0; at = Next(at)) items[i++] = ElementAt(at).ToArray();
        _elementBytes = 0;
        for (int j = 0; j < i; j++) _elementBytes += MemorySize.ByteArray(items[j].Length);
        _items = items;
        _head = 0;
        _count = i;
        _packed = new PackedList();
    }

    private void Drop(int index)
    {
        ref byte[] item = ref ItemAt(index);
        _elementBytes -= MemorySize.ByteArray(item.Length);
        item = null!;
    }

    private void ShrinkIfSparse()
    {
        if (_items!.Length > 64 && _count < _items.Length / 4) Resize(_items.Length / 2);
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
        for (int at = First; at >= 0; at = Next(at))
        {
            var item = ElementAt(at);
            BinaryPrimitives.WriteInt32LittleEndian(length, item.Length);
            hash.Append(length);
            hash.Append(item);
        }
    }

    public override CollectionValue Clone()
    {
        if (_items is null)
        {
            var packed = new ListValue { _packed = _packed.Clone() };
            packed.Resized();
            return packed;
        }
        var copy = new ListValue { _items = NewItems(_count) };
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
        int at = First;
        for (int start = 0; start < Length; start += RebuildChunk)
        {
            int n = Math.Min(RebuildChunk, Length - start);
            var buffer = Store.StartListPush(db, key, ListSide.Right, n);
            for (int i = 0; i < n; i++, at = Next(at)) buffer.Write(ElementAt(at));
            sink.Emit(buffer);
        }
    }
}
