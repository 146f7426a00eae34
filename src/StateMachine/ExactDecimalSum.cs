namespace HyperCache.StateMachine;

/// <summary>
/// The fast path of INCRBYFLOAT and HINCRBYFLOAT. When both texts are plain decimals whose values are exact in
/// binary (3, 2.5, -0.125: a multiple of 2^-f written with f ≤ 17 decimals, as a counter stepped by 1 or 0.5
/// holds) and their sum fits a 64-bit significand, Redis's long double addition rounds nothing and "%.17Lf"
/// prints the exact sum, so it is computed here in 128-bit integers. Any other pair (0.1, exponents, hex,
/// infinities, a zero sum whose sign matters) returns false and takes <see cref="LongDouble"/>'s exact emulation,
/// which is also the oracle the tests hold this to.
/// </summary>
public static class ExactDecimalSum
{
    /// <summary>Room for any text this writes (sign, 24 integer digits, point, 17 decimals).</summary>
    public const int MaxLength = 48;

    private const int MaxDecimals = 17;

    /// <summary>a + b as ld2string(LD_STR_HUMAN) writes it, when both are exact and so is the sum.</summary>
    public static bool TryAdd(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> text, out int written)
    {
        written = 0;
        if (!TryParse(a, out long x, out int xBits) || !TryParse(b, out long y, out int yBits)) return false;
        int bits = Math.Max(xBits, yBits);
        Int128 sum = ((Int128)x << (bits - xBits)) + ((Int128)y << (bits - yBits)); // sum × 2^-bits
        if (sum == 0) return false;
        bool negative = sum < 0;
        UInt128 magnitude = (UInt128)(negative ? -sum : sum);
        int zeros = (int)UInt128.TrailingZeroCount(magnitude);
        if (magnitude >> zeros > ulong.MaxValue) return false; // the long double sum would round
        int shift = Math.Min(zeros, bits);
        magnitude >>= shift;
        bits -= shift;
        // magnitude × 2^-bits = magnitude × 5^bits × 10^-bits: exactly `bits` decimals, the last one not 0.
        UInt128 scaled = magnitude * Pow(5, bits);
        UInt128 unit = Pow(10, bits);
        if (negative) text[written++] = (byte)'-';
        written += Digits(scaled / unit, text[written..], minDigits: 1);
        if (bits > 0)
        {
            text[written++] = (byte)'.';
            written += Digits(scaled % unit, text[written..], minDigits: bits);
        }
        return true;
    }

    /// <summary>Whether <paramref name="text"/> is a decimal this path reads (so a finite float).</summary>
    public static bool IsExact(ReadOnlySpan<byte> text) => TryParse(text, out _, out _);

    /// <summary>[+-]digits[.digits] with at most 18 significant digits and 17 decimals, whose value is
    /// <paramref name="value"/> × 2^-<paramref name="bits"/> exactly; false for anything else.</summary>
    private static bool TryParse(ReadOnlySpan<byte> s, out long value, out int bits)
    {
        value = 0;
        bits = 0;
        int i = 0;
        bool negative = false;
        if (s.Length > 0 && s[0] is (byte)'+' or (byte)'-')
        {
            negative = s[0] == '-';
            i = 1;
        }
        long digits = 0;
        int significant = 0, decimals = 0, seen = 0;
        bool point = false;
        for (; i < s.Length; i++)
        {
            byte c = s[i];
            if (c == '.' && !point)
            {
                point = true;
                continue;
            }
            if (c < '0' || c > '9') return false;
            seen++;
            if (point && ++decimals > MaxDecimals) return false;
            if (digits == 0 && c == '0') continue;
            if (++significant > 18) return false;
            digits = digits * 10 + (c - '0');
        }
        if (seen == 0) return false;
        // digits × 10^-decimals = (digits / 5^decimals) × 2^-decimals: exact in binary when 5^decimals divides it.
        long five = (long)Pow(5, decimals);
        if (digits % five != 0) return false;
        value = negative ? -(digits / five) : digits / five;
        bits = decimals;
        return true;
    }

    private static UInt128 Pow(int b, int e)
    {
        UInt128 result = 1;
        for (int i = 0; i < e; i++) result *= (uint)b;
        return result;
    }

    /// <summary>Writes n in decimal, zero-padded to <paramref name="minDigits"/>; returns the length.</summary>
    private static int Digits(UInt128 n, Span<byte> to, int minDigits)
    {
        Span<byte> reversed = stackalloc byte[40];
        int count = 0;
        do
        {
            reversed[count++] = (byte)('0' + (int)(n % 10));
            n /= 10;
        } while (n != 0);
        while (count < minDigits) reversed[count++] = (byte)'0';
        for (int i = 0; i < count; i++) to[i] = reversed[count - 1 - i];
        return count;
    }
}
