using System.Buffers.Binary;
using System.Text;
using HyperCache.StateMachine.Snapshots;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine.Dump;

/// <summary>What <see cref="RdbFile.Load"/> read.</summary>
/// <param name="Expired">Keys whose expiry had passed, left out as Redis leaves them out when it loads a file.</param>
/// <param name="Libraries">Function libraries' code, each starting with its <c>#!lua name=...</c> line.</param>
public sealed record RdbImport(long Keys, long Expired, int Version, List<byte[]> Libraries);

/// <summary>What <see cref="RdbFile.Write"/> wrote.</summary>
/// <param name="Skipped">Cuckoo filters left out: a RedisBloom module type in Redis, which no RDB loader without
/// that module could read.</param>
public readonly record struct RdbExport(long Keys, long Skipped, long Bytes);

/// <summary>
/// The whole store as a Redis RDB file, and back (<see cref="Load"/>). Written as version 10, as Redis 7.0 writes it
/// (SYNC, for <c>redis-cli --rdb</c>; redis-server loads it as its dump.rdb): one consistent cut, as a snapshot takes
/// it (<see cref="SnapshotCut"/>: each shard captured under its lock, collections copied only if written meanwhile);
/// each key in DUMP's encodings (<see cref="DumpEncoder"/>) behind its database's SELECTDB and its expiry, the
/// function libraries as Redis writes them, then EOF and the CRC-64 of the whole file. Keys already expired at the
/// capture are left out.
/// </summary>
public static class RdbFile
{
    private const byte OpAux = 0xFA, OpSelectDb = 0xFE, OpExpireMs = 0xFC, OpFunction = 245, OpEof = 0xFF;
    private const byte OpResizeDb = 0xFB, OpExpireSeconds = 0xFD, OpIdle = 0xF9, OpFrequency = 0xF8, OpModuleAux = 0xF7;
    private const int NewestReadable = 11; // Redis 7.2's; 7.4's (12) adds hashes with field TTLs
    private const int DumpFooter = 10; // RDB version and CRC-64 after a DUMP payload

