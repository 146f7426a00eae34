using System.Buffers.Binary;

namespace HyperCache.StateMachine.Dump;

/// <summary>Builds a listpack (the inverse of <see cref="Listpack"/>): integers in their smallest encoding,
/// strings with a 6-, 12- or 32-bit length, each entry followed by its length written backwards. Used for stream
/// nodes, whose listpacks Redis reads and appends to in place.</summary>
internal sealed class ListpackWriter
{
    private readonly List<byte> _bytes = [0, 0, 0, 0, 0, 0];
    private int _count;

    public void Int(long value)
    {
        int start = _bytes.Count;
        if (value is >= 0 and <= 127) _bytes.Add((byte)value);
        else if (value is >= -4096 and <= 4095)
        {
            long v = value < 0 ? (1 << 13) + value : value;
            _bytes.Add((byte)(0xC0 | (v >> 8)));
            _bytes.Add((byte)v);
        }
        else if (value is >= short.MinValue and <= short.MaxValue) Fixed(0xF1, value, 2);
        else if (value is >= -(1 << 23) and < 1 << 23) Fixed(0xF2, value, 3);
        else if (value is >= int.MinValue and <= int.MaxValue) Fixed(0xF3, value, 4);
        else Fixed(0xF4, value, 8);
        BackLength(_bytes.Count - start);
    }

    public void String(ReadOnlySpan<byte> text)
    {
        int start = _bytes.Count;
        if (text.Length < 64) _bytes.Add((byte)(0x80 | text.Length));
        else if (text.Length < 4096)
        {
            _bytes.Add((byte)(0xE0 | (text.Length >> 8)));
            _bytes.Add((byte)text.Length);
        }
        else
        {
            _bytes.Add(0xF0);
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(length, text.Length);
            foreach (byte b in length) _bytes.Add(b);
        }
        foreach (byte b in text) _bytes.Add(b);
        BackLength(_bytes.Count - start);
    }

    private void Fixed(byte encoding, long value, int bytes)
    {
        _bytes.Add(encoding);
        for (int i = 0; i < bytes; i++) _bytes.Add((byte)(value >> (8 * i)));
    }

    /// <summary>The entry's length, most significant 7 bits first, every byte but the first flagged with 128, so it
    /// reads backwards from the next entry.</summary>
    private void BackLength(int length)
    {
        _count++;
        int bytes = length <= 127 ? 1 : length < 16383 ? 2 : length < 2097151 ? 3 : length < 268435455 ? 4 : 5;
        for (int i = bytes - 1; i >= 0; i--)
            _bytes.Add((byte)(((length >> (7 * i)) & 127) | (i == bytes - 1 ? 0 : 128)));
    }

    public byte[] Finish()
    {
        _bytes.Add(0xFF);
        var result = _bytes.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(result, (uint)result.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(4), (ushort)Math.Min(_count, ushort.MaxValue));
        return result;
    }
}
