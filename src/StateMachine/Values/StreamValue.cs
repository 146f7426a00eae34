using System.Buffers.Binary;
using System.IO.Hashing;
using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine.Values;

/// <summary>
/// A Redis stream: entries in ID order, in a sorted array of chunks of up to <see cref="ChunkCapacity"/> entries
/// (an ID is found by binary search over the chunks' last IDs, then within one chunk; appends go to the last chunk;
/// trimming drops whole chunks from the head). Also what Redis 7 keeps beside the entries: the last generated ID,
/// the entries-added counter and the largest deleted ID, which XADD's ID rules and XINFO need and which deleting or
/// trimming entries does not reset. Unlike the other collections, an empty stream is kept (as Redis does).
/// </summary>
public sealed class StreamValue : CollectionValue
{
    /// <summary>Entries per chunk at most; a chunk's array starts small and doubles up to this.</summary>
    public const int ChunkCapacity = 128;
    private const int FirstChunkArray = 4;

    /// <summary>Entries per snapshot rebuild event.</summary>
    public const int RebuildChunk = 1024;

    private Chunk[] _chunks = new Chunk[1];
    private int _chunkCount;
    private long _length;
    private long _entryBytes, _chunkBytes;
    /// <summary>Consumer groups by name; null until the first XGROUP CREATE (a stream without groups pays one reference).</summary>
    private NameMap<StreamGroup>? _groups;
    private StreamNodes _nodes = new(); // where Redis's nodes would be, for "~" trimming

    /// <summary>Where Redis would cut this stream into nodes ("~" trimming removes whole ones).</summary>
    public StreamNodes Nodes => _nodes;

    public override string TypeName => "stream";
    public override string Encoding => "stream";
    public override long Count => _length;

    /// <summary>The ID the last XADD generated (it stays when that entry is deleted; XSETID sets it).</summary>
    public StreamId LastId { get; private set; }

    /// <summary>The largest ID XDEL removed (Redis 7's max_deleted_entry_id; trimming does not move it).</summary>
    public StreamId MaxDeletedId { get; private set; }

    /// <summary>Entries ever added (Redis 7's entries_added).</summary>
    public long EntriesAdded { get; private set; }

    public StreamEntry? First => _length == 0 ? null : _chunks[0].Items[0];
    public StreamEntry? Last => _length == 0 ? null : _chunks[_chunkCount - 1].Items[_chunks[_chunkCount - 1].Count - 1];

    private sealed class Chunk(int capacity)
    {
        public StreamEntry[] Items = new StreamEntry[capacity];
        public int Count;
        public StreamId LastId => Items[Count - 1].Id;
    }

    /// <summary>The consumer groups in name order (empty when there are none).</summary>
    public IEnumerable<StreamGroup> Groups => _groups?.Values ?? Enumerable.Empty<StreamGroup>();

    public int GroupCount => _groups?.Count ?? 0;

    /// <summary>The group named <paramref name="name"/>, or null (allocates nothing).</summary>
    public StreamGroup? Group(ReadOnlySpan<byte> name) => _groups?.Find(name);

    /// <summary>XGROUP CREATE (and a snapshot's groups): false when the name is taken.</summary>
    public bool CreateGroup(ReadOnlySpan<byte> name, StreamId lastId, long entriesRead)
    {
        _groups ??= new NameMap<StreamGroup>();
        if (_groups.Find(name) != null) return false;
        var key = name.ToArray();
        _groups.TryAdd(key, new StreamGroup(key) { LastId = lastId, EntriesRead = entriesRead });
        Resized();
        return true;
    }

    /// <summary>XGROUP DESTROY: whether the group existed.</summary>
    public bool DestroyGroup(ReadOnlySpan<byte> name)
    {
        if (_groups is null || !_groups.Remove(name)) return false;
        if (_groups.Count == 0) _groups = null;
        Resized();
        return true;
    }

