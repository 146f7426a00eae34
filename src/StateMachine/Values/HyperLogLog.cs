using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace HyperCache.StateMachine.Values;

/// <summary>
/// Redis's HyperLogLog, byte for byte (hyperloglog.c): a string that starts with the 16-byte header
/// "HYLL", encoding (0 dense, 1 sparse), 3 zero bytes, 8 bytes of cached cardinality (little endian; the top bit
/// of the last byte set = cache invalid), then 16384 registers of 6 bits, either dense (12288 bytes, register i at
/// bit 6i, least significant bits first) or sparse (run-length opcodes ZERO, XZERO, VAL). Elements are hashed with
/// MurmurHash64A, seed 0xadc83b19. A HLL written by redis-server therefore reads back here with the same count,
/// and the other way round. This class reads; <see cref="HyperLogLogWriter"/> changes registers.
/// </summary>
public static class HyperLogLog
{
    public const int P = 14;
    public const int Registers = 1 << P;
    public const int HeaderSize = 16;
    public const int DenseSize = HeaderSize + Registers * 6 / 8;
    public const byte DenseEncoding = 0, SparseEncoding = 1;
    /// <summary>hll-sparse-max-bytes: a sparse HLL that would grow past this becomes dense (Redis's default).</summary>
    public const int SparseMaxBytes = 3000;
    private const int Q = 64 - P;
    private const uint Seed = 0xadc83b19;

    public const string NotHllError = "WRONGTYPE Key is not a valid HyperLogLog string value.";
    public const string CorruptError = "INVALIDOBJ Corrupted HLL object detected";

    // Counts computed for a given array. An HLL's array is never changed once stored (a write stores a new one, and
    // Store.CanOverwriteInPlace keeps SET from rewriting an HLL in place), so its count never goes stale; Redis
    // writes the count into the header instead, which would be a write (and a log entry) for every PFCOUNT.
    private static readonly ConditionalWeakTable<byte[], StrongBox<long>> CountCache = new();

    /// <summary>Redis's isHLLObjectOrReply: the header says HYLL with a known encoding, and dense has its exact size.</summary>
    public static bool IsHll(ReadOnlySpan<byte> value)
        => value.Length >= HeaderSize && value[..4].SequenceEqual("HYLL"u8) && value[4] <= SparseEncoding
           && (value[4] == SparseEncoding || value.Length == DenseSize);

    public static bool IsDense(ReadOnlySpan<byte> hll) => hll[4] == DenseEncoding;

    /// <summary>A new, empty HLL: sparse, one XZERO opcode covering all 16384 registers.</summary>
    public static byte[] CreateEmpty()
    {
        var hll = new byte[HeaderSize + 2];
        "HYLL"u8.CopyTo(hll);
        hll[4] = SparseEncoding;
        Sparse.WriteXZero(hll.AsSpan(HeaderSize), Registers);
        return hll;
    }

    /// <summary>hllPatLen: the register an element falls in, and the run length of zeros (+1) that it proposes.</summary>
    public static (int Index, int Count) Hash(ReadOnlySpan<byte> element)
    {
        ulong hash = MurmurHash64A.Hash(element, Seed);
        int index = (int)(hash & (Registers - 1));
        hash >>= P;
        hash |= 1UL << Q; // so the count is at most Q + 1
        return (index, System.Numerics.BitOperations.TrailingZeroCount(hash) + 1);
    }

    public static int GetDenseRegister(ReadOnlySpan<byte> registers, int index)
    {
        int bit = index * 6, at = bit >> 3, shift = bit & 7;
        int b0 = registers[at], b1 = at + 1 < registers.Length ? registers[at + 1] : 0;
        return ((b0 >> shift) | (b1 << (8 - shift))) & 63;
    }

