using System.Buffers.Binary;

namespace HyperCache.StateMachine.Dump;

/// <summary>A growable byte buffer with the RDB primitives DUMP writes: lengths, strings, binary doubles,
/// millisecond times, raw bytes; <see cref="Finish"/> appends the footer.</summary>
internal sealed class RdbWriter(int capacity)
{
    private byte[] _buffer = new byte[Math.Max(32, capacity)];
    private int _length;

    private Span<byte> Room(int bytes)
    {
        if (_length + bytes > _buffer.Length)
        {
            long size = Math.Max((long)_buffer.Length * 2, (long)_length + bytes);
            Array.Resize(ref _buffer, (int)Math.Min(size, Array.MaxLength));
        }
        return _buffer.AsSpan(_length, bytes);
    }

    public void Byte(byte b)
    {
        Room(1)[0] = b;
        _length++;
    }

    public void Length(ulong length)
    {
        if (length < 1 << 6) Byte((byte)length);
        else if (length < 1 << 14)
        {
            BinaryPrimitives.WriteUInt16BigEndian(Room(2), (ushort)(0x4000 | length));
            _length += 2;
        }
        else if (length <= uint.MaxValue)
        {
            var span = Room(5);
            span[0] = 0x80;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length);
            _length += 5;
        }
        else
        {
            var span = Room(9);
            span[0] = 0x81;
            BinaryPrimitives.WriteUInt64BigEndian(span[1..], length);
            _length += 9;
        }
    }

    public void Length(long length) => Length((ulong)length);

    public void String(ReadOnlySpan<byte> bytes)
    {
        Length((ulong)bytes.Length);
        Raw(bytes);
    }

    public void Raw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Room(bytes.Length));
        _length += bytes.Length;
    }

    public void Double(double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(Room(8), value);
        _length += 8;
    }

    /// <summary>A Unix time in milliseconds, as 8 little-endian bytes (stream delivery and seen times).</summary>
    public void Millis(long ms)
    {
        BinaryPrimitives.WriteInt64LittleEndian(Room(8), ms);
        _length += 8;
    }

    /// <summary>What was written so far.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>Starts over, keeping the buffer.</summary>
    public void Clear() => _length = 0;

    /// <summary>Appends the RDB version and the CRC-64 of everything before it; returns the payload.</summary>
    public byte[] Finish()
    {
        var footer = Room(10);
        BinaryPrimitives.WriteUInt16LittleEndian(footer, RdbType.Version);
        _length += 2;
        BinaryPrimitives.WriteUInt64LittleEndian(footer[2..], Crc64.Compute(_buffer.AsSpan(0, _length)));
        _length += 8;
        return _buffer.AsSpan(0, _length).ToArray();
    }
}
