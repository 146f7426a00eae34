using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>GET, SET and its options, SETNX, SETEX, PSETEX, MGET, MSET, MSETNX, GETSET, GETDEL, GETEX.</summary>
[Collection(StringsCollection.Name)]
public sealed class StringSetGetTests(NodeFixture node) : E2ETest(node)
{
    private long Ttl(string key) => long.Parse(Cmd("TTL", key)[1..^2]);

    private long Pttl(string key) => long.Parse(Cmd("PTTL", key)[1..^2]);

    // ---- GET / SET ----

    [Fact]
    public void Get_of_missing_key_is_nil()
    {
        Expect(Resp.Nil, "GET", K());
    }

    [Fact]
    public void Set_then_get_returns_the_value_and_set_overwrites()
    {
        Expect(Resp.Ok, "SET", K(), "v1");
        Expect(Resp.Bulk("v1"), "GET", K());
        Expect(Resp.Ok, "SET", K(), "value two");
        Expect(Resp.Bulk("value two"), "GET", K());
    }

    [Fact]
    public void Set_empty_value_is_an_empty_string_not_nil()
    {
        Expect(Resp.Ok, "SET", K(), "");
        Expect("$0\r\n\r\n", "GET", K());
        Expect(Resp.Int(1), "EXISTS", K());
    }

    [Fact]
    public void Plain_set_discards_an_existing_ttl()
    {
        Expect(Resp.Ok, "SET", K(), "v", "EX", "100");
        Expect(Resp.Ok, "SET", K(), "w");
        Expect(Resp.Int(-1), "TTL", K());
    }

    [Fact]
    public void Set_ex_sets_a_ttl_in_seconds()
    {
        Expect(Resp.Ok, "SET", K(), "v", "EX", "100");
        Assert.InRange(Ttl(K()), 98, 100);
        Assert.InRange(Pttl(K()), 98_000, 100_000);
    }

    [Fact]
    public void Set_px_sets_a_ttl_in_milliseconds()
    {
        Expect(Resp.Ok, "SET", K(), "v", "PX", "100000");
        Assert.InRange(Pttl(K()), 98_000, 100_000);
    }

    [Fact]
    public void Set_exat_sets_the_absolute_expire_time()
    {
        var at = NowS() + 100;
        Expect(Resp.Ok, "SET", K(), "v", "EXAT", at.ToString());
        Expect(Resp.Int(at), "EXPIRETIME", K());
        Assert.InRange(Ttl(K()), 98, 100);
    }

    [Fact]
    public void Set_pxat_sets_the_absolute_expire_time()
    {
        var at = NowMs() + 100_000;
        Expect(Resp.Ok, "SET", K(), "v", "PXAT", at.ToString());
        Expect(Resp.Int(at), "PEXPIRETIME", K());
    }

    [Theory]
    [InlineData("EXAT")]
    [InlineData("PXAT")]
    public void Set_with_an_absolute_time_in_the_past_replies_ok_and_leaves_no_key(string option)
    {
        Expect(Resp.Ok, "SET", K(), "v", option, "1");
        Expect(Resp.Int(0), "EXISTS", K());
        Expect(Resp.Nil, "GET", K());
    }

    [Fact]
    public void Set_px_key_disappears_after_its_ttl()
    {
        Expect(Resp.Ok, "SET", K(), "v", "PX", "50");
        Eventually.True(() => Cmd("GET", K()) == Resp.Nil, "key set with PX 50 expires");
        Expect(Resp.Int(0), "EXISTS", K());
        Expect(Resp.Int(-2), "TTL", K());
    }

    [Fact]
    public void Set_nx_only_sets_a_missing_key()
    {
        Expect(Resp.Ok, "SET", K(), "first", "NX");
        Expect(Resp.Nil, "SET", K(), "second", "NX");
        Expect(Resp.Bulk("first"), "GET", K());
    }

