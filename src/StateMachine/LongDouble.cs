using System.Numerics;
using System.Text;

namespace HyperCache.StateMachine;

/// <summary>
/// The x87 80-bit <c>long double</c> that Redis's INCRBYFLOAT and HINCRBYFLOAT compute in (64-bit significand,
/// exponent down to 2^-16445 with subnormals, up to ~1.19e4932), emulated exactly so that the stored texts are
/// byte-identical to Redis's: parsing as <c>string2ld</c> (strtold, correctly rounded), adding with one rounding,
/// and printing as <c>ld2string(LD_STR_HUMAN)</c> (<c>%.17Lf</c>, trailing zeros cut). Values are
/// (-1)^sign × mantissa × 2^exponent. Slow (BigInteger) but only these two commands use it.
/// </summary>
public readonly struct LongDouble
{
    private const int SignificandBits = 64;
    private const int MinExponent = -16445;            // of the mantissa's last bit: the smallest subnormal is 2^-16445
    private const int MaxExponent = 16384 - SignificandBits; // largest finite value is (2^64 - 1) × 2^16320
    private const int MaxChars = 5 * 1024;             // Redis's MAX_LONG_DOUBLE_CHARS

    private readonly ulong _mantissa;
    private readonly int _exponent;

    private LongDouble(bool negative, ulong mantissa, int exponent, bool infinity = false)
    {
        IsNegative = negative;
        _mantissa = mantissa;
        _exponent = exponent;
        IsInfinity = infinity;
    }

    public bool IsNegative { get; }

    public bool IsInfinity { get; }

    public static LongDouble Zero => default;

    /// <summary>Redis's string2ld: the whole text must be a strtold number (decimal, hexadecimal, inf/infinity;
    /// no leading blank); NaN, overflow and underflow to zero are refused. A NUL byte is not an end: strtold
    /// would stop there, short of the text's length, which Redis refuses.</summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out LongDouble value)
    {
        value = default;
        if (text.IsEmpty || text.Length >= MaxChars) return false;
        if (IsSpace(text[0])) return false;
        int i = 0;
        bool negative = false;
        if (text[0] is (byte)'+' or (byte)'-')
        {
            negative = text[0] == '-';
            i = 1;
        }
        var rest = text[i..];
        if (Ascii.EqualsIgnoreCase(rest, "inf"u8) || Ascii.EqualsIgnoreCase(rest, "infinity"u8))
        {
            value = new LongDouble(negative, 0, 0, infinity: true);
            return true;
        }
        bool ok = rest.Length > 2 && rest[0] == '0' && (rest[1] | 0x20) == 'x'
            ? TryParseHex(rest[2..], negative, out value)
            : TryParseDecimal(rest, negative, out value);
        // ERANGE: overflow to infinity, or a non-zero text that underflowed to zero
        return ok && !value.IsInfinity;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r';

    private static bool TryParseDecimal(ReadOnlySpan<byte> s, bool negative, out LongDouble value)
    {
        value = default;
        var digits = new StringBuilder(s.Length);
        int i = 0, scale = 0;
        bool any = false;
        for (; i < s.Length && char.IsAsciiDigit((char)s[i]); i++, any = true) digits.Append((char)s[i]);
        if (i < s.Length && s[i] == '.')
        {
            for (i++; i < s.Length && char.IsAsciiDigit((char)s[i]); i++, any = true, scale--) digits.Append((char)s[i]);
        }
        if (!any) return false;
        long exponent = 0;
        if (i < s.Length && (s[i] | 0x20) == 'e')
        {
            if (!FloatBits.TryExponent(s[(i + 1)..], out exponent)) return false;
        }
        else if (i != s.Length) return false;

        var n = BigInteger.Parse(digits.ToString(), System.Globalization.CultureInfo.InvariantCulture);
        if (n.IsZero)
        {
            value = new LongDouble(negative, 0, 0);
            return true;
        }
        long tenPower = exponent + scale;
        long magnitude = tenPower + digits.ToString().TrimStart('0').Length; // the value is below 10^magnitude
        if (magnitude > 4934)
        {
            value = new LongDouble(negative, 0, 0, infinity: true);
            return true;
        }
        if (magnitude < -4952) return false; // underflows to zero
        if (tenPower >= 0)
        {
            value = Round(negative, n * BigInteger.Pow(10, (int)tenPower), 0, sticky: false);
        }
        else
        {
            var divisor = BigInteger.Pow(10, (int)-tenPower);
            int shift = (int)Math.Max(0, SignificandBits + 3 + divisor.GetBitLength() - n.GetBitLength());
            var quotient = BigInteger.DivRem(n << shift, divisor, out var remainder);
            value = Round(negative, quotient, -shift, sticky: !remainder.IsZero);
        }
        return !(value._mantissa == 0 && !value.IsInfinity); // a non-zero text that rounded to zero: ERANGE
    }

    private static bool TryParseHex(ReadOnlySpan<byte> s, bool negative, out LongDouble value)
    {
        value = default;
        if (!FloatBits.TryScanHex(s, out var n, out long e2)) return false;
        if (n.IsZero)
        {
            value = new LongDouble(negative, 0, 0);
            return true;
        }
        long top = e2 + (long)n.GetBitLength();
        if (top > 16400)
        {
            value = new LongDouble(negative, 0, 0, infinity: true);
            return true;
        }
        if (top < MinExponent - 2) return false;
        value = Round(negative, n, (int)e2, sticky: false);
        return value._mantissa != 0 || value.IsInfinity;
    }

    /// <summary>Rounds n × 2^e2 (plus a sticky bit below it) to the nearest long double, ties to even.</summary>
    private static LongDouble Round(bool negative, BigInteger n, int e2, bool sticky)
    {
        if (n.IsZero) return new LongDouble(negative, 0, 0);
        var (kept, exponent) = FloatBits.Round(n, e2, sticky, SignificandBits, MinExponent);
        if (exponent > MaxExponent) return new LongDouble(negative, 0, 0, infinity: true);
        return new LongDouble(negative, (ulong)kept, (int)exponent);
    }

    private BigInteger Signed => IsNegative ? -(BigInteger)_mantissa : _mantissa;

    /// <summary>a + b rounded once, as the FPU does (x + -x is +0). Infinity when either is infinite.</summary>
    public static LongDouble operator +(LongDouble a, LongDouble b)
    {
        if (a.IsInfinity || b.IsInfinity) return new LongDouble(false, 0, 0, infinity: true);
        if (a._mantissa == 0) return b._mantissa == 0 ? new LongDouble(a.IsNegative && b.IsNegative, 0, 0) : b;
        if (b._mantissa == 0) return a;
        int low = Math.Min(a._exponent, b._exponent);
        var sum = (a.Signed << (a._exponent - low)) + (b.Signed << (b._exponent - low));
        if (sum.IsZero) return new LongDouble(false, 0, 0);
        return Round(sum.Sign < 0, BigInteger.Abs(sum), low, sticky: false);
    }

    /// <summary>Redis's ld2string(LD_STR_HUMAN): "%.17Lf" (exact, ties to even), trailing zeros and a trailing
    /// point cut, "-0" printed as "0".</summary>
    public byte[] ToHumanText()
    {
        const int Decimals = 17;
        var scale = BigInteger.Pow(10, Decimals);
        BigInteger scaled;
        if (_exponent >= 0)
        {
            scaled = ((BigInteger)_mantissa << _exponent) * scale;
        }
        else
        {
            var exact = _mantissa * scale;
            scaled = exact >> -_exponent;
            var dropped = exact - (scaled << -_exponent);
            int cmp = (dropped << 1).CompareTo(BigInteger.One << -_exponent);
            if (cmp > 0 || (cmp == 0 && !scaled.IsEven)) scaled += 1;
        }
        var integer = BigInteger.DivRem(scaled, scale, out var fraction);
        var text = new StringBuilder();
        if (IsNegative) text.Append('-');
        text.Append(integer.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var decimals = fraction.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(Decimals, '0').TrimEnd('0');
        if (decimals.Length > 0) text.Append('.').Append(decimals);
        var result = text.ToString();
        return Encoding.ASCII.GetBytes(result == "-0" ? "0" : result);
    }

    public override string ToString() => IsInfinity ? (IsNegative ? "-inf" : "inf") : Encoding.ASCII.GetString(ToHumanText());
}