    /// <summary>Redis's streamEstimateDistanceFromFirstEverEntry: the entries-read counter that matches having read
    /// up to <paramref name="id"/>, or -1 when fragmentation (deleted entries) makes it unknown.</summary>
    public long EstimateEntriesRead(StreamId id)
    {
        if (EntriesAdded == 0) return 0;
        if (_length == 0 && id <= LastId) return EntriesAdded;
        int last = id.CompareTo(LastId);
        if (last == 0) return EntriesAdded;
        if (last > 0) return StreamGroup.EntriesReadUnknown;
        var first = First!.Value.Id;
        if (MaxDeletedId == StreamId.Zero || MaxDeletedId < first)
        {
            if (id < first) return EntriesAdded - _length;
            if (id == first) return EntriesAdded - _length + 1;
        }
        return StreamGroup.EntriesReadUnknown;
    }

    /// <summary>Redis's streamRangeHasTombstones(start, +): may an entry at or after <paramref name="start"/> have
    /// been deleted?</summary>
    public bool HasTombstonesFrom(StreamId start)
        => _length != 0 && MaxDeletedId != StreamId.Zero && First!.Value.Id <= MaxDeletedId && start <= MaxDeletedId;

    /// <summary>The group's lag (XINFO GROUPS), Redis's streamReplyWithCGLag; null when it cannot be known.</summary>
    public long? Lag(StreamGroup group)
    {
        if (EntriesAdded == 0) return 0;
        if (group.EntriesRead != StreamGroup.EntriesReadUnknown && !HasTombstonesFrom(group.LastId)) return EntriesAdded - group.EntriesRead;
        long read = EstimateEntriesRead(group.LastId);
        return read == StreamGroup.EntriesReadUnknown ? null : EntriesAdded - read;
    }

    /// <summary>A group changed: its size is counted again.</summary>
    public void GroupChanged() => Resized();

    // Fields: the base's 24 bytes, the chunk array, groups and nodes references, count, length, two byte counters,
    // two IDs, entries added; the node counts (an object with its array).
    protected override long MeasureBytes()
        => MemorySize.Object(120) + MemorySize.Array(_chunks.Length, MemorySize.Reference) + _chunkBytes + _entryBytes
            + MemorySize.Object(16) + _nodes.MemoryBytes + (_groups is null ? 0 : GroupsBytes());

    private long GroupsBytes()
    {
        long bytes = _groups!.Bytes;
        foreach (var group in _groups.Values) bytes += group.Bytes;
        return bytes;
    }

    private static long ChunkBytes(int capacity) => MemorySize.Object(12) + MemorySize.Array(capacity, 24);

    private static long EntryBytes(byte[][] fields)
    {
        long bytes = MemorySize.Array(fields.Length, MemorySize.Reference);
        foreach (var field in fields) bytes += MemorySize.ByteArray(field.Length);
        return bytes;
    }

    /// <summary>XADD: appends an entry with an ID above <see cref="LastId"/> and makes it the last generated one.</summary>
    public void Add(StreamId id, byte[][] fields)
    {
        if (id <= LastId) throw new InvalidDataException($"stream ID {id} is not above the last one {LastId}");
        Append(id, fields);
        LastId = id;
        EntriesAdded++;
        Resized();
    }

    /// <summary>Sets the stream's counters: a snapshot rebuild (before its entries are loaded), XSETID.</summary>
    public void SetCounters(StreamId lastId, StreamId maxDeletedId, long entriesAdded)
    {
        LastId = lastId;
        MaxDeletedId = maxDeletedId;
        EntriesAdded = entriesAdded;
    }

    /// <summary>Snapshot rebuild: appends an entry as it was, leaving the counters alone.</summary>
    public void Load(StreamId id, byte[][] fields)
    {
        if (Last is { } last && id <= last.Id || id > LastId) throw new InvalidDataException($"stream entry {id} out of order");
        Append(id, fields);
        Resized();
    }

