using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT.</summary>
[Collection(StringsCollection.Name)]
public sealed class CounterTests(NodeFixture node) : E2ETest(node)
{
    private const string Overflow = "ERR increment or decrement would overflow";

    [Fact]
    public void Incr_and_decr_start_from_zero_on_a_missing_key()
    {
        Expect(Resp.Int(1), "INCR", K("a"));
        Expect(Resp.Int(-1), "DECR", K("b"));
        Expect(Resp.Bulk("1"), "GET", K("a"));
        Expect(Resp.Bulk("-1"), "GET", K("b"));
    }

    [Fact]
    public void Incr_decr_incrby_decrby_arithmetic()
    {
        Expect(Resp.Ok, "SET", K(), "10");
        Expect(Resp.Int(11), "INCR", K());
        Expect(Resp.Int(10), "DECR", K());
        Expect(Resp.Int(15), "INCRBY", K(), "5");
        Expect(Resp.Int(5), "INCRBY", K(), "-10");
        Expect(Resp.Int(2), "DECRBY", K(), "3");
        Expect(Resp.Int(7), "DECRBY", K(), "-5");
        Expect(Resp.Int(7), "INCRBY", K(), "0");
        Expect(Resp.Bulk("7"), "GET", K());
        Expect(Resp.Int(-3), "DECRBY", K(), "10");
        Expect(Resp.Bulk("-3"), "GET", K());
    }

    [Fact]
    public void Incr_keeps_the_ttl()
    {
        Expect(Resp.Ok, "SET", K(), "1", "EX", "100");
        Expect(Resp.Int(2), "INCR", K());
        Assert.NotEqual(Resp.Int(-1), Cmd("TTL", K()));
    }

    [Fact]
    public void Incr_reaches_the_64_bit_limits_and_then_overflows()
    {
        Expect(Resp.Ok, "SET", K("max"), "9223372036854775806");
        Expect(Resp.Int(long.MaxValue), "INCR", K("max"));
        Expect(Resp.Err(Overflow), "INCR", K("max"));
        Expect(Resp.Err(Overflow), "INCRBY", K("max"), "1");
        Expect(Resp.Bulk("9223372036854775807"), "GET", K("max"));

        Expect(Resp.Ok, "SET", K("min"), "-9223372036854775807");
        Expect(Resp.Int(long.MinValue), "DECR", K("min"));
        Expect(Resp.Err(Overflow), "DECR", K("min"));
        Expect(Resp.Err(Overflow), "DECRBY", K("min"), "1");
        Expect(Resp.Err(Overflow), "INCRBY", K("min"), "-1");
        Expect(Resp.Bulk("-9223372036854775808"), "GET", K("min"));
    }

    [Fact]
    public void Incrby_overflow_with_a_large_increment()
    {
        Expect(Resp.Ok, "SET", K(), "1");
        Expect(Resp.Err(Overflow), "INCRBY", K(), "9223372036854775807");
        Expect(Resp.Bulk("1"), "GET", K());
    }

    [Fact]
    public void Decrby_of_the_minimum_64_bit_value_is_refused()
    {
        // DECRBY negates its argument first: -(-2^63) does not fit.
        Expect(Resp.Ok, "SET", K(), "0");
        Expect(Resp.Err("ERR decrement would overflow"), "DECRBY", K(), "-9223372036854775808");
        Expect(Resp.Bulk("0"), "GET", K());
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("1.5")]
    [InlineData("1.0")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("+1")]
    [InlineData("01")]
    [InlineData("-0")]
    [InlineData("0x10")]
    [InlineData("9223372036854775808")]
    [InlineData("-9223372036854775809")]
    public void Incr_of_a_value_that_is_not_a_canonical_64_bit_integer(string value)
    {
        Expect(Resp.Ok, "SET", K(), value);
        Expect(Resp.NotInteger, "INCR", K());
        Expect(Resp.NotInteger, "DECR", K());
        Expect(Resp.NotInteger, "INCRBY", K(), "1");
        Expect(Resp.NotInteger, "DECRBY", K(), "1");
        Expect(Resp.Bulk(value), "GET", K());
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("")]
    [InlineData("9223372036854775808")]
    public void Incrby_and_decrby_with_a_non_integer_increment(string increment)
    {
        Expect(Resp.NotInteger, "INCRBY", K(), increment);
        Expect(Resp.NotInteger, "DECRBY", K(), increment);
        Expect(Resp.Int(0), "EXISTS", K());
    }

