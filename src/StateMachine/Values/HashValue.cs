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
/// OBJECT ENCODING answers as Redis 7.0.15: "listpack" while every write kept it small (at most
/// hash-max-listpack-entries fields, fields and values at most hash-max-listpack-value bytes: 512 and 64 unless
/// CONFIG SET changed them, see <see cref="EncodingLimits"/>), then "hashtable" for good, as Redis never converts back (a snapshot load does, as RDB
/// loading does). While "listpack", fields keep insertion order, which HGETALL and HSCAN show, as in Redis.
/// Pairs are reached by position (see <see cref="ElementStorage"/>).
/// </summary>
public sealed class HashValue : CollectionValue
{
    /// <summary>Fields kept packed at most: the sample redis.conf's hash-max-listpack-entries (a lower configured
    /// limit applies too, as the hash is then a hashtable). A lookup walks at most this many pairs; past it a
    /// table's hashing is cheaper.</summary>
    public const int PackedMaxEntries = 128;

    /// <summary>Elements per rebuild event.</summary>
    private const int RebuildChunk = 1024;

    private ElementStorage _pairs = new();
    private bool _hashtable;

    public HashValue() { }

    private HashValue(ElementStorage pairs, bool hashtable)
    {
        _pairs = pairs;
        _hashtable = hashtable;
    }

    public override string TypeName => "hash";
    public override string Encoding => _hashtable ? "hashtable" : "listpack";
    public override long Count => _pairs.Count;

    /// <summary>True while Redis would keep this hash as a listpack (small: replies list all of it in order).</summary>
    public bool IsCompact => !_hashtable;

    /// <summary>The table holding the pairs; null while they are packed.</summary>
    public ElementTable? Table => _pairs.Table;

    public bool Contains(ReadOnlySpan<byte> field) => _pairs.Contains(field);

    /// <summary>The field's value where it lies (read it under the shard lock); false when absent.</summary>
    public bool TryGet(ReadOnlySpan<byte> field, out ReadOnlySpan<byte> value) => _pairs.TryGet(field, out value);

    /// <summary>The first pair's position, -1 for none; with <see cref="Next"/>, the pairs in the hash's order.</summary>
    public int First => _pairs.First;

    public int Next(int at) => _pairs.Next(at);

    public ReadOnlySpan<byte> FieldAt(int at) => _pairs.ElementAt(at);

    public ReadOnlySpan<byte> ValueAt(int at) => _pairs.ValueAt(at);

    /// <summary>The field at <paramref name="at"/> as an array a reply may keep.</summary>
    public byte[] FieldArrayAt(int at) => _pairs.ElementArrayAt(at);

    /// <summary>Every pair's position, in the hash's order.</summary>
    public void AllPositions(List<int> positions) => _pairs.AllPositions(positions);

    /// <summary>One step of HSCAN (see <see cref="ElementTable.Scan"/>); a compact hash comes whole, cursor 0.</summary>
    public ulong Scan(ulong cursor, int count, List<int> positions)
    {
        if (!IsCompact) return _pairs.Scan(cursor, count, positions);
        AllPositions(positions);
        return 0;
    }

    /// <summary>HRANDFIELD's picks: |count| positions with repetition when negative, else
    /// <paramref name="count"/> distinct ones (fewer than the hash holds) in random order.</summary>
    public void RandomPositions(long count, List<int> picked) => _pairs.RandomPositions(count, picked);

    /// <summary>A uniformly random pair's position; the hash must not be empty.</summary>
    public int RandomPosition() => _pairs.RandomPosition();

    /// <summary>Sets a field; true when it is new. A long field or value, or one field too many, makes it a
    /// hashtable; more than <see cref="PackedMaxEntries"/> fields, or a hashtable, moves the pairs to a table.
    /// <paramref name="inPlace"/>: see <see cref="ElementStorage.Set"/>.</summary>
    public bool Set(ReadOnlySpan<byte> field, ReadOnlySpan<byte> value, bool inPlace = false)
    {
        int longest = Math.Max(field.Length, value.Length);
        if (longest > EncodingLimits.HashMaxListpackValue) _hashtable = true;
        if (_pairs.IsPacked && (_hashtable || longest > PackedPairs.MaxElement || (_pairs.Count >= PackedMaxEntries && !_pairs.Contains(field))))
            _pairs.Unpack(withValues: true);
        bool added = _pairs.Set(field, value, inPlace);
        if (Count > EncodingLimits.HashMaxListpackEntries)
        {
            _hashtable = true;
            if (_pairs.IsPacked) _pairs.Unpack(withValues: true);
        }
        Resized();
        return added;
    }

    public bool Remove(ReadOnlySpan<byte> field)
    {
        bool removed = _pairs.Remove(field, keepOrder: !_hashtable);
        Resized();
        return removed;
    }

    internal override bool PrefetchPacked() => _pairs.PrefetchPacked();

    // Fields: the base's size, account and capture mark (24), the storage (packed array, its two counts, the
    // table: 24), the encoding flag.
    protected override long MeasureBytes() => MemorySize.Object(49) + _pairs.Bytes;

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

    public override CollectionValue Clone() => new HashValue(_pairs.Clone(), _hashtable);

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