    private void Append(StreamId id, byte[][] fields)
    {
        var chunk = _chunkCount == 0 ? null : _chunks[_chunkCount - 1];
        if (chunk is null || chunk.Count == ChunkCapacity)
        {
            if (_chunkCount == _chunks.Length) Array.Resize(ref _chunks, _chunks.Length * 2);
            _chunks[_chunkCount++] = chunk = new Chunk(FirstChunkArray);
            _chunkBytes += ChunkBytes(FirstChunkArray);
        }
        else if (chunk.Count == chunk.Items.Length)
        {
            _chunkBytes -= ChunkBytes(chunk.Items.Length);
            Array.Resize(ref chunk.Items, chunk.Items.Length * 2);
            _chunkBytes += ChunkBytes(chunk.Items.Length);
        }
        chunk.Items[chunk.Count++] = new StreamEntry(id, fields);
        _nodes.Append(id, fields);
        _length++;
        _entryBytes += EntryBytes(fields);
    }

    /// <summary>Removes the <paramref name="count"/> oldest entries (XTRIM, XADD's trim).</summary>
    public void TrimFirst(long count)
    {
        count = Math.Min(count, _length);
        if (count <= 0) return;
        _nodes.TrimFirst(count);
        int dropped = 0;
        while (count > 0)
        {
            var chunk = _chunks[dropped];
            int n = (int)Math.Min(count, chunk.Count);
            for (int i = 0; i < n; i++) _entryBytes -= EntryBytes(chunk.Items[i].Fields);
            count -= n;
            _length -= n;
            if (n == chunk.Count)
            {
                _chunkBytes -= ChunkBytes(chunk.Items.Length);
                dropped++;
            }
            else
            {
                Array.Copy(chunk.Items, n, chunk.Items, 0, chunk.Count - n);
                Array.Clear(chunk.Items, chunk.Count - n, n);
                chunk.Count -= n;
            }
        }
        RemoveChunks(0, dropped);
        Resized();
    }

    /// <summary>XDEL of one ID: whether it was there. Moves <see cref="MaxDeletedId"/> up to it.</summary>
    public bool Delete(StreamId id)
    {
        var (c, i) = LowerBound(id);
        if (c == _chunkCount || _chunks[c].Items[i].Id != id) return false;
        var chunk = _chunks[c];
        _entryBytes -= EntryBytes(chunk.Items[i].Fields);
        _nodes.Delete(id);
        Array.Copy(chunk.Items, i + 1, chunk.Items, i, chunk.Count - i - 1);
        chunk.Items[--chunk.Count] = default;
        _length--;
        if (chunk.Count == 0)
        {
            _chunkBytes -= ChunkBytes(chunk.Items.Length);
            RemoveChunks(c, 1);
        }
        if (id > MaxDeletedId) MaxDeletedId = id;
        Resized();
        return true;
    }

    private void RemoveChunks(int start, int count)
    {
        if (count == 0) return;
        Array.Copy(_chunks, start + count, _chunks, start, _chunkCount - start - count);
        Array.Clear(_chunks, _chunkCount - count, count);
        _chunkCount -= count;
    }

