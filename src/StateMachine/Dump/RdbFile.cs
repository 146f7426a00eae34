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

    /// <summary>Writes the file to <paramref name="output"/> (with <paramref name="functionsOnly"/>, the function
    /// libraries and no keys, as Redis's rdb-filter-only); throws <see cref="InvalidOperationException"/> while a
    /// snapshot is being taken (one cut at a time).</summary>
    public static RdbExport Write(Store store, Stream output, long nowMs, bool functionsOnly = false)
    {
        var file = new CrcStream(output);
        var record = new RdbWriter(256); // each record is put together here, then written out
        record.Raw("REDIS0010"u8);
        Aux(record, "redis-bits", "64");
        Aux(record, "ctime", (nowMs / 1000).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Aux(record, "aof-base", "0");
        file.Write(record);
        long keys = 0, skipped = 0;
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
                        record.Byte(OpFunction);
                        record.String(code);
                        file.Write(record);
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
                        record.Byte(OpSelectDb);
                        record.Length(db);
                    }
                    if (key.ExpireAt != 0)
                    {
                        record.Byte(OpExpireMs);
                        record.Millis(key.ExpireAt);
                    }
                    var body = DumpEncoder.Body(key.Value).Written;
                    record.Byte(body[0]); // the type, then the key, then the value
                    record.String(key.Key);
                    file.Write(record);
                    file.Write(body[1..]);
                    keys++;
                }
                capture.Token.Release(); // written out: its collections need no copy on write any more
            }
        }
        finally
        {
            store.EndCut(cut);
        }
        record.Byte(OpEof);
        file.Write(record);
        Span<byte> crc = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(crc, file.Crc);
        output.Write(crc);
        return new RdbExport(keys, skipped, file.Bytes + 8);
    }

    private static void Aux(RdbWriter record, string name, string value)
    {
        record.Byte(OpAux);
        record.String(Encoding.ASCII.GetBytes(name));
        record.String(Encoding.ASCII.GetBytes(value));
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

        /// <summary>Writes what <paramref name="record"/> holds and clears it for the next.</summary>
        public void Write(RdbWriter record)
        {
            Write(record.Written);
            record.Clear();
        }
    }
}
