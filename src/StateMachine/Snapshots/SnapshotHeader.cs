using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace HyperCache.StateMachine.Snapshots;

/// <summary>What one shard image in a snapshot holds.</summary>
public readonly record struct ShardImage(long CoveredAddress, long Keys, long Events, long Bytes);

/// <summary>
/// The front of a snapshot file (little-endian): magic "HCSNAP\r\n", format version, its own length, creation time,
/// node id, shard and database counts, content length and XxHash64, totals, then per shard its covered log address,
/// key count, event count and bytes, and last a CRC32 of all of the header before it.
/// The content that follows is, shard after shard, records of [kind: u8][length: i32][event body].
/// </summary>
public sealed record SnapshotHeader(
    long CreatedUnixMs,
    string NodeId,
    int Databases,
    ShardImage[] Shards,
    long ContentLength,
    ulong ContentHash)
{
    public const ushort FormatVersion = 1;
    private static ReadOnlySpan<byte> Magic => "HCSNAP\r\n"u8;

    public int ShardCount => Shards.Length;
    public long Keys => Shards.Sum(s => s.Keys);
    public long Events => Shards.Sum(s => s.Events);
    /// <summary>The lowest covered address: replay starts there.</summary>
    public long MinCovered => Shards.Length == 0 ? 0 : Shards.Min(s => s.CoveredAddress);
    public long MaxCovered => Shards.Length == 0 ? 0 : Shards.Max(s => s.CoveredAddress);
    public DateTimeOffset Created => DateTimeOffset.FromUnixTimeMilliseconds(CreatedUnixMs);

    public int Size => 8 + 2 + 2 + 4 + 8 + 2 + Encoding.UTF8.GetByteCount(NodeId) + 4 + 4 + 8 + 8 + Shards.Length * 32 + 4;

    public byte[] ToBytes()
    {
        var bytes = new byte[Size];
        var w = bytes.AsSpan();
        Magic.CopyTo(w);
        int p = 8;
        BinaryPrimitives.WriteUInt16LittleEndian(w[p..], FormatVersion); p += 2;
        p += 2; // reserved
        BinaryPrimitives.WriteInt32LittleEndian(w[p..], bytes.Length); p += 4;
        BinaryPrimitives.WriteInt64LittleEndian(w[p..], CreatedUnixMs); p += 8;
        int idLength = Encoding.UTF8.GetBytes(NodeId, w[(p + 2)..]);
        BinaryPrimitives.WriteUInt16LittleEndian(w[p..], (ushort)idLength); p += 2 + idLength;
        BinaryPrimitives.WriteInt32LittleEndian(w[p..], Shards.Length); p += 4;
        BinaryPrimitives.WriteInt32LittleEndian(w[p..], Databases); p += 4;
        BinaryPrimitives.WriteInt64LittleEndian(w[p..], ContentLength); p += 8;
        BinaryPrimitives.WriteUInt64LittleEndian(w[p..], ContentHash); p += 8;
        foreach (var s in Shards)
        {
            BinaryPrimitives.WriteInt64LittleEndian(w[p..], s.CoveredAddress);
            BinaryPrimitives.WriteInt64LittleEndian(w[(p + 8)..], s.Keys);
            BinaryPrimitives.WriteInt64LittleEndian(w[(p + 16)..], s.Events);
            BinaryPrimitives.WriteInt64LittleEndian(w[(p + 24)..], s.Bytes);
            p += 32;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(w[p..], Crc32.HashToUInt32(w[..p]));
        return bytes;
    }

    /// <summary>Reads and checks the header at the stream's start; throws <see cref="SnapshotCorruptException"/>.</summary>
    public static SnapshotHeader Read(Stream stream, string path)
    {
        Span<byte> fixedPart = stackalloc byte[16];
        if (stream.ReadAtLeast(fixedPart, 16, throwOnEndOfStream: false) < 16) throw new SnapshotCorruptException(path, "file too short for a header");
        if (!fixedPart[..8].SequenceEqual(Magic)) throw new SnapshotCorruptException(path, "not a HyperCache snapshot (bad magic)");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(fixedPart[8..]);
        if (version != FormatVersion) throw new SnapshotCorruptException(path, $"unsupported format version {version}");
        int size = BinaryPrimitives.ReadInt32LittleEndian(fixedPart[12..]);
        if (size < 16 + 4 || size > 64 << 20) throw new SnapshotCorruptException(path, $"implausible header length {size}");
        var bytes = new byte[size];
        fixedPart.CopyTo(bytes);
        if (stream.ReadAtLeast(bytes.AsSpan(16), size - 16, throwOnEndOfStream: false) < size - 16)
            throw new SnapshotCorruptException(path, "file ends inside the header");
        var r = (ReadOnlySpan<byte>)bytes;
        if (BinaryPrimitives.ReadUInt32LittleEndian(r[(size - 4)..]) != Crc32.HashToUInt32(r[..(size - 4)]))
            throw new SnapshotCorruptException(path, "header checksum mismatch");
        try
        {
            int p = 16;
            long created = BinaryPrimitives.ReadInt64LittleEndian(r[p..]); p += 8;
            int idLength = BinaryPrimitives.ReadUInt16LittleEndian(r[p..]); p += 2;
            string nodeId = Encoding.UTF8.GetString(r.Slice(p, idLength)); p += idLength;
            int shards = BinaryPrimitives.ReadInt32LittleEndian(r[p..]); p += 4;
            int databases = BinaryPrimitives.ReadInt32LittleEndian(r[p..]); p += 4;
            long contentLength = BinaryPrimitives.ReadInt64LittleEndian(r[p..]); p += 8;
            ulong hash = BinaryPrimitives.ReadUInt64LittleEndian(r[p..]); p += 8;
            if (shards <= 0 || (shards & (shards - 1)) != 0 || p + shards * 32 + 4 != size)
                throw new SnapshotCorruptException(path, $"bad shard count {shards}");
            var images = new ShardImage[shards];
            for (int i = 0; i < shards; i++, p += 32)
                images[i] = new ShardImage(BinaryPrimitives.ReadInt64LittleEndian(r[p..]), BinaryPrimitives.ReadInt64LittleEndian(r[(p + 8)..]),
                    BinaryPrimitives.ReadInt64LittleEndian(r[(p + 16)..]), BinaryPrimitives.ReadInt64LittleEndian(r[(p + 24)..]));
            return new SnapshotHeader(created, nodeId, databases, images, contentLength, hash);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new SnapshotCorruptException(path, "header fields overrun the header");
        }
    }
}

/// <summary>A snapshot file that cannot be trusted: bad header, wrong hash, short content.</summary>
public sealed class SnapshotCorruptException(string path, string problem)
    : Exception($"snapshot {path} is damaged: {problem}")
{
    public string Path { get; } = path;
    public string Problem { get; } = problem;
}
