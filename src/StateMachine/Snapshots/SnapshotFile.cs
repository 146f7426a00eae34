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
    public static SnapshotHeader Load(string path, Store store, Action<long>? progress = null) => Read(path, store, progress);

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