    [Fact]
    public void Set_xx_only_sets_an_existing_key()
    {
        Expect(Resp.Nil, "SET", K(), "v", "XX");
        Expect(Resp.Int(0), "EXISTS", K());
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Ok, "SET", K(), "w", "XX");
        Expect(Resp.Bulk("w"), "GET", K());
    }

    [Fact]
    public void Set_keepttl_keeps_the_existing_ttl()
    {
        Expect(Resp.Ok, "SET", K(), "v", "PX", "100000");
        Expect(Resp.Ok, "SET", K(), "w", "KEEPTTL");
        Expect(Resp.Bulk("w"), "GET", K());
        Assert.InRange(Pttl(K()), 1, 100_000);
    }

    [Fact]
    public void Set_keepttl_on_a_key_without_ttl_keeps_it_persistent()
    {
        Expect(Resp.Ok, "SET", K(), "w", "KEEPTTL");
        Expect(Resp.Int(-1), "TTL", K());
    }

    [Fact]
    public void Set_get_returns_the_old_value()
    {
        Expect(Resp.Nil, "SET", K(), "v1", "GET");
        Expect(Resp.Bulk("v1"), "GET", K());
        Expect(Resp.Bulk("v1"), "SET", K(), "v2", "GET");
        Expect(Resp.Bulk("v2"), "GET", K());
    }

    [Fact]
    public void Set_get_with_ex_sets_the_ttl_and_returns_the_old_value()
    {
        Expect(Resp.Ok, "SET", K(), "v1");
        Expect(Resp.Bulk("v1"), "SET", K(), "v2", "EX", "100", "GET");
        Assert.InRange(Ttl(K()), 98, 100);
    }

    [Fact]
    public void Set_nx_get_returns_the_old_value_and_does_not_overwrite()
    {
        // Allowed since Redis 7.0.
        Expect(Resp.Nil, "SET", K(), "v1", "NX", "GET");
        Expect(Resp.Bulk("v1"), "GET", K());
        Expect(Resp.Bulk("v1"), "SET", K(), "v2", "NX", "GET");
        Expect(Resp.Bulk("v1"), "GET", K());
    }

    [Fact]
    public void Set_xx_get_on_missing_key_returns_nil_and_sets_nothing()
    {
        Expect(Resp.Nil, "SET", K(), "v", "XX", "GET");
        Expect(Resp.Int(0), "EXISTS", K());
    }

    [Theory]
    [InlineData("NX", "XX")]
    [InlineData("XX", "NX")]
    [InlineData("EX", "10", "PX", "100")]
    [InlineData("PX", "100", "EX", "10")]
    [InlineData("EXAT", "10", "PXAT", "10")]
    [InlineData("EX", "10", "EXAT", "10")]
    [InlineData("PXAT", "1", "EX", "1")]
    [InlineData("KEEPTTL", "EX", "10")]
    [InlineData("EX", "10", "KEEPTTL")]
    [InlineData("PX", "10", "KEEPTTL")]
    [InlineData("EX")]
    [InlineData("PX")]
    [InlineData("FOO")]
    [InlineData("NX", "BAR")]
    public void Set_option_combinations_that_are_syntax_errors(params string[] options)
    {
        Expect(Resp.Ok, "SET", K(), "old");
        Expect(Resp.SyntaxError, ["SET", K(), "new", .. options]);
        Expect(Resp.Bulk("old"), "GET", K());
    }

    [Theory]
    [InlineData("EX", "0")]
    [InlineData("EX", "-1")]
    [InlineData("PX", "0")]
    [InlineData("PX", "-5")]
    [InlineData("EXAT", "0")]
    [InlineData("PXAT", "0")]
    [InlineData("EXAT", "-10")]
    [InlineData("EX", "9999999999999999")]
    public void Set_with_invalid_expire_time(string option, string value)
    {
        Expect(Resp.InvalidExpire("set"), "SET", K(), "v", option, value);
        Expect(Resp.Int(0), "EXISTS", K());
    }

    [Theory]
    [InlineData("EX", "abc")]
    [InlineData("PX", "1.5")]
    [InlineData("EX", "10.5")]
    [InlineData("EXAT", "")]
    public void Set_with_non_integer_expire_time(string option, string value)
    {
        Expect(Resp.NotInteger, "SET", K(), "v", option, value);
    }

    [Fact]
    public void Set_and_get_with_wrong_arity()
    {
        Expect(Resp.WrongArity("set"), "SET", K());
        Expect(Resp.WrongArity("set"), "SET");
        Expect(Resp.WrongArity("get"), "GET");
        Expect(Resp.WrongArity("get"), "GET", K(), K());
    }

    // ---- SETNX / SETEX / PSETEX ----

    [Fact]
    public void Setnx_sets_only_missing_keys()
    {
        Expect(Resp.Int(1), "SETNX", K(), "a");
        Expect(Resp.Int(0), "SETNX", K(), "b");
        Expect(Resp.Bulk("a"), "GET", K());
        Expect(Resp.WrongArity("setnx"), "SETNX", K());
    }

    [Fact]
    public void Setex_sets_value_and_ttl_in_seconds()
    {
        Expect(Resp.Ok, "SETEX", K(), "100", "v");
        Expect(Resp.Bulk("v"), "GET", K());
        Assert.InRange(Ttl(K()), 98, 100);
    }

    [Fact]
    public void Psetex_sets_value_and_ttl_in_milliseconds()
    {
        Expect(Resp.Ok, "PSETEX", K(), "100000", "v");
        Expect(Resp.Bulk("v"), "GET", K());
        Assert.InRange(Pttl(K()), 98_000, 100_000);
    }

    [Fact]
    public void Psetex_key_disappears_after_its_ttl()
    {
        Expect(Resp.Ok, "PSETEX", K(), "50", "v");
        Eventually.True(() => Cmd("EXISTS", K()) == Resp.Int(0), "key set with PSETEX 50 expires");
    }

    [Theory]
    [InlineData("SETEX", "0", "setex")]
    [InlineData("SETEX", "-1", "setex")]
    [InlineData("PSETEX", "0", "psetex")]
    [InlineData("PSETEX", "-1", "psetex")]
    public void Setex_and_psetex_with_invalid_expire_time(string command, string ttl, string name)
    {
        Expect(Resp.InvalidExpire(name), command, K(), ttl, "v");
        Expect(Resp.Int(0), "EXISTS", K());
    }

    [Fact]
    public void Setex_and_psetex_errors()
    {
        Expect(Resp.NotInteger, "SETEX", K(), "abc", "v");
        Expect(Resp.NotInteger, "PSETEX", K(), "abc", "v");
        Expect(Resp.WrongArity("setex"), "SETEX", K(), "10");
        Expect(Resp.WrongArity("psetex"), "PSETEX", K(), "10");
    }

    // ---- MGET / MSET / MSETNX ----

    [Fact]
    public void Mget_returns_values_in_order_with_nil_for_missing()
    {
        Expect(Resp.Ok, "SET", K("a"), "1");
        Expect(Resp.Ok, "SET", K("c"), "3");
        Expect(Resp.BulkArray("1", null, "3", "1"), "MGET", K("a"), K("b"), K("c"), K("a"));
        Expect(Resp.WrongArity("mget"), "MGET");
    }

    [Fact]
    public void Mset_sets_all_pairs_and_clears_ttls()
    {
        Expect(Resp.Ok, "SET", K("a"), "old", "EX", "100");
        Expect(Resp.Ok, "MSET", K("a"), "1", K("b"), "2", K("c"), "3");
        Expect(Resp.BulkArray("1", "2", "3"), "MGET", K("a"), K("b"), K("c"));
        Expect(Resp.Int(-1), "TTL", K("a"));
    }

    [Fact]
    public void Mset_with_repeated_key_keeps_the_last_value()
    {
        Expect(Resp.Ok, "MSET", K(), "1", K(), "2");
        Expect(Resp.Bulk("2"), "GET", K());
    }

    [Fact]
    public void Mset_and_msetnx_with_odd_arguments_are_arity_errors()
    {
        Expect(Resp.WrongArity("mset"), "MSET", K("a"), "1", K("b"));
        Expect(Resp.WrongArity("mset"), "MSET", K("a"));
        Expect(Resp.WrongArity("msetnx"), "MSETNX", K("a"), "1", K("b"));
        Expect(Resp.Int(0), "EXISTS", K("a"), K("b"));
    }

    [Fact]
    public void Msetnx_sets_all_or_nothing()
    {
        Expect(Resp.Int(1), "MSETNX", K("a"), "1", K("b"), "2");
        Expect(Resp.BulkArray("1", "2"), "MGET", K("a"), K("b"));
        Expect(Resp.Int(0), "MSETNX", K("c"), "3", K("a"), "x");
        Expect(Resp.BulkArray(null, "1"), "MGET", K("c"), K("a"));
    }

    // ---- GETSET / GETDEL ----

    [Fact]
    public void Getset_returns_the_old_value_sets_the_new_and_clears_the_ttl()
    {
        Expect(Resp.Nil, "GETSET", K(), "a");
        Expect(Resp.Bulk("a"), "GET", K());
        Expect(Resp.Ok, "SET", K(), "b", "EX", "100");
        Expect(Resp.Bulk("b"), "GETSET", K(), "c");
        Expect(Resp.Bulk("c"), "GET", K());
        Expect(Resp.Int(-1), "TTL", K());
        Expect(Resp.WrongArity("getset"), "GETSET", K());
    }

    [Fact]
    public void Getdel_returns_the_value_and_deletes_the_key()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Bulk("v"), "GETDEL", K());
        Expect(Resp.Int(0), "EXISTS", K());
        Expect(Resp.Nil, "GETDEL", K());
        Expect(Resp.WrongArity("getdel"), "GETDEL");
        Expect(Resp.WrongArity("getdel"), "GETDEL", K(), K());
    }

    // ---- GETEX ----

    [Fact]
    public void Getex_without_options_is_a_get_that_keeps_the_ttl()
    {
        Expect(Resp.Ok, "SET", K(), "v", "EX", "100");
        Expect(Resp.Bulk("v"), "GETEX", K());
        Assert.InRange(Ttl(K()), 98, 100);
    }

    [Fact]
    public void Getex_of_missing_key_is_nil_and_creates_nothing()
    {
        Expect(Resp.Nil, "GETEX", K(), "EX", "100");
        Expect(Resp.Nil, "GETEX", K(), "PERSIST");
        Expect(Resp.Int(0), "EXISTS", K());
    }

    [Fact]
    public void Getex_ex_and_px_set_a_relative_ttl()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Bulk("v"), "GETEX", K(), "EX", "100");
        Assert.InRange(Ttl(K()), 98, 100);
        Expect(Resp.Bulk("v"), "GETEX", K(), "PX", "50000");
        Assert.InRange(Pttl(K()), 48_000, 50_000);
    }

    [Fact]
    public void Getex_exat_and_pxat_set_an_absolute_expire_time()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        var s = NowS() + 200;
        Expect(Resp.Bulk("v"), "GETEX", K(), "EXAT", s.ToString());
        Expect(Resp.Int(s), "EXPIRETIME", K());
        var ms = NowMs() + 300_000;
        Expect(Resp.Bulk("v"), "GETEX", K(), "PXAT", ms.ToString());
        Expect(Resp.Int(ms), "PEXPIRETIME", K());
    }

    [Fact]
    public void Getex_persist_removes_the_ttl()
    {
        Expect(Resp.Ok, "SET", K(), "v", "PX", "100000");
        Expect(Resp.Bulk("v"), "GETEX", K(), "PERSIST");
        Expect(Resp.Int(-1), "TTL", K());
    }

    [Fact]
    public void Getex_with_an_absolute_time_in_the_past_returns_the_value_and_deletes_the_key()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Bulk("v"), "GETEX", K(), "EXAT", "1");
        Expect(Resp.Int(0), "EXISTS", K());
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Bulk("v"), "GETEX", K(), "PXAT", "1");
        Expect(Resp.Int(0), "EXISTS", K());
    }

    [Fact]
    public void Getex_px_key_disappears_after_its_ttl()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Bulk("v"), "GETEX", K(), "PX", "50");
        Eventually.True(() => Cmd("GET", K()) == Resp.Nil, "key given PX 50 by GETEX expires");
    }

    [Theory]
    [InlineData("EX", "10", "PX", "10")]
    [InlineData("PERSIST", "EX", "10")]
    [InlineData("EX", "10", "PERSIST")]
    [InlineData("EXAT", "10", "PXAT", "10")]
    [InlineData("EX")]
    [InlineData("FOO")]
    [InlineData("KEEPTTL")]
    public void Getex_syntax_errors(params string[] options)
    {
        Expect(Resp.Ok, "SET", K(), "v", "EX", "100");
        Expect(Resp.SyntaxError, ["GETEX", K(), .. options]);
        Assert.InRange(Ttl(K()), 98, 100);
    }

    [Theory]
    [InlineData("EX", "0")]
    [InlineData("EX", "-1")]
    [InlineData("PX", "0")]
    [InlineData("EXAT", "0")]
    [InlineData("PXAT", "-1")]
    [InlineData("EX", "9999999999999999")]
    public void Getex_invalid_expire_time(string option, string value)
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.InvalidExpire("getex"), "GETEX", K(), option, value);
        Expect(Resp.Bulk("v"), "GET", K());
        Expect(Resp.Int(-1), "TTL", K());
    }

    [Fact]
    public void Getex_errors()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.NotInteger, "GETEX", K(), "PX", "abc");
        Expect(Resp.WrongArity("getex"), "GETEX");
    }
}
