using System.Buffers.Binary;

namespace HyperCache.StateMachine.Dump;

/// <summary>What <see cref="RdbFile.Load"/> read.</summary>
/// <param name="Expired">Keys whose expiry had passed, left out as Redis leaves them out when it loads a file.</param>
/// <param name="Libraries">Function libraries' code, each starting with its <c>#!lua name=...</c> line.</param>
public sealed record RdbImport(long Keys, long Expired, int Version, List<byte[]> Libraries);

/// <summary>Reading a Redis RDB file into a store (the way in from redis-server).</summary>
public static partial class RdbFile
{
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
}
