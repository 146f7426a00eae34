namespace HyperCache.StateMachine.Dump;

/// <summary>
/// The CRC-64 a DUMP payload ends with: the "Jones" polynomial, bits reflected, starting at 0 and not inverted at the
/// end (CRC-64 of "123456789" is 0xe9c6d914c4b8d9ca). Table-driven, one byte at a time: payloads are checked once.
/// </summary>
public static class Crc64
{
    private const ulong ReflectedPolynomial = 0x95ac9329ac4bc9b5;
    private static readonly ulong[] Table = BuildTable();

    private static ulong[] BuildTable()
    {
        var table = new ulong[256];
        for (uint i = 0; i < 256; i++)
        {
            ulong crc = i;
            for (int bit = 0; bit < 8; bit++) crc = (crc & 1) != 0 ? (crc >> 1) ^ ReflectedPolynomial : crc >> 1;
            table[i] = crc;
        }
        return table;
    }

    public static ulong Compute(ReadOnlySpan<byte> data, ulong crc = 0)
    {
        var table = Table;
        foreach (byte b in data) crc = table[(byte)(crc ^ b)] ^ (crc >> 8);
        return crc;
    }
}