    /// <summary>Raises every entry of <paramref name="max"/> to the dense registers of <paramref name="registers"/>, four
    /// 6-bit registers (three bytes) at a time: a register at a time cost PFMERGE of two dense HLLs most of its time.</summary>
    public static void MaxDenseInto(ReadOnlySpan<byte> registers, Span<byte> max)
    {
        registers = registers[..(Registers * 6 / 8)];
        max = max[..Registers];
        for (int g = 0, at = 0; at < registers.Length; g += 4, at += 3)
        {
            int b0 = registers[at], b1 = registers[at + 1], b2 = registers[at + 2];
            max[g] = Math.Max(max[g], (byte)(b0 & 63));
            max[g + 1] = Math.Max(max[g + 1], (byte)((b0 >> 6) | ((b1 & 15) << 2)));
            max[g + 2] = Math.Max(max[g + 2], (byte)((b1 >> 4) | ((b2 & 3) << 4)));
            max[g + 3] = Math.Max(max[g + 3], (byte)(b2 >> 2));
        }
    }

    /// <summary>The inverse of <see cref="MaxDenseInto"/>: writes every register from <paramref name="values"/> (one
    /// byte each, at most 63) into the dense <paramref name="registers"/>.</summary>
    public static void PackDense(ReadOnlySpan<byte> values, Span<byte> registers)
    {
        registers = registers[..(Registers * 6 / 8)];
        values = values[..Registers];
        for (int g = 0, at = 0; at < registers.Length; g += 4, at += 3)
        {
            int r0 = values[g], r1 = values[g + 1], r2 = values[g + 2], r3 = values[g + 3];
            registers[at] = (byte)(r0 | (r1 << 6));
            registers[at + 1] = (byte)((r1 >> 2) | (r2 << 4));
            registers[at + 2] = (byte)((r2 >> 4) | (r3 << 2));
        }
    }

    /// <summary>Raises every entry of <paramref name="max"/> (one byte per register) to this HLL's register;
    /// false when a sparse HLL does not describe exactly 16384 registers with whole opcodes (the check that makes
    /// it safe for <see cref="HyperLogLogWriter"/>).</summary>
    public static bool TryMergeInto(ReadOnlySpan<byte> hll, Span<byte> max)
    {
        var body = hll[HeaderSize..];
        if (IsDense(hll))
        {
            MaxDenseInto(body, max);
            return true;
        }
        long index = 0;
        for (int p = 0; p < body.Length;)
        {
            var op = Sparse.Read(body, p);
            if (p + op.Size > body.Length) return false; // an XZERO cut in half
            if (op.IsValue)
            {
                if (index + op.Length > Registers) return false;
                for (int i = (int)index; i < index + op.Length; i++)
                    if (op.Value > max[i]) max[i] = (byte)op.Value;
            }
            index += op.Length;
            p += op.Size;
        }
        return index == Registers;
    }

    /// <summary>PFCOUNT of one HLL: the header's cached count when valid (as Redis), else the estimate.</summary>
    public static bool TryCount(byte[] hll, out long count)
    {
        if ((hll[15] & 0x80) == 0)
        {
            count = (long)BinaryPrimitives.ReadUInt64LittleEndian(hll.AsSpan(8));
            return true;
        }
        if (CountCache.TryGetValue(hll, out var cached))
        {
            count = cached.Value;
            return true;
        }
        Span<int> histogram = stackalloc int[64];
        if (!TryHistogram(hll, histogram))
        {
            count = 0;
            return false;
        }
        count = Estimate(histogram);
        CountCache.AddOrUpdate(hll, new StrongBox<long>(count));
        return true;
    }

    /// <summary>The estimate over raw registers (one byte each), for PFCOUNT of several keys.</summary>
    public static long CountRegisters(ReadOnlySpan<byte> registers)
    {
        Span<int> histogram = stackalloc int[64];
        foreach (byte register in registers) histogram[register & 63]++;
        return Estimate(histogram);
    }

