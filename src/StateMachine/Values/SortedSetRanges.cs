using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace HyperCache.StateMachine.Values;

/// <summary>A score interval as ZRANGEBYSCORE takes it: "1.5", "(1.5" (exclusive), "-inf", "+inf".</summary>
public readonly struct ScoreRange(double min, bool minExclusive, double max, bool maxExclusive)
{
    public double Min { get; } = min;
    public double Max { get; } = max;
    public bool MinExclusive { get; } = minExclusive;
    public bool MaxExclusive { get; } = maxExclusive;

    public bool AboveMin(double score) => MinExclusive ? score > Min : score >= Min;
    public bool BelowMax(double score) => MaxExclusive ? score < Max : score <= Max;

    /// <summary>Parses both ends as Redis does (strtod: leading blanks allowed, nothing after the number, NaN
    /// refused); false means "ERR min or max is not a float".</summary>
    public static bool TryParse(ReadOnlySpan<byte> min, ReadOnlySpan<byte> max, out ScoreRange range)
    {
        range = default;
        if (!TryParseItem(min, out double low, out bool lowExclusive) || !TryParseItem(max, out double high, out bool highExclusive))
            return false;
        range = new ScoreRange(low, lowExclusive, high, highExclusive);
        return true;
    }

    private static bool TryParseItem(ReadOnlySpan<byte> text, out double value, out bool exclusive)
    {
        exclusive = !text.IsEmpty && text[0] == '(';
        if (exclusive) text = text[1..];
        return StrToD(text, out value);
    }

    /// <summary>C's strtod over the whole text: leading white space skipped, an empty text is 0, NaN refused,
    /// out-of-range texts taken as infinity or zero (zslParseRange does not look at ERANGE).</summary>
    internal static bool StrToD(ReadOnlySpan<byte> text, out double value)
    {
        value = 0;
        while (!text.IsEmpty && text[0] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r')
            text = text[1..];
        if (text.IsEmpty) return true;
        return Numbers.TryParseDouble(text, out value, rejectOutOfRange: false);
    }
}

public enum LexBound : byte { Inclusive, Exclusive, NegativeInfinity, PositiveInfinity }

/// <summary>A member interval as ZRANGEBYLEX takes it: "[a" inclusive, "(a" exclusive, "-" and "+" the ends.</summary>
public readonly ref struct LexRange
{
    public LexRange(LexBound minKind, ReadOnlySpan<byte> min, LexBound maxKind, ReadOnlySpan<byte> max)
    {
        MinKind = minKind;
        Min = min;
        MaxKind = maxKind;
        Max = max;
    }

    public LexBound MinKind { get; }
    public ReadOnlySpan<byte> Min { get; }
    public LexBound MaxKind { get; }
    public ReadOnlySpan<byte> Max { get; }

    public bool AboveMin(ReadOnlySpan<byte> member) => MinKind switch
    {
        LexBound.NegativeInfinity => true,
        LexBound.PositiveInfinity => false,
        LexBound.Exclusive => member.SequenceCompareTo(Min) > 0,
        _ => member.SequenceCompareTo(Min) >= 0,
    };

    public bool BelowMax(ReadOnlySpan<byte> member) => MaxKind switch
    {
        LexBound.PositiveInfinity => true,
        LexBound.NegativeInfinity => false,
        LexBound.Exclusive => member.SequenceCompareTo(Max) < 0,
        _ => member.SequenceCompareTo(Max) <= 0,
    };

    /// <summary>False means "ERR min or max not valid string range item". The range refers to the input bytes.</summary>
    public static bool TryParse(ReadOnlySpan<byte> min, ReadOnlySpan<byte> max, out LexRange range)
    {
        range = default;
        if (!TryParseItem(min, out var minKind, out var low) || !TryParseItem(max, out var maxKind, out var high)) return false;
        range = new LexRange(minKind, low, maxKind, high);
        return true;
    }

    private static bool TryParseItem(ReadOnlySpan<byte> text, out LexBound kind, out ReadOnlySpan<byte> value)
    {
        value = default;
        kind = LexBound.Inclusive;
        if (text.IsEmpty) return false;
        switch (text[0])
        {
            case (byte)'+': kind = LexBound.PositiveInfinity; return text.Length == 1;
            case (byte)'-': kind = LexBound.NegativeInfinity; return text.Length == 1;
            case (byte)'(': kind = LexBound.Exclusive; value = text[1..]; return true;
            case (byte)'[': kind = LexBound.Inclusive; value = text[1..]; return true;
            default: return false;
        }
    }
}

/// <summary>Score texts as Redis 7.0 writes them (printf "%.17g"; "inf", "-inf").</summary>
public static class ScoreText
{
    /// <summary>Room enough for any score's text ("-1.2345678901234567e-308" is 24 bytes).</summary>
    public const int MaxLength = 32;

    public static string Format(double value)
    {
        Span<byte> text = stackalloc byte[MaxLength];
        return Encoding.ASCII.GetString(text[..Format(value, text)]);
    }

    /// <summary>Writes the text into <paramref name="text"/> (at least <see cref="MaxLength"/> bytes) and returns its
    /// length. Whole numbers below 1e17, the usual scores, print as integers without the general formatter: "%.17g"
    /// shows all their digits.</summary>
    public static int Format(double value, Span<byte> text)
    {
        if (double.IsPositiveInfinity(value)) return Copy("inf"u8, text);
        if (double.IsNegativeInfinity(value)) return Copy("-inf"u8, text);
        if (value == 0) return Copy(double.IsNegative(value) ? "-0"u8 : "0"u8, text); // "%.17g": ZINCRBY of -0 on a new member says "-0"
        int written;
        if (Math.Abs(value) < 1e17 && Math.Floor(value) == value)
        {
            Utf8Formatter.TryFormat((long)value, text, out written);
            return written;
        }
        value.TryFormat(text, out written, "G17", CultureInfo.InvariantCulture);
        int e = text[..written].IndexOf((byte)'E');
        if (e < 0) return written;
        // .NET writes "1E+20" / "1E-05"; C writes "1e+20" / "1e-05" (at least two exponent digits).
        text[e] = (byte)'e';
        int digits = written - (e + 2);
        if (digits >= 2) return written;
        text[e + 3] = text[e + 2];
        text[e + 2] = (byte)'0';
        return written + 1;
    }

    private static int Copy(ReadOnlySpan<byte> from, Span<byte> to)
    {
        from.CopyTo(to);
        return from.Length;
    }
}
