using System.Buffers.Binary;
using System.Text;
using HyperCache.StateMachine.Snapshots;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine.Dump;

/// <summary>What <see cref="RdbFile.Write"/> wrote.</summary>
/// <param name="Skipped">Cuckoo filters left out: a RedisBloom module type in Redis, which no RDB loader without
/// that module could read.</param>
public readonly record struct RdbExport(long Keys, long Skipped, long Bytes);

/// <summary>
/// The whole store as a Redis RDB file, and back (<see cref="Load"/>, RdbFile.Load.cs). Written as version 10, as Redis 7.0 writes it
/// (SYNC, for <c>redis-cli --rdb</c>; redis-server loads it as its dump.rdb): one consistent cut, as a snapshot takes
/// it (<see cref="SnapshotCut"/>: each shard captured under its lock, collections copied only if written meanwhile);
/// each key in DUMP's encodings (<see cref="DumpEncoder"/>) behind its database's SELECTDB and its expiry, the
/// function libraries as Redis writes them, then EOF and the CRC-64 of the whole file. Keys already expired at the
/// capture are left out.
/// </summary>
public static partial class RdbFile
{
    private const byte OpAux = 0xFA, OpSelectDb = 0xFE, OpExpireMs = 0xFC, OpFunction = 245, OpEof = 0xFF;
    private const byte OpResizeDb = 0xFB, OpExpireSeconds = 0xFD, OpIdle = 0xF9, OpFrequency = 0xF8, OpModuleAux = 0xF7;
    private const int NewestReadable = 11; // Redis 7.2's; 7.4's (12) adds hashes with field TTLs
    private const int DumpFooter = 10; // RDB version and CRC-64 after a DUMP payload

    /// <summary>Writes the file to <paramref name="output"/> (with <paramref name="functionsOnly"/>, the function
    /// libraries and no keys, as Redis's rdb-filter-only); throws <see cref="InvalidOperationException"/> while a
    /// snapshot is being taken (one cut at a time).</summary>
    public static RdbExport Write(Store store, Stream output, long nowMs, bool functionsOnly = false)
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
                foreach (var key in functionsOnly ? [] : capture.Keys)
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
