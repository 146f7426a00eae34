using System.Buffers.Binary;

namespace HyperCache.StateMachine.Events;

/// <summary>
/// Reads an event body (MessagePack: arrays, integers in any of the format's encodings, bin) from one span,
/// without copying. Malformed input throws <see cref="InvalidDataException"/>; the log's CRC makes that a bug, not
/// a disk error.
/// </summary>
public ref struct EventReader(ReadOnlySpan<byte> body)
{
    private readonly ReadOnlySpan<byte> _body = body;
    private int _position;

    /// <summary>Bytes not read yet.</summary>
    public readonly int Remaining => _body.Length - _position;

    public int ReadArrayHeader()
    {
        byte code = Next();
        if (code >= 0x90 && code <= 0x9f) return code & 0x0f;
        if (code == 0xdc) return BinaryPrimitives.ReadUInt16BigEndian(Take(2));
        if (code == 0xdd) return checked((int)BinaryPrimitives.ReadUInt32BigEndian(Take(4)));
        throw Bad(code, "array");
    }

    public int ReadInt32() => checked((int)ReadInt64());

    public long ReadInt64()
    {
        byte code = Next();
        if (code <= 0x7f) return code;
        if (code >= 0xe0) return (sbyte)code;
        return code switch
        {
            0xcc => Take(1)[0],
            0xcd => BinaryPrimitives.ReadUInt16BigEndian(Take(2)),
            0xce => BinaryPrimitives.ReadUInt32BigEndian(Take(4)),
            0xcf => checked((long)BinaryPrimitives.ReadUInt64BigEndian(Take(8))),
            0xd0 => (sbyte)Take(1)[0],
            0xd1 => BinaryPrimitives.ReadInt16BigEndian(Take(2)),
            0xd2 => BinaryPrimitives.ReadInt32BigEndian(Take(4)),
            0xd3 => BinaryPrimitives.ReadInt64BigEndian(Take(8)),
            _ => throw Bad(code, "integer"),
        };
    }

    /// <summary>One [kind, body] item of a Batch entry's body; a malformed item or a nested batch is refused.</summary>
    public byte ReadBatchPair(out ReadOnlySpan<byte> body)
    {
        if (ReadArrayHeader() != 2) throw new InvalidDataException("batch item is not [kind, body]");
        int kind = ReadInt32();
        if (kind == (int)EventKind.Batch) throw new InvalidDataException("nested batch");
        byte checkedKind = checked((byte)kind);
        body = ReadBytes();
        return checkedKind;
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        byte code = Next();
        int length = code switch
        {
            0xc4 => Take(1)[0],
            0xc5 => BinaryPrimitives.ReadUInt16BigEndian(Take(2)),
            0xc6 => checked((int)BinaryPrimitives.ReadUInt32BigEndian(Take(4))),
            _ => throw Bad(code, "bin"),
        };
        return Take(length);
    }

    private byte Next() => _position < _body.Length ? _body[_position++] : throw new InvalidDataException("event body ends early");

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || _position + count > _body.Length) throw new InvalidDataException("event body ends early");
        var slice = _body.Slice(_position, count);
        _position += count;
        return slice;
    }

    private readonly InvalidDataException Bad(byte code, string expected)
        => new($"event body: expected {expected}, found MessagePack code 0x{code:x2} at {_position - 1}");
}
