using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HyperCache.StateMachine.Keyspace;

/// <summary>Redis Cluster's key → slot map: CRC16/XMODEM of the key, or of its first non-empty {hash tag}, mod 16384.</summary>
public static class Slots
{
    public const int Count = 16384;
    private static readonly ushort[] Table = BuildTable();

    public static int Of(ReadOnlySpan<byte> key)
    {
        int open = key.IndexOf((byte)'{');
        if (open >= 0)
        {
            int close = key[(open + 1)..].IndexOf((byte)'}');
            if (close > 0) key = key.Slice(open + 1, close);
        }
        return Crc16(key) & (Count - 1);
    }

    /// <summary>
    /// CRC16/XMODEM, eight bytes per step ("slicing-by-8"). Byte-at-a-time, each byte's table lookup waits for the
    /// one before; a 16-bit CRC's state only reaches the first two bytes of a block, and the CRC is linear, so a
    /// block of eight is the XOR of eight independent lookups: byte j of the block (the first two XORed with the
    /// state) looked up in the table of "this byte, then 7 - j zero bytes". Every command pays this once or twice.
    /// </summary>
    public static ushort Crc16(ReadOnlySpan<byte> data)
    {
        // Bounds checks cost more than the table lookups here.
        ref ushort t = ref MemoryMarshal.GetArrayDataReference(Table);
        ref byte next = ref MemoryMarshal.GetReference(data);
        uint crc = 0;
        int i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            ulong block = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref next, i)); // byte j at bits 8j (little-endian)
            crc = (uint)(
                Unsafe.Add(ref t, 7 * 256 + (int)(((crc >> 8) ^ block) & 0xFF)) ^
                Unsafe.Add(ref t, 6 * 256 + (int)((crc ^ (block >> 8)) & 0xFF)) ^
                Unsafe.Add(ref t, 5 * 256 + (int)((block >> 16) & 0xFF)) ^
                Unsafe.Add(ref t, 4 * 256 + (int)((block >> 24) & 0xFF)) ^
                Unsafe.Add(ref t, 3 * 256 + (int)((block >> 32) & 0xFF)) ^
                Unsafe.Add(ref t, 2 * 256 + (int)((block >> 40) & 0xFF)) ^
                Unsafe.Add(ref t, 1 * 256 + (int)((block >> 48) & 0xFF)) ^
                Unsafe.Add(ref t, (int)(block >> 56)));
        }
        for (; i < data.Length; i++)
            crc = (crc << 8) ^ Unsafe.Add(ref t, (int)(((crc >> 8) ^ Unsafe.Add(ref next, i)) & 0xFF));
        return (ushort)crc;
    }

    /// <summary>Eight tables of 256: table k holds the CRC of "byte x, then k zero bytes" (table 0 is the usual one).</summary>
    private static ushort[] BuildTable()
    {
        var table = new ushort[8 * 256];
        for (int i = 0; i < 256; i++)
        {
            ushort crc = (ushort)(i << 8);
            for (int bit = 0; bit < 8; bit++) crc = (ushort)((crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1);
            table[i] = crc;
        }
        for (int k = 1; k < 8; k++)
            for (int i = 0; i < 256; i++)
            {
                ushort previous = table[(k - 1) * 256 + i];
                table[k * 256 + i] = (ushort)((previous << 8) ^ table[previous >> 8]); // one more zero byte
            }
        return table;
    }
}
