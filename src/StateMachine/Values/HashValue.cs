using System.Buffers.Binary;
using System.IO.Hashing;
using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine.Values;

/// <summary>
/// A Redis hash: binary-safe fields, each with a value. Small hashes (at most <see cref="PackedMaxEntries"/> fields,
/// fields and values at most 64 bytes) keep their pairs packed in one array (<see cref="PackedPairs"/>); a hash that
/// outgrows that moves to an <see cref="ElementTable"/> for good. A value must not leave the shard lock: a write of
/// a value as long as the one it replaces copies it over the stored bytes (as a SET of a string does, see
/// Store.StringsInPlace.cs), so readers copy it, or read it in place under the lock (HGET).
/// OBJECT ENCODING answers as Redis 7.0.15 (run without a config file): "listpack" while every write kept it small
/// (at most 512 fields, fields and values at most 64 bytes), then "hashtable" for good, as Redis never converts back (a snapshot load does, as RDB
/// loading does). While "listpack", fields keep insertion order, which HGETALL and HSCAN show, as in Redis.
/// Pairs are reached by position: an offset among the packed pairs or a slot of the table, valid until the next
/// change.
/// </summary>
public sealed class HashValue : CollectionValue
{
    /// <summary>hash-max-listpack-entries and hash-max-listpack-value, at redis-server's built-in defaults (the
    /// sample redis.conf lowers the first to 128).</summary>
    public const int ListpackMaxEntries = 512, ListpackMaxValue = 64;

    /// <summary>Fields kept packed: the sample redis.conf's hash-max-listpack-entries. A lookup walks at most this
    /// many pairs; past it a table's hashing is cheaper.</summary>
    public const int PackedMaxEntries = 128;

    /// <summary>Elements per rebuild event.</summary>
    private const int RebuildChunk = 1024;

    private PackedPairs _packed = new();  // the pairs while _table is null
    private ElementTable? _table;         // the pairs once there were too many or too long to pack
    private bool _hashtable;

    public HashValue() { }

    private HashValue(PackedPairs packed, ElementTable? table, bool hashtable)
    {
        _packed = packed;
        _table = table;
        _hashtable = hashtable;
    }

    public override string TypeName => "hash";
    public override string Encoding => _hashtable ? "hashtable" : "listpack";
    public override long Count => _table?.Count ?? _packed.Count;

    /// <summary>True while Redis would keep this hash as a listpack (small: replies list all of it in order).</summary>
    public bool IsCompact => !_hashtable;

    /// <summary>The table holding the pairs; null while they are packed.</summary>
    public ElementTable? Table => _table;

    public bool Contains(ReadOnlySpan<byte> field) => _table?.Contains(field) ?? _packed.Find(field) >= 0;

    /// <summary>The field's value where it lies (read it under the shard lock); false when absent.</summary>
    public bool TryGet(ReadOnlySpan<byte> field, out ReadOnlySpan<byte> value)
    {
        int at = _table?.IndexOf(field) ?? _packed.Find(field);
        value = at < 0 ? default : ValueAt(at);
        return at >= 0;
    }

    /// <summary>The first pair's position, -1 for none; with <see cref="Next"/>, the pairs in the hash's order.</summary>
    public int First => _table is null ? _packed.First : LiveFrom(0);

    public int Next(int at) => _table is null ? _packed.Next(at) : LiveFrom(at + 1);

    public ReadOnlySpan<byte> FieldAt(int at) => _table is { } table ? table.KeyAt(at) : _packed.FieldAt(at);

    public ReadOnlySpan<byte> ValueAt(int at) => _table is { } table ? table.ValueAt(at) : _packed.ValueAt(at);

    /// <summary>The field at <paramref name="at"/> as an array a reply may keep: the table's own (fields never
    /// change), or a copy of a packed one.</summary>
    public byte[] FieldArrayAt(int at) => _table is { } table ? table.KeyAt(at)! : _packed.FieldAt(at).ToArray();

    /// <summary>Every pair's position, in the hash's order.</summary>
    public void AllPositions(List<int> positions)
    {
        for (int at = First; at >= 0; at = Next(at)) positions.Add(at);
    }

    /// <summary>One step of HSCAN (see <see cref="ElementTable.Scan"/>); a compact hash comes whole, cursor 0.</summary>
    public ulong Scan(ulong cursor, int count, List<int> positions)
    {
        if (IsCompact)
        {
            AllPositions(positions);
            return 0;
        }
        return _table!.Scan(cursor, count, positions);
    }

