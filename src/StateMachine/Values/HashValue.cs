using System.Buffers.Binary;
using System.IO.Hashing;
using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine.Values;

/// <summary>
/// A Redis hash: binary-safe fields, each with a value. A write of a value as long as the one it replaces copies it
/// into the stored array (as a SET of a string does, see Store.StringsInPlace.cs), so a value array must not leave
/// the shard lock: readers copy it, or read it in place under the lock (HGET).
/// OBJECT ENCODING answers as Redis 7.0.15 (run without a config file): "listpack" while every write kept it small
/// (at most 512 fields, fields and values at most 64 bytes), then "hashtable" for good, as Redis never converts back (a snapshot load does, as RDB
/// loading does). While "listpack", fields keep insertion order, which HGETALL and HSCAN show, as in Redis.
/// </summary>
public sealed class HashValue : CollectionValue
{
    /// <summary>hash-max-listpack-entries and hash-max-listpack-value, at redis-server's built-in defaults (the
    /// sample redis.conf lowers the first to 128).</summary>
    public const int ListpackMaxEntries = 512, ListpackMaxValue = 64;

    /// <summary>Elements per rebuild event.</summary>
    private const int RebuildChunk = 1024;

    private readonly ElementTable _table;
    private bool _hashtable;

    public HashValue() => _table = new ElementTable(withValues: true);

    private HashValue(ElementTable table, bool hashtable)
    {
        _table = table;
        _hashtable = hashtable;
    }

    public override string TypeName => "hash";
    public override string Encoding => _hashtable ? "hashtable" : "listpack";
    public override long Count => _table.Count;

    /// <summary>True while Redis would keep this hash as a listpack (small: replies list all of it in order).</summary>
    public bool IsCompact => !_hashtable;

    public ElementTable Table => _table;

    public byte[]? Get(ReadOnlySpan<byte> field)
    {
        int index = _table.IndexOf(field);
        return index < 0 ? null : _table.ValueAt(index);
    }

    /// <summary>Sets a field; true when it is new. A long field or value, or one field too many, makes it a
    /// hashtable.</summary>
    public bool Set(ReadOnlySpan<byte> field, ReadOnlySpan<byte> value, bool inPlace = false)
    {
        if (field.Length > ListpackMaxValue || value.Length > ListpackMaxValue) _hashtable = true;
        bool added = _table.Set(field, value, inPlace);
        if (_table.Count > ListpackMaxEntries) _hashtable = true;
        Resized();
        return added;
    }

    public bool Remove(ReadOnlySpan<byte> field)
    {
        bool removed = _table.Remove(field, keepOrder: !_hashtable);
        Resized();
        return removed;
    }

    // Fields: the base's size, account and capture mark, the table reference, the encoding flag.
    protected override long MeasureBytes() => MemorySize.Object(40) + _table.Bytes;

    /// <summary>Order-independent: the sum of one hash per field and value.</summary>
    public override void AppendDigest(XxHash3 hash)
    {
        ulong sum = 0;
        Span<byte> length = stackalloc byte[4];
        for (int i = 0; i < _table.Capacity; i++)
        {
            var field = _table.KeyAt(i);
            if (field is null) continue;
            var one = new XxHash3();
            BinaryPrimitives.WriteInt32LittleEndian(length, field.Length);
            one.Append(length);
            one.Append(field);
            one.Append(_table.ValueAt(i));
            sum += one.GetCurrentHashAsUInt64();
        }
        Span<byte> totals = stackalloc byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(totals, Count);
        BinaryPrimitives.WriteUInt64LittleEndian(totals[8..], sum);
        hash.Append(totals);
    }

    public override CollectionValue Clone() => new HashValue(_table.Clone(), _hashtable);

    /// <summary>HashSet events of at most <see cref="RebuildChunk"/> fields each, in the hash's order.</summary>
    public override void WriteRebuild(int db, ReadOnlySpan<byte> key, IRebuildSink sink)
    {
        int i = 0;
        while (i < _table.Capacity)
        {
            int start = i, fields = 0;
            for (; i < _table.Capacity && fields < RebuildChunk; i++)
                if (_table.KeyAt(i) != null) fields++;
            if (fields == 0) break;
            var buffer = EventBuffer.Start(HashEvents.Set);
            buffer.WriteArrayHeader(2 + fields * 2);
            buffer.Write(db);
            buffer.Write(key);
            for (int j = start; j < i; j++)
            {
                var field = _table.KeyAt(j);
                if (field is null) continue;
                buffer.Write(field);
                buffer.Write(_table.ValueAt(j));
            }
            sink.Emit(buffer);
        }
    }
}
