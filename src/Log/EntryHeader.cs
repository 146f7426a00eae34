using System.Buffers.Binary;
using System.IO.Hashing;

namespace HyperCache.Log;

/// <summary>
/// The 16 bytes in front of every entry body. FasterLog's own per-entry checksum is an XOR that is not even
/// checked for the in-memory tail, so corruption is detected here: a CRC32 over everything after it, and a
/// sequence number that must grow by one per entry, so an entry skipped by a damaged length is noticed too.
/// Layout: [0..3] CRC32 of bytes 4.., [4] format version, [5] entry kind, [6] flags, [7] reserved, [8..15] sequence.
/// Clock entries (see <see cref="Clock"/>) stamp the wall time between events, for point-in-time replay.
/// An entry bigger than a FasterLog page is written as several fragments: all but the last carry
/// <see cref="MoreFragments"/>; the scan joins them back into one entry.
/// </summary>
public static class EntryHeader
{
    public const int Size = 16;
    public const byte FormatVersion = 1;
    /// <summary>Flag: this fragment's entry continues in the next one.</summary>
    public const byte MoreFragments = 1;
    /// <summary>Flag: forget fragments read so far (written after recovery found an unfinished entry).</summary>
    public const byte DropFragments = 2;
    /// <summary>Flag: a clock entry (body: Unix milliseconds, 8 bytes little-endian), not an event. It repeats the
    /// sequence number of the entry before it, so data entries still count up by one.</summary>
    public const byte Clock = 4;

    public static void Write(Span<byte> entry, byte kind, ulong sequence, byte flags = 0)
    {
        entry[4] = FormatVersion;
        entry[5] = kind;
        entry[6] = flags;
        entry[7] = 0;
        BinaryPrimitives.WriteUInt64LittleEndian(entry.Slice(8, 8), sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(entry, Crc32.HashToUInt32(entry[4..]));
    }

    /// <summary>Checks length, version and hash; on success returns the kind, sequence and body.</summary>
    public static bool TryRead(ReadOnlySpan<byte> entry, out byte kind, out ulong sequence, out ReadOnlySpan<byte> body)
        => TryRead(entry, out kind, out sequence, out _, out body);

    public static bool TryRead(ReadOnlySpan<byte> entry, out byte kind, out ulong sequence, out byte flags, out ReadOnlySpan<byte> body)
    {
        kind = 0;
        flags = 0;
        sequence = 0;
        body = default;
        if (entry.Length < Size || entry[4] != FormatVersion) return false;
        if (BinaryPrimitives.ReadUInt32LittleEndian(entry) != Crc32.HashToUInt32(entry[4..])) return false;
        kind = entry[5];
        flags = entry[6];
        sequence = BinaryPrimitives.ReadUInt64LittleEndian(entry.Slice(8, 8));
        body = entry[Size..];
        return true;
    }
}