    /// <summary>HRANDFIELD's picks: |count| positions with repetition when negative, else
    /// <paramref name="count"/> distinct ones (fewer than the hash holds) in random order.</summary>
    public void RandomPositions(long count, List<int> picked)
    {
        if (_table is { } table)
        {
            if (count < 0) table.PickWithRepetition(-count, picked);
            else table.PickDistinct((int)count, picked);
            return;
        }
        var all = new List<int>(_packed.Count);
        AllPositions(all);
        if (count >= 0)
        {
            ElementTable.ShuffleTake(all, (int)count);
            picked.AddRange(all);
            return;
        }
        for (long i = 0; i < -count; i++) picked.Add(all[Random.Shared.Next(all.Count)]);
    }

    /// <summary>A uniformly random pair's position; the hash must not be empty.</summary>
    public int RandomPosition()
    {
        if (_table is { } table) return table.RandomIndex(Random.Shared);
        int at = _packed.First;
        for (int skip = Random.Shared.Next(_packed.Count); skip > 0; skip--) at = _packed.Next(at);
        return at;
    }

    /// <summary>Sets a field; true when it is new. A long field or value, or one field too many, makes it a
    /// hashtable. <paramref name="inPlace"/> lets the table overwrite a value of the same length where it lies;
    /// packed pairs always may, as a copy (<see cref="Clone"/>) never shares their array.</summary>
    public bool Set(ReadOnlySpan<byte> field, ReadOnlySpan<byte> value, bool inPlace = false)
    {
        if (field.Length > ListpackMaxValue || value.Length > ListpackMaxValue) _hashtable = true;
        bool added;
        if (_table is null && !_hashtable && (_packed.Count < PackedMaxEntries || _packed.Find(field) >= 0))
        {
            added = _packed.Set(field, value);
        }
        else
        {
            _table ??= Unpack();
            added = _table.Set(field, value, inPlace);
        }
        if (Count > ListpackMaxEntries) _hashtable = true;
        Resized();
        return added;
    }

    public bool Remove(ReadOnlySpan<byte> field)
    {
        bool removed = _table?.Remove(field, keepOrder: !_hashtable) ?? _packed.Remove(field);
        Resized();
        return removed;
    }

    /// <summary>The pipeline's look-ahead (see KeyHint): the start of the packed pairs, which a lookup walks.</summary>
    internal void PrefetchPairs() => _packed.Prefetch();

    /// <summary>The packed pairs moved to a table, in their order.</summary>
    private ElementTable Unpack()
    {
        var table = new ElementTable(withValues: true, _packed.Count + 1);
        for (int at = _packed.First; at >= 0; at = _packed.Next(at))
            table.Add(_packed.FieldAt(at).ToArray(), _packed.ValueAt(at).ToArray());
        _packed = new PackedPairs();
        return table;
    }

    private int LiveFrom(int index)
    {
        var table = _table!;
        for (; index < table.Capacity; index++)
            if (table.KeyAt(index) != null) return index;
        return -1;
    }

    // Fields: the base's size, account and capture mark (24), the packed pairs (16), the table reference, the
    // encoding flag.
    protected override long MeasureBytes() => MemorySize.Object(49) + (_table?.Bytes ?? MemorySize.ByteArray(_packed.Capacity));

    /// <summary>Order-independent: the sum of one hash per field and value.</summary>
    public override void AppendDigest(XxHash3 hash)
    {
        ulong sum = 0;
        Span<byte> length = stackalloc byte[4];
        for (int at = First; at >= 0; at = Next(at))
        {
            var field = FieldAt(at);
            var one = new XxHash3();
            BinaryPrimitives.WriteInt32LittleEndian(length, field.Length);
            one.Append(length);
            one.Append(field);
            one.Append(ValueAt(at));
            sum += one.GetCurrentHashAsUInt64();
        }
        Span<byte> totals = stackalloc byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(totals, Count);
        BinaryPrimitives.WriteUInt64LittleEndian(totals[8..], sum);
        hash.Append(totals);
    }

    public override CollectionValue Clone() => new HashValue(_packed.Clone(), _table?.Clone(), _hashtable);

    /// <summary>HashSet events of at most <see cref="RebuildChunk"/> fields each, in the hash's order.</summary>
    public override void WriteRebuild(int db, ReadOnlySpan<byte> key, IRebuildSink sink)
    {
        int at = First;
        while (at >= 0)
        {
            int start = at, fields = 0;
            for (; at >= 0 && fields < RebuildChunk; at = Next(at)) fields++;
            var buffer = EventBuffer.Start(HashEvents.Set);
            buffer.WriteArrayHeader(2 + fields * 2);
            buffer.Write(db);
            buffer.Write(key);
            for (int pair = start; pair != at; pair = Next(pair))
            {
                buffer.Write(FieldAt(pair));
                buffer.Write(ValueAt(pair));
            }
            sink.Emit(buffer);
        }
    }
}
