using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using HyperCache.Log;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine.Snapshots;

/// <summary>
/// Writes a snapshot of a store: shard by shard (each captured under its own lock, see <see cref="SnapshotCut"/>),
/// each key as the events that rebuild it — a string as one Set event (TTL included), a collection as its
/// <see cref="CollectionValue.WriteRebuild"/> events then an Expire event if it has a TTL. The file is written
/// under a temporary name, fsynced, then renamed, so a crash leaves either the whole snapshot or none.
/// </summary>
public static class SnapshotWriter
{
    /// <param name="log">The live log: each shard covers the log tail at its capture, and the log is committed
    /// past every covered address before the snapshot becomes visible (a snapshot must never hold entries the
    /// log could lose in a crash: later entries would reuse their addresses). Null for an offline store.</param>
    /// <param name="fixedAddress">For an offline store: the address every shard covers.</param>
    public static SnapshotHeader Write(Store store, string path, string nodeId, AppendOnlyLog? log, long fixedAddress = 0)
    {
        string temp = path + ".tmp";
        var images = new ShardImage[store.ShardCount];
        var hash = new XxHash64();
        long contentLength = 0;
        try
        {
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                var placeholder = new SnapshotHeader(0, nodeId, store.Databases, images, 0, 0);
                file.Write(new byte[placeholder.Size]);
                var sink = new RecordSink(file, hash);
                var cut = new SnapshotCut(store, log is null ? () => fixedAddress : () => log.EntryBoundaryTail);
                store.BeginCut(cut);
                try
                {
                    for (int i = 0; i < store.ShardCount; i++)
                    {
                        var capture = store.TakeCapture(cut, i);
                        long before = sink.Bytes, events = sink.Events;
                        var keys = CollectionsMarshal.AsSpan(capture.Keys);
                        for (int k = 0; k < keys.Length; k++)
                        {
                            if (k + Store.CapturePrefetchDistance < keys.Length) Prefetch(keys[k + Store.CapturePrefetchDistance]);
                            sink.WriteKey(keys[k]);
                        }
                        // Function libraries travel with shard 0, one FunctionLoad record each (counted in its image).
                        if (capture.Libraries is { } libraries)
                            foreach (var (name, code) in libraries) sink.WriteLibrary(name, code);
                        capture.Token.Release(); // written out: writes to its collections need no copy any more
                        // A replica's resume position goes with its data (counted in the last shard's image).
                        if (i == store.ShardCount - 1 && capture.Origin is { } origin) sink.WriteOrigin(origin);
                        images[i] = new ShardImage(capture.CoveredAddress, capture.Keys.Count, sink.Events - events, sink.Bytes - before);
                    }
                }
                finally
                {
                    store.EndCut(cut);
                }
                log?.StampClock();
                sink.Flush();
                contentLength = sink.Bytes;
                var header = new SnapshotHeader(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), nodeId, store.Databases, images,
                    contentLength, hash.GetCurrentHashAsUInt64());
                file.Position = 0;
                file.Write(header.ToBytes());
                file.Flush(flushToDisk: true);
                log?.Commit();
                File.Move(temp, path, overwrite: true);
                FileSync.Directory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                return header;
            }
        }
        catch
        {
            // A failed snapshot (a full disk, a log that cannot commit) leaves no half-written file behind.
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>A key's array and value, asked for a few keys before they are written (hints only).</summary>
    private static void Prefetch(in CapturedKey key)
    {
        object? array = key.Key, value = key.Value;
        ChainPrefetch.PrefetchObject(ref array);
        ChainPrefetch.PrefetchObject(ref value);
        ChainPrefetch.PrefetchObject(ref value, 64); // a 64-byte string and its array header span two lines
    }

    /// <summary>Serializes records into the file, hashing what it writes.</summary>
    private sealed class RecordSink(FileStream file, XxHash64 hash) : IRebuildSink
    {
        private byte[] _buffer = new byte[1 << 16];
        private int _used;
        public long Bytes { get; private set; }
        public long Events { get; private set; }

        public void WriteKey(CapturedKey key)
        {
            switch (key.Value)
            {
                case byte[] or StringBuffer:
                {
                    var buffer = EventBuffer.Start(EventKind.Set);
                    buffer.WriteArrayHeader(4);
                    buffer.Write(key.Db);
                    buffer.Write(key.Key);
                    buffer.Write(key.Value is StringBuffer grown ? grown.Span : (byte[])key.Value);
                    buffer.Write(key.ExpireAt);
                    Emit(buffer);
                    break;
                }
                case CollectionValue collection:
                    collection.WriteRebuild(key.Db, key.Key, this);
                    if (key.ExpireAt != 0)
                    {
                        var buffer = EventBuffer.Start(EventKind.Expire);
                        buffer.WriteArrayHeader(3);
                        buffer.Write(key.Db);
                        buffer.Write(key.Key);
                        buffer.Write(key.ExpireAt);
                        Emit(buffer);
                    }
                    break;
                default:
                    throw new InvalidOperationException($"cannot snapshot a value of type {key.Value?.GetType().Name ?? "null"}");
            }
        }

        public void WriteLibrary(string name, byte[] code)
        {
            var buffer = EventBuffer.Start(EventKind.FunctionLoad);
            buffer.WriteArrayHeader(2);
            buffer.Write(System.Text.Encoding.UTF8.GetBytes(name));
            buffer.Write(code);
            Emit(buffer);
        }

        public void WriteOrigin(ReplicationPosition origin)
        {
            var buffer = EventBuffer.Start(EventKind.ReplicationMark);
            buffer.WriteArrayHeader(origin.LastSequence > 0 ? 3 : 2);
            buffer.Write(System.Text.Encoding.ASCII.GetBytes(origin.ReplicationId));
            buffer.Write(origin.NextAddress);
            if (origin.LastSequence > 0) buffer.Write((long)origin.LastSequence);
            Emit(buffer);
        }

        public void Emit(EventBuffer buffer)
        {
            var body = buffer.Body;
            int size = 5 + body.Length;
            if (_used + size > _buffer.Length)
            {
                Flush();
                if (size > _buffer.Length) _buffer = new byte[size];
            }
            var span = _buffer.AsSpan(_used);
            span[0] = (byte)buffer.Kind;
            BinaryPrimitives.WriteInt32LittleEndian(span[1..], body.Length);
            body.CopyTo(span[5..]);
            _used += size;
            Bytes += size;
            Events++;
        }

        public void Flush()
        {
            hash.Append(_buffer.AsSpan(0, _used));
            file.Write(_buffer, 0, _used);
            _used = 0;
        }
    }
}
