using System.Text;

namespace HyperCache.StateMachine.Tests;

/// <summary>INCRBYFLOAT's long double, against texts that redis-server 7.0.15 (x86-64) produced.</summary>
public class LongDoubleTests
{
    [Theory]
    [InlineData("10.5", "0.1", "10.6")]
    [InlineData("0.1", "0.2", "0.3")]
    [InlineData("5.0e3", "2.0e2", "5200")]
    [InlineData("3", "-3", "0")]
    [InlineData("1e30", "1", "1000000000000000000024696061952")]
    [InlineData("9223372036854775807", "-12.25", "9223372036854775795")]
    [InlineData("0x10", "0.5", "16.5")]
    [InlineData("5.", ".5", "5.5")]
    [InlineData("-1e-20", "0", "0")]
    [InlineData("1.5", "1e-20", "1.5")]
    [InlineData("0.1", "1e-17", "0.10000000000000001")]
    [InlineData("1e-17", "5e-18", "0.00000000000000002")]
    [InlineData("-0.0", "-0", "0")]
    [InlineData("0x1.8p1", "0", "3")]
    [InlineData("0x1p-16445", "0", "0")]
    public void Sums_print_as_redis_prints_them(string a, string b, string expected)
    {
        Assert.True(LongDouble.TryParse(Encoding.ASCII.GetBytes(a), out var x));
        Assert.True(LongDouble.TryParse(Encoding.ASCII.GetBytes(b), out var y));
        Assert.Equal(expected, Encoding.ASCII.GetString((x + y).ToHumanText()));
    }

    [Fact]
    public void Sums_beyond_double_range_print_every_digit()
    {
        Assert.True(LongDouble.TryParse("1e308"u8, out var x));
        var text = Encoding.ASCII.GetString((x + x).ToHumanText());
        Assert.Equal(309, text.Length);
        Assert.StartsWith("199999999999999999993371759311691291321120199694831134415594095989843469737676123744200253843777078640893494450108026446", text);
    }

    [Theory]
    [InlineData("1e-4952")] // underflows to zero
    [InlineData("1e5000")]  // overflows
    [InlineData("nan")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("")]
    [InlineData("0x")]
    [InlineData("1e")]
    [InlineData("infin")]
    [InlineData(".")]
    [InlineData("5\0a")] // strtold stops at the NUL, short of the text's end
    public void Texts_that_strtold_refuses_or_that_overflow_are_not_floats(string text)
        => Assert.False(LongDouble.TryParse(Encoding.ASCII.GetBytes(text), out _));

    [Fact]
    public void Infinity_parses_and_any_sum_with_it_is_infinite()
    {
        Assert.True(LongDouble.TryParse("-Infinity"u8, out var x));
        Assert.True(LongDouble.TryParse("1.18e4932"u8, out var big));
        Assert.True((x + x).IsInfinity);
        Assert.True((big + big).IsInfinity);
    }
}
