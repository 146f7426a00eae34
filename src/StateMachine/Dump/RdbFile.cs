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
    /// caller's script engine reads. The file is read as a stream, one record at a time (<see cref="RecordWindow"/>),
    /// so its size is not bounded by an array's. Throws <see cref="DumpFormatException"/> for a damaged file (bad
    /// CRC-64, a record that does not parse), a newer version, or a module's data (no module here reads it).
    /// </summary>
    public static RdbImport Load(Store store, Stream file, long nowMs)
    {
        var window = new RecordWindow(file);
        var header = window.Take(9);
        if (header.Length < 9 || !header[..5].SequenceEqual("REDIS"u8)
            || !int.TryParse(header[5..9], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int version))
            throw new DumpFormatException("not an RDB file (no REDIS header)");
        if (version is < 1 or > NewestReadable) throw new DumpFormatException($"RDB version {version} is not readable here (1 to {NewestReadable})");
        var session = new Session();
        var libraries = new List<byte[]>();
        long keys = 0, expired = 0, expireAt = 0, idle = -1;
        int frequency = -1;
        while (true)
        {
            var record = window.Next(store.Databases);
            switch (record.Op)
            {
                case OpEof:
                    if (version >= 5)
                    {
                        ulong crc = window.Crc;
                        var stored = window.Take(8);
                        if (stored.Length < 8) throw new DumpFormatException("the RDB file ends inside its CRC-64");
                        ulong expected = BinaryPrimitives.ReadUInt64LittleEndian(stored);
                        if (expected != 0 && expected != crc) throw new DumpFormatException("the RDB file's CRC-64 does not match (damaged)");
                    }
                    return new RdbImport(keys, expired, version, libraries);
                case OpSelectDb: session.Db = (int)record.Number; continue;
                case OpExpireMs or OpExpireSeconds: expireAt = record.Number; continue;
                case OpIdle: idle = record.Number; continue;
                case OpFrequency: frequency = (int)record.Number; continue;
                case OpFunction: libraries.Add(record.Key!); continue;
                case OpResizeDb or OpAux: continue;
            }
            if (expireAt != 0 && expireAt <= nowMs) expired++;
            else
            {
                store.Restore(session, record.Key!, record.Value!, expireAt, replace: true, idle, frequency);
                keys++;
            }
            expireAt = 0;
            idle = -1;
            frequency = -1;
        }
    }

    /// <summary>One record of an RDB file: an opcode and its operand, or a key (<see cref="Op"/> its type) and value.</summary>
    private readonly record struct Record(byte Op, long Number = 0, byte[]? Key = null, object? Value = null);

    /// <summary>
    /// The part of the file read so far and not yet consumed, in one array. A record is parsed from the window's start;
    /// one that runs past the window's end fails to parse, and is parsed again once the window holds more of the file
    /// (grown as far as needed). What is consumed goes into the running CRC-64.
    /// </summary>
    private sealed class RecordWindow(Stream file)
    {
        private byte[] _buffer = new byte[1 << 20];
        private int _start, _end;
        private bool _eof;

        public ulong Crc { get; private set; }

        /// <summary>Up to <paramref name="count"/> bytes, consumed (fewer only at the end of the file).</summary>
        public ReadOnlySpan<byte> Take(int count)
        {
            while (_end - _start < count && More()) { }
            int n = Math.Min(count, _end - _start);
            var taken = _buffer.AsSpan(_start, n);
            Crc = Crc64.Compute(taken, Crc);
            _start += n;
            return taken;
        }

        public Record Next(int databases)
        {
            while (true)
            {
                var r = new RdbReader(_buffer.AsSpan(_start, _end - _start));
                Record record;
                try
                {
                    record = Parse(ref r, databases);
                }
                catch (DumpFormatException) when (More())
                {
                    continue; // ran past what was read, most likely: again with more of the file
                }
                catch (InvalidDataException e)
                {
                    throw new DumpFormatException(e.Message); // read whole, and not what this reader takes
                }
                int used = _end - _start - r.Remaining;
                Crc = Crc64.Compute(_buffer.AsSpan(_start, used), Crc);
                _start += used;
                return record;
            }
        }

        /// <summary>Reads more of the file into the window (moving what is left to the front, growing the array when
        /// it is full); false at the end of the file.</summary>
        private bool More()
        {
            if (_eof) return false;
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                if (_buffer.Length == Array.MaxLength) throw new DumpFormatException("an RDB record larger than 2 GB, or a damaged one");
                Array.Resize(ref _buffer, (int)Math.Min((long)_buffer.Length * 2, Array.MaxLength));
            }
            int read = file.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0) _eof = true;
            _end += read;
            return read > 0;
        }

        private static Record Parse(ref RdbReader r, int databases)
        {
            byte op = r.ReadByte();
            switch (op)
            {
                case OpEof:
                    return new Record(op);
                case OpSelectDb:
                    ulong db = r.ReadUnsignedLength();
                    return db < (ulong)databases ? new Record(op, (long)db) : throw new InvalidDataException($"database {db} is out of range (databases {databases})");
                case OpResizeDb:
                    r.ReadUnsignedLength();
                    r.ReadUnsignedLength();
                    return new Record(op);
                case OpAux:
                    r.ReadString();
                    r.ReadString();
                    return new Record(op);
                case OpExpireMs:
                    return new Record(op, r.ReadMillis());
                case OpExpireSeconds:
                    return new Record(op, BinaryPrimitives.ReadInt32LittleEndian(r.ReadSpan(4)) * 1000L);
                case OpIdle:
                    return new Record(op, (long)Math.Min(r.ReadUnsignedLength(), long.MaxValue));
                case OpFrequency:
                    return new Record(op, r.ReadByte());
                case OpFunction:
                    return new Record(op, Key: r.ReadString());
                case OpModuleAux or RdbType.Module or RdbType.Module2:
                    throw new InvalidDataException("the RDB file holds a module's data, which nothing here reads");
            }
            byte[] key = r.ReadString();
            return new Record(op, Key: key, Value: DumpDecoder.Read(ref r, op));
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
