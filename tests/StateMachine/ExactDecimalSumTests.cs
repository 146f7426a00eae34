using System.Globalization;
using System.Text;

namespace HyperCache.StateMachine.Tests;

/// <summary>INCRBYFLOAT's fast path: where it answers, it must print what the exact long double emulation prints
/// (itself checked against redis-server in <see cref="LongDoubleTests"/>), and it must answer for counters.</summary>
public class ExactDecimalSumTests
{
    private static string? Fast(string a, string b)
    {
        Span<byte> text = stackalloc byte[ExactDecimalSum.MaxLength];
        return ExactDecimalSum.TryAdd(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b), text, out int written)
            ? Encoding.ASCII.GetString(text[..written])
            : null;
    }

    private static string? Slow(string a, string b)
        => LongDouble.TryParse(Encoding.ASCII.GetBytes(a), out var x) && LongDouble.TryParse(Encoding.ASCII.GetBytes(b), out var y)
            ? Encoding.ASCII.GetString((x + y).ToHumanText())
            : null;

    [Theory]
    [InlineData("0", "1.5", "1.5")]
    [InlineData("1.5", "1.5", "3")]
    [InlineData("10.50", "0.25", "10.75")]
    [InlineData("-3", "1", "-2")]
    [InlineData("5.", ".5", "5.5")]
    [InlineData("+2", "-0.125", "1.875")]
    [InlineData("0007.5", "0", "7.5")]
    [InlineData("999999999999999999", "1", "1000000000000000000")]
    [InlineData("0.00000000000000001", "0", null)]          // 10^-17: not exact in binary
    [InlineData("0.1", "0.2", null)]
    [InlineData("5.0e3", "1", null)]                         // exponents take the exact emulation
    [InlineData("0x10", "1", null)]
    [InlineData("inf", "1", null)]
    [InlineData("3", "-3", null)]                            // a zero sum: its sign is the emulation's business
    [InlineData("1 ", "1", null)]
    [InlineData("", "1", null)]
    [InlineData(".", "1", null)]
    [InlineData("1.5.5", "1", null)]
    [InlineData("9223372036854775807", "1", null)]           // 19 significant digits
    [InlineData("18446744073709551615", "1", null)]
    [InlineData("0.50000000000000000000", "1", null)]        // 20 decimals
    public void Answers_counters_and_leaves_the_rest(string a, string b, string? expected)
    {
        Assert.Equal(expected, Fast(a, b));
        if (expected != null) Assert.Equal(Slow(a, b), expected);
    }

    [Fact]
    public void Agrees_with_the_exact_emulation_wherever_it_answers()
    {
        var random = new Random(7);
        int answered = 0;
        for (int i = 0; i < 200_000; i++)
        {
            string a = RandomDecimal(random), b = RandomDecimal(random);
            string? fast = Fast(a, b);
            if (fast is null) continue;
            answered++;
            Assert.Equal(Slow(a, b), fast);
        }
        Assert.True(answered > 50_000, $"the fast path answered {answered} of 200000");
    }

    /// <summary>Plain decimals of every shape the fast path reads: binary fractions (k / 2^n) written with their
    /// exact decimals, and other decimals, large and small, signed, padded with zeros.</summary>
    private static string RandomDecimal(Random random)
    {
        string sign = random.Next(4) switch { 0 => "-", 1 => "+", _ => "" };
        string digits;
        switch (random.Next(4))
        {
            case 0: // k / 2^n: exact
            case 1:
            {
                int n = random.Next(0, 18);
                long k = random.NextInt64(0, random.Next(2) == 0 ? 1000 : 1L << 40);
                decimal value = k / (decimal)Math.Pow(2, n);
                digits = value.ToString(CultureInfo.InvariantCulture);
                if (random.Next(5) == 0 && digits.Contains('.')) digits += "00";
                break;
            }
            case 2: // any decimal
                digits = random.NextInt64(0, 1_000_000).ToString(CultureInfo.InvariantCulture) + "." + random.Next(0, 1000).ToString("D3", CultureInfo.InvariantCulture);
                break;
            default: // a large integer
                digits = random.NextInt64(0, long.MaxValue / (random.Next(2) == 0 ? 1 : 1000)).ToString(CultureInfo.InvariantCulture);
                break;
        }
        if (random.Next(10) == 0) digits = "0" + digits;
        return sign + digits;
    }
}
