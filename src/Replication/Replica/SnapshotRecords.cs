using System.Buffers.Binary;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Snapshots;

namespace HyperCache.Replication.Replica;

/// <summary>Reads a snapshot file's records (<c>[kind u8][length i32][body]</c>) after the header, in chunks, so a
/// replica can log and apply them as its own entries. The caller verifies the file first.</summary>
internal static class SnapshotRecords
{
    public static IEnumerable<List<ShippedEntry>> Chunks(string path, int perChunk)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var header = SnapshotHeader.Read(file, path);
        long left = header.ContentLength;
        var head = new byte[5];
        var chunk = new List<ShippedEntry>(perChunk);
        while (left > 0)
        {
            file.ReadExactly(head);
            int length = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(1));
            var body = new byte[length];
            file.ReadExactly(body);
            left -= 5 + length;
            chunk.Add(new ShippedEntry(head[0], body));
            if (chunk.Count == perChunk)
            {
                yield return chunk;
                chunk = new List<ShippedEntry>(perChunk);
            }
        }
        if (chunk.Count > 0) yield return chunk;
    }
}
