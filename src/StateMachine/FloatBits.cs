using System.Numerics;

namespace HyperCache.StateMachine;

/// <summary>Exact binary floating-point helpers shared by <see cref="LongDouble"/> and <see cref="Numbers"/>:
/// strtod's hexadecimal form, and rounding an exact value to a format's significand, ties to even.</summary>
internal static class FloatBits
{
    /// <summary>The text after "0x": hex digits with an optional point, an optional "p[+-]digits" binary exponent;
    /// the value is n × 2^e2. False unless the whole text is such a number (strtod would leave the rest).</summary>
    public static bool TryScanHex(ReadOnlySpan<byte> s, out BigInteger n, out long e2)
    {
        n = BigInteger.Zero;
        e2 = 0;
        int i = 0;
        bool any = false;
        for (; i < s.Length && char.IsAsciiHexDigit((char)s[i]); i++, any = true) n = (n << 4) + HexValue(s[i]);
        if (i < s.Length && s[i] == '.')
        {
            for (i++; i < s.Length && char.IsAsciiHexDigit((char)s[i]); i++, any = true, e2 -= 4) n = (n << 4) + HexValue(s[i]);
        }
        if (!any) return false; // strtod reads "0" and stops at the 'x': trailing text
        if (i < s.Length && (s[i] | 0x20) == 'p')
        {
            if (!TryExponent(s[(i + 1)..], out long exponent)) return false;
            e2 += exponent;
        }
        else if (i != s.Length) return false;
        return true;
    }

    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;

    /// <summary>An exponent's digits, with an optional sign; saturated far beyond any finite value.</summary>
    public static bool TryExponent(ReadOnlySpan<byte> s, out long exponent)
    {
        exponent = 0;
        int i = 0;
        bool negative = false;
        if (i < s.Length && s[i] is (byte)'+' or (byte)'-') negative = s[i++] == '-';
        if (i == s.Length) return false;
        for (; i < s.Length; i++)
        {
            if (!char.IsAsciiDigit((char)s[i])) return false;
            exponent = Math.Min(exponent * 10 + (s[i] - '0'), 1_000_000);
        }
        if (negative) exponent = -exponent;
        return true;
    }

    /// <summary>Rounds n × 2^e2 (n &gt; 0, plus a sticky bit below it) to at most <paramref name="bits"/> significant
    /// bits with no exponent below <paramref name="minExponent"/> (subnormals), ties to even: kept × 2^exponent.</summary>
    public static (BigInteger Kept, long Exponent) Round(BigInteger n, long e2, bool sticky, int bits, long minExponent)
    {
        long shift = Math.Max((long)n.GetBitLength() - bits, minExponent - e2);
        BigInteger kept;
        if (shift > 0)
        {
            if (shift > n.GetBitLength() + 1) return (BigInteger.Zero, minExponent); // far below half the smallest step
            kept = n >> (int)shift;
            var dropped = n - (kept << (int)shift);
            int cmp = dropped.CompareTo(BigInteger.One << (int)(shift - 1));
            if (cmp == 0 && sticky) cmp = 1;
            if (cmp > 0 || (cmp == 0 && !kept.IsEven)) kept += 1;
        }
        else
        {
            kept = n << (int)-shift;
        }
        long exponent = e2 + shift;
        if (kept.GetBitLength() > bits)
        {
            kept >>= 1;
            exponent++;
        }
        return (kept, exponent);
    }
}
