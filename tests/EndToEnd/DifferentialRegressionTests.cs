using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// What the differential tests found, pinned one by one (so a change to their generators cannot lose it): exact
/// replies of redis-server 7.0.15 (the suite passes with HYPERCACHE_E2E_TARGET=redis).
/// </summary>
[Collection(KeysCollection.Name)]
public sealed class DifferentialRegressionTests(NodeFixture node) : E2ETest(node)
{
    [Fact]
    public void Incrbyfloat_adds_in_long_double_and_prints_every_digit()
    {
        Expect(Resp.Ok, "SET", K("n"), "9223372036854775807");
        Expect(Resp.Bulk("9223372036854775795"), "INCRBYFLOAT", K("n"), "-12.25");
        Expect(Resp.Bulk("0.1"), "INCRBYFLOAT", K("f"), "0.1");
        Expect(Resp.Bulk("0.2"), "INCRBYFLOAT", K("f"), "0.1");
        Expect(Resp.Bulk("1000000000000000000024696061952"), "INCRBYFLOAT", K("big"), "1e30");
        var reply = Cmd("INCRBYFLOAT", K("huge"), "1e308");
        Assert.StartsWith("$308\r\n99999999999999999996685879655845645660560099847415567207797047994921734868838061872", reply);
        Expect(Resp.Bulk("16.5"), "INCRBYFLOAT", K("hex"), "0x10.8");
        Expect(Resp.Bulk("1.5"), "HINCRBYFLOAT", K("h"), "f", "0x1.8p0");
        Expect(Resp.Ok, "SET", K("nul"), "5\0a");
        Expect(Resp.NotFloat, "INCRBYFLOAT", K("nul"), "1");
        Expect(Resp.Ok, "SET", K("f"), "0.1");
        Expect(Resp.Bulk("0.3"), "INCRBYFLOAT", K("f"), "0.2");
    }

