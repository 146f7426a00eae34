using System.Buffers.Binary;
using System.IO.Hashing;

namespace HyperCache.StateMachine.Snapshots;

/// <summary>Reads a snapshot: its header, a full check of its content hash, or loading it into a store.</summary>
public static class SnapshotFile
{
    public static SnapshotHeader ReadHeader(string path)
    {
        using var file = File.OpenRead(path);
        return SnapshotHeader.Read(file, path);
    }

    /// <summary>Checks header and content hash without loading anything; throws <see cref="SnapshotCorruptException"/>.</summary>
    public static SnapshotHeader Verify(string path) => Read(path, null, null);

    /// <summary>
    /// Applies every event of the snapshot to <paramref name="store"/> (which should be empty), through
    /// <see cref="Store.Apply"/> — the one code path that changes state. The hash is checked as it goes and again
    /// at the end: on <see cref="SnapshotCorruptException"/> the store holds a partial load and must be thrown away.
    /// </summary>
    public static SnapshotHeader Load(string path, Store store, Action<long>? progress = null)
    {
        // Shard sections are independent (every key of section s lives in store shard s, or in shards that only s
        // maps to when the store has more shards), so they load in parallel, after one pass checks the hash.
        var header = ReadHeader(path);
        if (header.ShardCount < 2 || store.ShardCount % header.ShardCount != 0 || Environment.ProcessorCount < 2)
            return Read(path, store, progress);
        Verify(path);
        LoadSections(path, header, store, progress);
        return header;
    }

    private static void LoadSections(string path, SnapshotHeader header, Store store, Action<long>? progress)
    {
        var starts = new long[header.ShardCount];
        long offset = header.Size;
        for (int i = 0; i < starts.Length; i++)
        {
            starts[i] = offset;
            offset += header.Shards[i].Bytes;
        }
        long loaded = 0;
        var reporting = new Lock();
        try
        {
            Parallel.For(0, header.ShardCount, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, shard =>
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
                file.Position = starts[shard];
                long events = ApplyRecords(path, file, header.Shards[shard].Bytes, store, n =>
                {
                    long total = Interlocked.Add(ref loaded, n);
                    if (progress != null) lock (reporting) progress(total);
                });
                if (events != header.Shards[shard].Events)
                    throw new SnapshotCorruptException(path, $"shard {shard}: {events} events, the header says {header.Shards[shard].Events}");
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault(x => x is SnapshotCorruptException or IOException) is { } first)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }
        progress?.Invoke(Interlocked.Read(ref loaded));
    }

    /// <summary>Applies the records of <paramref name="length"/> bytes from the file's position (hash already checked).</summary>
    private static long ApplyRecords(string path, FileStream file, long length, Store store, Action<long> progress)
    {
        byte[] record = new byte[4096];
        Span<byte> head = stackalloc byte[5];
        long left = length, events = 0;
        while (left > 0)
        {
            if (left < 5 || file.ReadAtLeast(head, 5, throwOnEndOfStream: false) < 5) throw new SnapshotCorruptException(path, "truncated record");
            byte kind = head[0];
            int size = BinaryPrimitives.ReadInt32LittleEndian(head[1..]);
            if (size < 0 || size > left - 5) throw new SnapshotCorruptException(path, $"record length {size} overruns its shard's section");
            if (record.Length < size) record = new byte[Math.Max(size, record.Length * 2)];
            if (file.ReadAtLeast(record.AsSpan(0, size), size, throwOnEndOfStream: false) < size) throw new SnapshotCorruptException(path, "truncated record");
            left -= 5 + size;
            try
            {
                store.Apply(kind, record.AsSpan(0, size));
            }
            catch (Exception e) when (e is InvalidDataException or InvalidCastException or OverflowException or ArgumentException or IndexOutOfRangeException)
            {
                throw new SnapshotCorruptException(path, $"an event does not apply: {e.Message}");
            }
            if (++events % 65536 == 0) progress(65536);
        }
        progress(events % 65536);
        return events;
    }

    private static SnapshotHeader Read(string path, Store? store, Action<long>? progress)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var header = SnapshotHeader.Read(file, path);
        if (file.Length - file.Position != header.ContentLength)
            throw new SnapshotCorruptException(path, $"content is {file.Length - file.Position} bytes, the header says {header.ContentLength}");
        var hash = new XxHash64();
        byte[] record = new byte[4096];
        Span<byte> head = stackalloc byte[5];
        long left = header.ContentLength, events = 0;
        while (left > 0)
        {
            if (left < 5 || file.ReadAtLeast(head, 5, throwOnEndOfStream: false) < 5) throw new SnapshotCorruptException(path, "truncated record");
            hash.Append(head);
            byte kind = head[0];
            int length = BinaryPrimitives.ReadInt32LittleEndian(head[1..]);
            if (length < 0 || length > left - 5) throw new SnapshotCorruptException(path, $"record length {length} overruns the content");
            if (record.Length < length) record = new byte[Math.Max(length, record.Length * 2)];
            if (file.ReadAtLeast(record.AsSpan(0, length), length, throwOnEndOfStream: false) < length) throw new SnapshotCorruptException(path, "truncated record");
            hash.Append(record.AsSpan(0, length));
            left -= 5 + length;
            if (store != null)
            {
                try
                {
                    store.Apply(kind, record.AsSpan(0, length));
                }
                catch (Exception e) when (e is InvalidDataException or InvalidCastException or OverflowException or ArgumentException or IndexOutOfRangeException)
                {
                    throw new SnapshotCorruptException(path, $"event {events} does not apply: {e.Message}");
                }
            }
            if (++events % 65536 == 0) progress?.Invoke(events);
        }
        if (hash.GetCurrentHashAsUInt64() != header.ContentHash) throw new SnapshotCorruptException(path, "content hash mismatch");
        if (events != header.Events) throw new SnapshotCorruptException(path, $"{events} events, the header says {header.Events}");
        progress?.Invoke(events);
        return header;
    }
}
