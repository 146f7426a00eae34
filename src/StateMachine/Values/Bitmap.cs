using System.Numerics;
using System.Runtime.InteropServices;

namespace HyperCache.StateMachine.Values;

public enum BitOperation { And, Or, Xor, Not }

/// <summary>
/// Bit algorithms over plain strings, as Redis numbers bits: bit 0 is the most significant bit of byte 0.
/// Bits past the end of a string read as 0. Pure functions: the store decides what is read and what is logged.
/// </summary>
public static class Bitmap
{
    public static int GetBit(ReadOnlySpan<byte> value, long offset)
    {
        long index = offset >> 3;
        return index < value.Length ? (value[(int)index] >> (7 - (int)(offset & 7))) & 1 : 0;
    }

    public static void SetBit(Span<byte> value, long offset, int bit)
    {
        int index = (int)(offset >> 3), shift = 7 - (int)(offset & 7);
        value[index] = (byte)((value[index] & ~(1 << shift)) | (bit << shift));
    }

    /// <summary>
    /// Resolves a BITCOUNT/BITPOS range (negative indexes count from the end; BIT units or BYTE units) to an
    /// inclusive range of bit offsets. False when the range is empty.
    /// </summary>
    public static bool TryResolveRange(long length, long start, long end, bool inBits, out long fromBit, out long toBit)
    {
        long total = inBits ? length << 3 : length;
        if (start < 0) start = Math.Max(0, total + start);
        if (end < 0) end = Math.Max(0, total + end);
        if (end >= total) end = total - 1;
        fromBit = inBits ? start : start << 3;
        toBit = inBits ? end : (end << 3) + 7;
        return start <= end;
    }

    /// <summary>Number of set bits in the inclusive bit range (which lies inside the string).</summary>
    public static long Count(ReadOnlySpan<byte> value, long fromBit, long toBit)
    {
        long count = 0;
        while (fromBit <= toBit && (fromBit & 7) != 0) count += GetBit(value, fromBit++);
        while (toBit >= fromBit && (toBit & 7) != 7) count += GetBit(value, toBit--);
        if (fromBit <= toBit) count += PopCount(value[(int)(fromBit >> 3)..(int)((toBit >> 3) + 1)]);
        return count;
    }

    public static long PopCount(ReadOnlySpan<byte> bytes)
    {
        long count = 0;
        var words = MemoryMarshal.Cast<byte, ulong>(bytes);
        foreach (ulong word in words) count += BitOperations.PopCount(word);
        for (int i = words.Length * 8; i < bytes.Length; i++) count += BitOperations.PopCount(bytes[i]);
        return count;
    }

    /// <summary>The first bit equal to <paramref name="bit"/> in the inclusive range, or -1.</summary>
    public static long Find(ReadOnlySpan<byte> value, int bit, long fromBit, long toBit)
    {
        long position = fromBit;
        for (; position <= toBit && (position & 7) != 0; position++)
            if (GetBit(value, position) == bit) return position;
        long firstByte = position >> 3, endByte = (toBit + 1) >> 3; // whole bytes [firstByte, endByte)
        if (position <= toBit && endByte > firstByte)
        {
            var whole = value[(int)firstByte..(int)endByte];
            int found = whole.IndexOfAnyExcept(bit == 1 ? (byte)0 : (byte)0xFF);
            if (found >= 0)
            {
                uint b = bit == 1 ? whole[found] : (uint)(byte)~whole[found];
                return ((firstByte + found) << 3) + BitOperations.LeadingZeroCount(b) - 24;
            }
            position = endByte << 3;
        }
        for (; position <= toBit; position++)
            if (GetBit(value, position) == bit) return position;
        return -1;
    }

    /// <summary>How long a BITOP's result is: as long as the longest source (a missing key is an empty string).</summary>
    public static int ResultLength(ReadOnlySpan<ReadOnlyMemory<byte>> sources)
    {
        int length = 0;
        foreach (var source in sources) length = Math.Max(length, source.Length);
        return length;
    }

    /// <summary>
    /// BITOP over the sources into <paramref name="result"/> (<see cref="ResultLength"/> bytes; bytes past a
    /// source's end read as zeros). Block by block through a scratch block, each computed from every source before
    /// it is written, so the result may be one of the sources' own arrays (BITOP AND k k other).
    /// </summary>
    public static void Combine(BitOperation operation, ReadOnlySpan<ReadOnlyMemory<byte>> sources, Span<byte> result)
    {
        Span<byte> block = stackalloc byte[4096];
        for (int at = 0; at < result.Length; at += block.Length)
        {
            var scratch = block[..Math.Min(block.Length, result.Length - at)];
            var first = Window(sources[0].Span, at, scratch.Length);
            first.CopyTo(scratch);
            scratch[first.Length..].Clear();
            if (operation == BitOperation.Not) Apply(operation, scratch, scratch);
            for (int s = 1; s < sources.Length; s++)
            {
                var source = Window(sources[s].Span, at, scratch.Length);
                Apply(operation, scratch[..source.Length], source);
                if (operation == BitOperation.And) scratch[source.Length..].Clear(); // missing bytes are zeros
            }
            scratch.CopyTo(result[at..]);
        }
    }

    /// <summary>Up to <paramref name="length"/> of the source's bytes from <paramref name="at"/>: fewer, or none,
    /// past its end.</summary>
    private static ReadOnlySpan<byte> Window(ReadOnlySpan<byte> source, int at, int length)
        => at < source.Length ? source.Slice(at, Math.Min(length, source.Length - at)) : default;

    /// <summary>target = target op source (NOT: target = ~source), a vector at a time, one loop per operation.</summary>
    private static void Apply(BitOperation operation, Span<byte> target, ReadOnlySpan<byte> source)
    {
        int i = 0, width = Vector<byte>.Count;
        switch (operation)
        {
            case BitOperation.And:
                for (; i + width <= target.Length; i += width) (new Vector<byte>(target[i..]) & new Vector<byte>(source[i..])).CopyTo(target[i..]);
                for (; i < target.Length; i++) target[i] &= source[i];
                break;
            case BitOperation.Or:
                for (; i + width <= target.Length; i += width) (new Vector<byte>(target[i..]) | new Vector<byte>(source[i..])).CopyTo(target[i..]);
                for (; i < target.Length; i++) target[i] |= source[i];
                break;
            case BitOperation.Xor:
                for (; i + width <= target.Length; i += width) (new Vector<byte>(target[i..]) ^ new Vector<byte>(source[i..])).CopyTo(target[i..]);
                for (; i < target.Length; i++) target[i] ^= source[i];
                break;
            default:
                for (; i + width <= target.Length; i += width) (~new Vector<byte>(source[i..])).CopyTo(target[i..]);
                for (; i < target.Length; i++) target[i] = (byte)~source[i];
                break;
        }
    }
}