    /// <summary>Farthest first keeps equal distances in scan order, as nearest first does (Redis's qsort is glibc's
    /// stable merge sort); reversing the nearest-first order turned them around (found with another seed).</summary>
    [Fact]
    public void Geo_farthest_first_keeps_equal_distances_in_scan_order()
    {
        Expect(Resp.Int(3), "GEOADD", K("g"), "13.361389", "38.115556", "a", "13.361389", "38.115556", "b", "15.087269", "37.502669", "c");
        Expect(Resp.BulkArray("a", "b", "c"), "GEORADIUS", K("g"), "15", "37", "200", "km", "DESC");
        Expect(Resp.BulkArray("a", "b", "c"), "GEOSEARCH", K("g"), "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "DESC");
        Expect(Resp.BulkArray("c", "a", "b"), "GEORADIUS", K("g"), "15", "37", "200", "km", "ASC");
    }

    /// <summary>With COUNT keeping fewer than it found, Redis orders with its partial quicksort (pqsort), which is not
    /// stable: twelve members at one point, the nearest three are c, m1, m10, not c, m0, m1.</summary>
    [Fact]
    public void Geo_count_picks_among_equal_distances_as_redis_s_partial_quicksort_does()
    {
        Expect(Resp.Int(13), ["GEOADD", K("g"), .. Enumerable.Range(0, 12).SelectMany(i => new[] { "13.361389", "38.115556", "m" + i }), "15.087269", "37.502669", "c"]);
        Expect(Resp.BulkArray("c", "m1", "m10"), "GEORADIUS", K("g"), "15", "37", "200", "km", "ASC", "COUNT", "3");
        Expect(Resp.BulkArray("m0", "m1", "m10"), "GEORADIUS", K("g"), "15", "37", "200", "km", "DESC", "COUNT", "3");
        Expect(Resp.BulkArray("m0", "m1", "m10", "m11", "m2"), "GEOSEARCH", K("g"), "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "DESC", "COUNT", "5");
    }

    [Fact]
    public void Incrbyfloat_checks_the_type_before_the_increment()
    {
        Expect(Resp.Int(1), "RPUSH", K("l"), "a");
        Expect(Resp.WrongType, "INCRBYFLOAT", K("l"), "abc");
    }

    [Fact]
    public void Floats_accept_hex_and_refuse_overflow_except_in_score_ranges()
    {
        Expect(Resp.Bulk("16"), "ZINCRBY", K("z"), "0x10", "m");
        Expect(Resp.NotFloat, "ZADD", K("z"), "1e400", "m");
        Expect(Resp.NotFloat, "ZADD", K("z"), "1e-400", "m");
        Expect(Resp.Int(1), "ZCOUNT", K("z"), "-1e400", "1e400");
        Expect(Resp.Int(1), "ZCOUNT", K("z"), "0x1p4", "0x1p4");
    }

    [Fact]
    public void A_computed_negative_zero_score_replies_as_negative_zero_but_is_stored_as_zero()
    {
        Expect(Resp.Bulk("-0"), "ZINCRBY", K("z"), "-0", "m");
        Expect(Resp.Bulk("0"), "ZSCORE", K("z"), "m");
        Expect(Resp.Bulk("0"), "ZINCRBY", K("z"), "-0", "m");
    }

    [Fact]
    public void Set_and_getex_check_the_option_syntax_before_the_expiry_time()
    {
        Expect(Resp.SyntaxError, "SET", K("s"), "v", "EX", "-1", "GET", "KEEPTTL");
        Expect(Resp.SyntaxError, "SET", K("s"), "v", "EX", "x", "BOGUS");
        Expect(Resp.Ok, "SET", K("s"), "v", "EX", "100", "EX", "200");
        Expect(Resp.SyntaxError, "SET", K("s"), "v", "EX", "100", "PX", "200");
        Expect(Resp.Nil, "GETEX", K("missing"), "EX", "-1");
        Expect(Resp.Int(1), "RPUSH", K("l"), "a");
        Expect(Resp.WrongType, "GETEX", K("l"), "EX", "0");
        Expect(Resp.InvalidExpire("getex"), "GETEX", K("s"), "EX", "0");
        Expect(Resp.SyntaxError, "GETEX", K("s"), "PERSIST", "EX", "10");
    }

    [Fact]
    public void Setrange_checks_the_type_before_the_size_and_an_empty_value_only_answers_the_length()
    {
        Expect(Resp.Int(1), "RPUSH", K("l"), "a");
        Expect(Resp.WrongType, "SETRANGE", K("l"), "536870911", "abc");
        Expect(Resp.Int(0), "SETRANGE", K("missing"), "99999999999", "");
        Expect(Resp.Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"), "SETRANGE", K("missing"), "536870911", "abc");
    }

    [Fact]
    public void Expire_checks_its_options_before_the_time()
    {
        Expect(Resp.Err("ERR NX and XX, GT or LT options at the same time are not compatible"), "EXPIRE", K("k"), "x", "NX", "XX");
        Expect(Resp.Err("ERR Unsupported option BOGUS"), "PEXPIREAT", K("k"), "x", "BOGUS");
    }

    [Fact]
    public void Expiretime_near_the_largest_time_does_not_overflow()
    {
        Expect(Resp.Ok, "SET", K("k"), "v");
        Expect(Resp.Int(1), "PEXPIREAT", K("k"), "9223372036854775807");
        Expect(Resp.Int(9223372036854776), "EXPIRETIME", K("k"));
    }

    [Fact]
    public void Blmpop_and_bzmpop_check_the_timeout_last()
    {
        Expect(Resp.Err("ERR count should be greater than 0"), "BLMPOP", "-1", "1", K("l"), "LEFT", "COUNT", "0");
        Expect(Resp.Err("ERR count should be greater than 0"), "BZMPOP", "-1", "1", K("z"), "MIN", "COUNT", "0");
        Expect(Resp.SyntaxError, "BLMPOP", "-1", "1", K("l"), "UP");
        Expect(Resp.Err("ERR timeout is negative"), "BZMPOP", "-1", "1", K("z"), "MIN");
    }

    [Fact]
    public void Blmove_inside_exec_answers_an_empty_source_with_a_null_bulk()
    {
        Expect(Resp.Ok, "MULTI");
        Expect(Resp.Simple("QUEUED"), "BLMOVE", K("empty"), K("d"), "LEFT", "LEFT", "0");
        Expect(Resp.Simple("QUEUED"), "BRPOPLPUSH", K("empty"), K("d"), "0");
        Expect(Resp.Simple("QUEUED"), "BLPOP", K("empty"), "0");
        Expect("*3\r\n$-1\r\n$-1\r\n*-1\r\n", "EXEC");
    }
}