    [Fact]
    public void Counter_commands_with_wrong_arity()
    {
        Expect(Resp.WrongArity("incr"), "INCR");
        Expect(Resp.WrongArity("incr"), "INCR", K(), "1");
        Expect(Resp.WrongArity("decr"), "DECR");
        Expect(Resp.WrongArity("incrby"), "INCRBY", K());
        Expect(Resp.WrongArity("decrby"), "DECRBY", K());
        Expect(Resp.WrongArity("incrbyfloat"), "INCRBYFLOAT", K());
    }

    // ---- INCRBYFLOAT ----

    [Theory]
    [InlineData("10.50", "0.1", "10.6")]
    [InlineData("10.6", "-5", "5.6")]
    [InlineData("5.0e3", "2.0e2", "5200")]
    [InlineData("10", "1.5", "11.5")]
    [InlineData("1.5", "1.5", "3")]
    [InlineData("3", "-3", "0")]
    [InlineData("1e3", "1", "1001")]
    [InlineData("-1.25", "0.5", "-0.75")]
    // Redis computes in long double and prints 17 significant digits: 0.1 + 0.2 is exactly "0.3".
    [InlineData("0.1", "0.2", "0.3")]
    public void Incrbyfloat_arithmetic_and_formatting(string initial, string increment, string expected)
    {
        Expect(Resp.Ok, "SET", K(), initial);
        Expect(Resp.Bulk(expected), "INCRBYFLOAT", K(), increment);
        Expect(Resp.Bulk(expected), "GET", K());
    }

    [Fact]
    public void Incrbyfloat_on_missing_key_starts_from_zero()
    {
        Expect(Resp.Bulk("3"), "INCRBYFLOAT", K(), "3");
        Expect(Resp.Bulk("2.5"), "INCRBYFLOAT", K(), "-0.5");
    }

    [Fact]
    public void Incrbyfloat_result_is_usable_by_incr_when_integral()
    {
        Expect(Resp.Bulk("4"), "INCRBYFLOAT", K(), "4.0");
        Expect(Resp.Int(5), "INCR", K());
    }

    [Fact]
    public void Incrbyfloat_keeps_the_ttl()
    {
        Expect(Resp.Ok, "SET", K(), "1", "EX", "100");
        Expect(Resp.Bulk("1.5"), "INCRBYFLOAT", K(), "0.5");
        Assert.NotEqual(Resp.Int(-1), Cmd("TTL", K()));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("1.5x")]
    [InlineData("nan")]
    public void Incrbyfloat_of_a_value_that_is_not_a_float(string value)
    {
        Expect(Resp.Ok, "SET", K(), value);
        Expect(Resp.NotFloat, "INCRBYFLOAT", K(), "1");
        Expect(Resp.Bulk(value), "GET", K());
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("1,5")]
    [InlineData("nan")]
    public void Incrbyfloat_with_an_increment_that_is_not_a_float(string increment)
    {
        Expect(Resp.Ok, "SET", K(), "1");
        Expect(Resp.NotFloat, "INCRBYFLOAT", K(), increment);
        Expect(Resp.Bulk("1"), "GET", K());
    }

    [Theory]
    [InlineData("inf")]
    [InlineData("-inf")]
    [InlineData("+inf")]
    public void Incrbyfloat_that_would_produce_infinity_is_refused(string increment)
    {
        Expect(Resp.Ok, "SET", K(), "1");
        Expect(Resp.Err("ERR increment would produce NaN or Infinity"), "INCRBYFLOAT", K(), increment);
        Expect(Resp.Bulk("1"), "GET", K());
    }
}
