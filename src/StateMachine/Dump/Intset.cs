using System.Buffers.Binary;

namespace HyperCache.StateMachine.Dump;

/// <summary>Reads an intset: element width (2, 4 or 8 bytes), count, then the sorted integers, little-endian.</summary>
public static class Intset
{
    public static void Read(ReadOnlySpan<byte> blob, List<byte[]> into)
    {
        if (blob.Length < 8) throw DumpFormatException.Bad();
        uint width = BinaryPrimitives.ReadUInt32LittleEndian(blob), count = BinaryPrimitives.ReadUInt32LittleEndian(blob[4..]);
        if (width is not (2 or 4 or 8) || 8L + (long)width * count != blob.Length) throw DumpFormatException.Bad();
        for (int i = 0; i < count; i++)
        {
            var at = blob.Slice(8 + i * (int)width, (int)width);
            long value = width switch
            {
                2 => BinaryPrimitives.ReadInt16LittleEndian(at),
                4 => BinaryPrimitives.ReadInt32LittleEndian(at),
                _ => BinaryPrimitives.ReadInt64LittleEndian(at),
            };
            into.Add(RdbReader.Decimal(value));
        }
    }
}