    /// <summary>The position (chunk, index) of the first entry with an ID at or above <paramref name="id"/>;
    /// (chunk count, 0) when there is none.</summary>
    private (int Chunk, int Index) LowerBound(StreamId id)
    {
        int lo = 0, hi = _chunkCount; // first chunk whose last ID >= id
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_chunks[mid].LastId < id) lo = mid + 1;
            else hi = mid;
        }
        if (lo == _chunkCount) return (lo, 0);
        var items = _chunks[lo].Items;
        int a = 0, b = _chunks[lo].Count;
        while (a < b)
        {
            int mid = (a + b) >>> 1;
            if (items[mid].Id < id) a = mid + 1;
            else b = mid;
        }
        return (lo, a);
    }

    /// <summary>The entry with this ID, if the stream holds it.</summary>
    public StreamEntry? Find(StreamId id)
    {
        var (c, i) = LowerBound(id);
        return c < _chunkCount && _chunks[c].Items[i].Id == id ? _chunks[c].Items[i] : null;
    }

    /// <summary>How many entries have an ID below <paramref name="id"/>, counting no further than
    /// <paramref name="cap"/> (MINID trimming).</summary>
    public long CountBelow(StreamId id, long cap)
    {
        long count = 0;
        for (int c = 0; c < _chunkCount && count < cap; c++)
        {
            var chunk = _chunks[c];
            if (chunk.LastId < id)
            {
                count += chunk.Count;
                continue;
            }
            var (_, index) = LowerBound(id);
            count += index;
            break;
        }
        return Math.Min(count, cap);
    }

    /// <summary>Entries with IDs in [start, end], oldest first (or newest first when <paramref name="reverse"/>),
    /// at most <paramref name="count"/> (0: no limit), appended to <paramref name="into"/>.</summary>
    public void Range(StreamId start, StreamId end, long count, bool reverse, List<StreamEntry> into)
    {
        if (start > end || _length == 0) return;
        long taken = 0;
        if (!reverse)
        {
            var (c, i) = LowerBound(start);
            for (; c < _chunkCount; c++, i = 0)
            {
                var chunk = _chunks[c];
                for (; i < chunk.Count; i++)
                {
                    if (chunk.Items[i].Id > end || (count > 0 && taken == count)) return;
                    into.Add(chunk.Items[i]);
                    taken++;
                }
            }
            return;
        }
        // Newest first: from the last entry at or below end.
        var (lc, li) = end == StreamId.Max ? (_chunkCount, 0) : LowerBound(end.TryNext(out var above) ? above : end);
        int ci = lc, ii = li - 1;
        if (ii < 0)
        {
            ci--;
            if (ci < 0) return;
            ii = _chunks[ci].Count - 1;
        }
        for (; ci >= 0; ci--, ii = ci >= 0 ? _chunks[ci].Count - 1 : 0)
        {
            var chunk = _chunks[ci];
            for (; ii >= 0; ii--)
            {
                if (chunk.Items[ii].Id < start || (count > 0 && taken == count)) return;
                into.Add(chunk.Items[ii]);
                taken++;
            }
        }
    }

    /// <summary>Order matters: the counters, then every entry in ID order, each part prefixed by its length.</summary>
    public override void AppendDigest(XxHash3 hash)
    {
        Span<byte> header = stackalloc byte[48];
        BinaryPrimitives.WriteUInt64LittleEndian(header, LastId.Ms);
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], LastId.Seq);
        BinaryPrimitives.WriteUInt64LittleEndian(header[16..], MaxDeletedId.Ms);
        BinaryPrimitives.WriteUInt64LittleEndian(header[24..], MaxDeletedId.Seq);
        BinaryPrimitives.WriteInt64LittleEndian(header[32..], EntriesAdded);
        BinaryPrimitives.WriteInt64LittleEndian(header[40..], _length);
        hash.Append(header);
        for (int c = 0; c < _chunkCount; c++)
        {
            var chunk = _chunks[c];
            for (int i = 0; i < chunk.Count; i++)
            {
                var entry = chunk.Items[i];
                BinaryPrimitives.WriteUInt64LittleEndian(header, entry.Id.Ms);
                BinaryPrimitives.WriteUInt64LittleEndian(header[8..], entry.Id.Seq);
                BinaryPrimitives.WriteInt32LittleEndian(header[16..], entry.Fields.Length);
                hash.Append(header[..20]);
                foreach (var field in entry.Fields)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(header, field.Length);
                    hash.Append(header[..4]);
                    hash.Append(field);
                }
            }
        }
        if (_groups is null) return; // a stream without groups hashes as it did before groups existed
        BinaryPrimitives.WriteInt32LittleEndian(header, _groups.Count);
        hash.Append(header[..4]);
        foreach (var group in _groups.Values) group.AppendDigest(hash);
    }

    /// <summary>The chunks are copied; the entries' arrays, never changed in place, are shared.</summary>
    public override CollectionValue Clone()
    {
        var copy = new StreamValue { LastId = LastId, MaxDeletedId = MaxDeletedId, EntriesAdded = EntriesAdded };
        copy._chunks = new Chunk[_chunks.Length];
        for (int c = 0; c < _chunkCount; c++)
        {
            var chunk = _chunks[c];
            var clone = new Chunk(chunk.Items.Length) { Count = chunk.Count };
            Array.Copy(chunk.Items, clone.Items, chunk.Count);
            copy._chunks[c] = clone;
        }
        copy._chunkCount = _chunkCount;
        copy._nodes = _nodes.Clone();
        copy._length = _length;
        copy._entryBytes = _entryBytes;
        copy._chunkBytes = _chunkBytes;
        if (_groups != null)
        {
            copy._groups = new NameMap<StreamGroup>();
            foreach (var group in _groups.Values) copy._groups.TryAdd(group.Name, group.Clone());
        }
        copy.Resized();
        return copy;
    }

    /// <summary>A restore event with the counters (it creates the empty stream, which a stream may be), then one
    /// entries event per <see cref="RebuildChunk"/> entries, oldest first, then each group: its create event, and
    /// per consumer a consumer event with its times and up to <see cref="RebuildChunk"/> of its pending entries.</summary>
    public override void WriteRebuild(int db, ReadOnlySpan<byte> key, IRebuildSink sink)
    {
        var buffer = EventBuffer.Start(StreamEvents.Restore);
        buffer.WriteArrayHeader(7);
        buffer.Write(db);
        buffer.Write(key);
        buffer.Write((long)LastId.Ms);
        buffer.Write((long)LastId.Seq);
        buffer.Write((long)MaxDeletedId.Ms);
        buffer.Write((long)MaxDeletedId.Seq);
        buffer.Write(EntriesAdded);
        sink.Emit(buffer);
        var batch = new List<StreamEntry>(RebuildChunk);
        for (int c = 0; c < _chunkCount; c++)
        {
            var chunk = _chunks[c];
            for (int i = 0; i < chunk.Count; i++)
            {
                batch.Add(chunk.Items[i]);
                if (batch.Count == RebuildChunk) EmitEntries(db, key, batch, sink);
            }
        }
        if (batch.Count > 0) EmitEntries(db, key, batch, sink);
        foreach (var group in Groups) EmitGroup(db, key, group, sink);
    }

    private static void EmitGroup(int db, ReadOnlySpan<byte> key, StreamGroup group, IRebuildSink sink)
    {
        var buffer = EventBuffer.Start(StreamEvents.GroupCreate);
        buffer.WriteArrayHeader(6);
        buffer.Write(db);
        buffer.Write(key);
        buffer.Write(group.Name);
        buffer.Write((long)group.LastId.Ms);
        buffer.Write((long)group.LastId.Seq);
        buffer.Write(group.EntriesRead);
        sink.Emit(buffer);
        foreach (var consumer in group.Consumers.Values)
        {
            var pending = consumer.Pending.ToArray();
            int start = 0;
            do
            {
                int n = Math.Min(RebuildChunk, pending.Length - start);
                buffer = EventBuffer.Start(StreamEvents.Consumer);
                buffer.WriteArrayHeader(6 + 4 * n);
                buffer.Write(db);
                buffer.Write(key);
                buffer.Write(group.Name);
                buffer.Write(consumer.Name);
                buffer.Write(consumer.SeenTime);
                buffer.Write(consumer.ActiveTime);
                for (int i = start; i < start + n; i++)
                {
                    buffer.Write((long)pending[i].Id.Ms);
                    buffer.Write((long)pending[i].Id.Seq);
                    buffer.Write(pending[i].DeliveryTime);
                    buffer.Write(pending[i].DeliveryCount);
                }
                sink.Emit(buffer);
                start += n;
            } while (start < pending.Length);
        }
    }

    private static void EmitEntries(int db, ReadOnlySpan<byte> key, List<StreamEntry> batch, IRebuildSink sink)
    {
        int fields = 2;
        foreach (var entry in batch) fields += 3 + entry.Fields.Length;
        var buffer = EventBuffer.Start(StreamEvents.Entries);
        buffer.WriteArrayHeader(fields);
        buffer.Write(db);
        buffer.Write(key);
        foreach (var entry in batch)
        {
            buffer.Write((long)entry.Id.Ms);
            buffer.Write((long)entry.Id.Seq);
            buffer.Write(entry.Fields.Length);
            foreach (var field in entry.Fields) buffer.Write(field);
        }
        sink.Emit(buffer);
        batch.Clear();
    }
}
