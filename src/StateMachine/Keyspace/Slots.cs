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

    public static ushort Crc16(ReadOnlySpan<byte> data)
    {
        // Bounds checks cost more than the table lookups here; every command pays this once or twice.
        ref ushort table = ref MemoryMarshal.GetArrayDataReference(Table);
        ref byte next = ref MemoryMarshal.GetReference(data);
        uint crc = 0;
        for (int i = 0; i < data.Length; i++)
            crc = (crc << 8) ^ Unsafe.Add(ref table, (int)(((crc >> 8) ^ Unsafe.Add(ref next, i)) & 0xFF));
        return (ushort)crc;
    }

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (int i = 0; i < 256; i++)
        {
            ushort crc = (ushort)(i << 8);
            for (int bit = 0; bit < 8; bit++) crc = (ushort)((crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1);
            table[i] = crc;
        }
        return table;
    }
}