    private static bool TryHistogram(ReadOnlySpan<byte> hll, Span<int> histogram)
    {
        var body = hll[HeaderSize..];
        if (IsDense(hll))
        {
            // Four 6-bit registers in every three bytes.
            for (int at = 0; at < body.Length; at += 3)
            {
                int b0 = body[at], b1 = body[at + 1], b2 = body[at + 2];
                histogram[b0 & 63]++;
                histogram[((b0 >> 6) | (b1 << 2)) & 63]++;
                histogram[((b1 >> 4) | (b2 << 4)) & 63]++;
                histogram[b2 >> 2]++;
            }
            return true;
        }
        long index = 0;
        for (int p = 0; p < body.Length;)
        {
            var op = Sparse.Read(body, p);
            if (index + op.Length > Registers || p + op.Size > body.Length) return false;
            histogram[op.IsValue ? op.Value : 0] += op.Length;
            index += op.Length;
            p += op.Size;
        }
        return index == Registers;
    }

    /// <summary>Otmar Ertl's estimator ("New cardinality estimation algorithms for HyperLogLog sketches"), as hllCount.</summary>
    private static long Estimate(ReadOnlySpan<int> histogram)
    {
        const double alphaInf = 0.721347520444481703680; // 0.5 / ln 2
        double m = Registers;
        double z = m * Tau((m - histogram[Q + 1]) / m);
        for (int j = Q; j >= 1; --j)
        {
            z += histogram[j];
            z *= 0.5;
        }
        z += m * Sigma(histogram[0] / m);
        return (long)Math.Round(alphaInf * m * m / z, MidpointRounding.AwayFromZero);
    }

    private static double Sigma(double x)
    {
        if (x == 1.0) return double.PositiveInfinity;
        double zPrime, y = 1, z = x;
        do
        {
            x *= x;
            zPrime = z;
            z += x * y;
            y += y;
        } while (zPrime != z);
        return z;
    }

    private static double Tau(double x)
    {
        if (x == 0.0 || x == 1.0) return 0.0;
        double zPrime, y = 1.0, z = 1 - x;
        do
        {
            x = Math.Sqrt(x);
            zPrime = z;
            y *= 0.5;
            z -= Math.Pow(1 - x, 2) * y;
        } while (zPrime != z);
        return z / 3;
    }
}

/// <summary>The sparse encoding's opcodes: ZERO 00xxxxxx (1-64 zero registers), XZERO 01xxxxxx xxxxxxxx
/// (1-16384 zero registers), VAL 1vvvvvxx (1-4 registers of value 1-32).</summary>
internal static class Sparse
{
    public const int ZeroMaxLength = 64, ValueMaxLength = 4, ValueMax = 32;

    public readonly record struct Op(bool IsValue, bool IsXZero, int Value, int Length, int Size);

    public static Op Read(ReadOnlySpan<byte> body, int p)
    {
        byte b = body[p];
        if ((b & 0x80) != 0) return new Op(true, false, ((b >> 2) & 0x1f) + 1, (b & 3) + 1, 1);
        if ((b & 0x40) == 0) return new Op(false, false, 0, (b & 0x3f) + 1, 1);
        int low = p + 1 < body.Length ? body[p + 1] : 0;
        return new Op(false, true, 0, (((b & 0x3f) << 8) | low) + 1, 2);
    }

    public static byte ValueOp(int value, int length) => (byte)(0x80 | ((value - 1) << 2) | (length - 1));

    public static byte ZeroOp(int length) => (byte)(length - 1);

    public static void WriteXZero(Span<byte> at, int length)
    {
        at[0] = (byte)(((length - 1) >> 8) | 0x40);
        at[1] = (byte)((length - 1) & 0xff);
    }

    /// <summary>ZERO when the run fits one, else XZERO; returns the bytes written.</summary>
    public static int WriteZeros(Span<byte> at, int length)
    {
        if (length > ZeroMaxLength)
        {
            WriteXZero(at, length);
            return 2;
        }
        at[0] = ZeroOp(length);
        return 1;
    }
}