    /// <summary>Writes the file to <paramref name="output"/>; throws <see cref="InvalidOperationException"/> while a
    /// snapshot is being taken (one cut at a time).</summary>
    public static RdbExport Write(Store store, Stream output, long nowMs)
    {
        var file = new CrcStream(output);
        file.Write("REDIS0010"u8);
        Aux(file, "redis-bits", "64");
        Aux(file, "ctime", (nowMs / 1000).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Aux(file, "aof-base", "0");
        long keys = 0, skipped = 0;
        Span<byte> expiry = stackalloc byte[9];
        expiry[0] = OpExpireMs;
        var cut = new SnapshotCut(store, () => 0);
        store.BeginCut(cut);
        try
        {
            for (int i = 0; i < store.ShardCount; i++)
            {
                var capture = store.TakeCapture(cut, i);
                if (capture.Libraries is { } libraries)
                {
                    foreach (var code in libraries.Values)
                    {
                        file.Write([OpFunction]);
                        String(file, code);
                    }
                }
                int db = -1;
                foreach (var key in capture.Keys)
                {
                    if (key.ExpireAt != 0 && key.ExpireAt <= nowMs) continue;
                    if (key.Value is CuckooValue) { skipped++; continue; }
                    if (key.Db != db)
                    {
                        db = key.Db;
                        file.Write([OpSelectDb]);
                        Length(file, (ulong)db);
                    }
                    if (key.ExpireAt != 0)
                    {
                        BinaryPrimitives.WriteInt64LittleEndian(expiry[1..], key.ExpireAt);
                        file.Write(expiry);
                    }
                    var payload = DumpEncoder.Encode(key.Value);
                    file.Write(payload.AsSpan(0, 1));            // the type
                    String(file, key.Key);
                    file.Write(payload.AsSpan(1, payload.Length - 1 - DumpFooter));
                    keys++;
                }
                capture.Token.Release(); // written out: its collections need no copy on write any more
            }
        }
        finally
        {
            store.EndCut(cut);
        }
        file.Write([OpEof]);
        Span<byte> crc = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(crc, file.Crc);
        output.Write(crc);
        return new RdbExport(keys, skipped, file.Bytes + 8);
    }

    /// <summary>
    /// Reads an RDB file (as redis-server 7.0 to 7.2 writes it, older versions too) into <paramref name="store"/>:
    /// every key with its database, expiry and LRU idle time or LFU counter, through RESTORE's decoder
    /// (<see cref="DumpDecoder"/>, every encoding Redis writes); keys already expired at <paramref name="nowMs"/>
    /// are left out. The function libraries are returned, not loaded: their names are in their code, which the
    /// caller's script engine reads. Throws <see cref="DumpFormatException"/> for a damaged file (bad CRC-64),
    /// a newer version, or a module's data (no module here reads it).
    /// </summary>
    public static RdbImport Load(Store store, ReadOnlySpan<byte> file, long nowMs)
    {
        if (file.Length < 9 || !file[..5].SequenceEqual("REDIS"u8)
            || !int.TryParse(file[5..9], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int version))
            throw new DumpFormatException("not an RDB file (no REDIS header)");
        if (version is < 1 or > NewestReadable) throw new DumpFormatException($"RDB version {version} is not readable here (1 to {NewestReadable})");
        var r = new RdbReader(file[9..]);
        var session = new Session();
        var libraries = new List<byte[]>();
        long keys = 0, expired = 0, expireAt = 0, idle = -1;
        int frequency = -1;
        while (true)
        {
            byte op = r.ReadByte();
            switch (op)
            {
                case OpEof:
                    if (version >= 5)
                    {
                        int end = file.Length - r.Remaining;
                        ulong stored = BinaryPrimitives.ReadUInt64LittleEndian(r.ReadSpan(8));
                        if (stored != 0 && stored != Crc64.Compute(file[..end])) throw new DumpFormatException("the RDB file's CRC-64 does not match (damaged)");
                    }
                    return new RdbImport(keys, expired, version, libraries);
                case OpSelectDb:
                    long db = r.ReadUnsignedLength() is var n && n < (ulong)store.Databases ? (long)n : throw new DumpFormatException($"database {n} is out of range (databases {store.Databases})");
                    session.Db = (int)db;
                    continue;
                case OpResizeDb:
                    r.ReadUnsignedLength();
                    r.ReadUnsignedLength();
                    continue;
                case OpAux:
                    r.ReadString();
                    r.ReadString();
                    continue;
                case OpExpireMs:
                    expireAt = r.ReadMillis();
                    continue;
                case OpExpireSeconds:
                    expireAt = BinaryPrimitives.ReadInt32LittleEndian(r.ReadSpan(4)) * 1000L;
                    continue;
                case OpIdle:
                    idle = (long)Math.Min(r.ReadUnsignedLength(), long.MaxValue);
                    continue;
                case OpFrequency:
                    frequency = r.ReadByte();
                    continue;
                case OpFunction:
                    libraries.Add(r.ReadString());
                    continue;
                case OpModuleAux or RdbType.Module or RdbType.Module2:
                    throw new DumpFormatException("the RDB file holds a module's data, which nothing here reads");
            }
            byte[] key = r.ReadString();
            object value = DumpDecoder.Read(ref r, op);
            if (expireAt != 0 && expireAt <= nowMs) expired++;
            else
            {
                store.Restore(session, key, value, expireAt, replace: true, idle, frequency);
                keys++;
            }
            expireAt = 0;
            idle = -1;
            frequency = -1;
        }
    }

    private static void Aux(CrcStream file, string name, string value)
    {
        file.Write([OpAux]);
        String(file, Encoding.ASCII.GetBytes(name));
        String(file, Encoding.ASCII.GetBytes(value));
    }

    private static void String(CrcStream file, ReadOnlySpan<byte> bytes)
    {
        Length(file, (ulong)bytes.Length);
        file.Write(bytes);
    }

    /// <summary>RDB's length encoding (6, 14, 32 or 64 bits).</summary>
    private static void Length(CrcStream file, ulong length)
    {
        Span<byte> span = stackalloc byte[9];
        if (length < 1 << 6) { span[0] = (byte)length; file.Write(span[..1]); }
        else if (length < 1 << 14) { BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)(0x4000 | length)); file.Write(span[..2]); }
        else if (length <= uint.MaxValue) { span[0] = 0x80; BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length); file.Write(span[..5]); }
        else { span[0] = 0x81; BinaryPrimitives.WriteUInt64BigEndian(span[1..], length); file.Write(span); }
    }

    /// <summary>Writes through to the stream, keeping the CRC-64 and the count of what went by.</summary>
    private sealed class CrcStream(Stream output)
    {
        public ulong Crc { get; private set; }
        public long Bytes { get; private set; }

        public void Write(ReadOnlySpan<byte> bytes)
        {
            Crc = Crc64.Compute(bytes, Crc);
            Bytes += bytes.Length;
            output.Write(bytes);
        }
    }
}
