using HyperCache.EndToEnd.Tests.Infrastructure;
using StackExchange.Redis;

namespace HyperCache.EndToEnd.Tests;

/// <summary>Sorted sets get a server of their own: their tests are many and independent of the other families.</summary>
[CollectionDefinition(Name)]
public sealed class SortedSetsCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "sortedsets";
}

/// <summary>
/// ZADD (NX XX GT LT CH INCR), ZINCRBY, ZREM, ZSCORE, ZMSCORE, ZCARD, ZCOUNT, ZLEXCOUNT, ZRANGE (BYSCORE BYLEX REV
/// LIMIT WITHSCORES) and its older forms, ZRANK/ZREVRANK, ZPOPMIN/ZPOPMAX, ZRANGESTORE, ZUNION/ZINTER/ZDIFF and
/// their *STORE forms (WEIGHTS AGGREGATE WITHSCORES), ZREMRANGEBY*, ZRANDMEMBER, ZSCAN, OBJECT ENCODING.
/// </summary>
[Collection(SortedSetsCollection.Name)]
public sealed class SortedSetTests(NodeFixture node) : E2ETest(node)
{
    private const string NotFloatRange = "ERR min or max is not a float";
    private const string NotLexRange = "ERR min or max not valid string range item";

    private void Abc(string key) => Expect(Resp.Int(3), "ZADD", key, "1", "a", "2", "b", "3", "c");

    [Fact]
    public void Zadd_adds_updates_and_counts_only_new_members()
    {
        Expect(Resp.Int(2), "ZADD", K(), "1", "a", "2", "b");
        Expect(Resp.Int(1), "ZADD", K(), "5", "a", "3", "c");
        Expect(Resp.BulkArray("b", "2", "c", "3", "a", "5"), "ZRANGE", K(), "0", "-1", "WITHSCORES");
        Expect(Resp.Int(2), "ZADD", K(), "CH", "6", "a", "3", "c", "4", "d"); // a changed, c the same, d added
        Expect(Resp.Int(4), "ZCARD", K());
        Expect(Resp.Simple("zset"), "TYPE", K());
        // A member named twice in one call: the second score wins, it counts once.
        Expect(Resp.Int(1), "ZADD", K("dup"), "1", "x", "2", "x");
        Expect(Resp.Bulk("2"), "ZSCORE", K("dup"), "x");
    }

    [Fact]
    public void Zadd_conditions_nx_xx_gt_lt()
    {
        Abc(K());
        Expect(Resp.Int(1), "ZADD", K(), "NX", "100", "a", "4", "d");
        Expect(Resp.Bulk("1"), "ZSCORE", K(), "a");
        Expect(Resp.Int(1), "ZADD", K(), "XX", "CH", "100", "a", "5", "e");
        Expect(Resp.Nil, "ZSCORE", K(), "e");
        Expect(Resp.Int(1), "ZADD", K(), "GT", "CH", "1", "a", "200", "b");
        Expect(Resp.BulkArray("100", "200"), "ZMSCORE", K(), "a", "b");
        Expect(Resp.Int(1), "ZADD", K(), "LT", "CH", "1", "a", "300", "c");
        Expect(Resp.BulkArray("1", "3"), "ZMSCORE", K(), "a", "c");
        // GT and LT still add new members; XX never creates the key.
        Expect(Resp.Int(1), "ZADD", K(), "GT", "7", "f");
        Expect(Resp.Int(0), "ZADD", K("none"), "XX", "1", "a");
        Expect(Resp.Int(0), "EXISTS", K("none"));
    }

    [Fact]
    public void Zadd_incr_and_zincrby_reply_the_new_score()
    {
        Expect(Resp.Bulk("2.5"), "ZINCRBY", K(), "2.5", "a");
        Expect(Resp.Bulk("3.5"), "ZADD", K(), "INCR", "1", "a");
        Expect(Resp.Nil, "ZADD", K(), "INCR", "NX", "5", "a");
        Expect(Resp.Nil, "ZADD", K(), "XX", "INCR", "5", "missing");
        Expect(Resp.Nil, "ZADD", K(), "GT", "INCR", "-1", "a");
        Expect(Resp.Bulk("3.5"), "ZSCORE", K(), "a");
        Expect(Resp.Bulk("-1"), "ZINCRBY", K(), "-4.5", "a");
        Expect(Resp.Bulk("inf"), "ZINCRBY", K(), "+inf", "b");
        Expect(Resp.Err("ERR resulting score is not a number (NaN)"), "ZINCRBY", K(), "-inf", "b");
        Expect(Resp.Bulk("inf"), "ZSCORE", K(), "b");
        Expect(Resp.NotFloat, "ZINCRBY", K(), "abc", "a");
    }

    [Fact]
    public void Zadd_option_and_argument_errors_are_redis_errors()
    {
        Expect(Resp.Err("ERR XX and NX options at the same time are not compatible"), "ZADD", K(), "XX", "NX", "1", "a");
        Expect(Resp.Err("ERR GT, LT, and/or NX options at the same time are not compatible"), "ZADD", K(), "GT", "LT", "1", "a");
        Expect(Resp.Err("ERR GT, LT, and/or NX options at the same time are not compatible"), "ZADD", K(), "NX", "GT", "1", "a");
        Expect(Resp.Err("ERR INCR option supports a single increment-element pair"), "ZADD", K(), "INCR", "1", "a", "2", "b");
        Expect(Resp.SyntaxError, "ZADD", K(), "GT", "1");
        Expect(Resp.SyntaxError, "ZADD", K(), "1", "a", "2");
        Expect(Resp.WrongArity("zadd"), "ZADD", K(), "1");
        Expect(Resp.NotFloat, "ZADD", K(), "nan", "a");
        Expect(Resp.NotFloat, "ZADD", K(), "1", "a", "x", "b");
        Expect(Resp.Int(0), "EXISTS", K()); // a bad score anywhere: nothing added
    }

    [Fact]
    public void Scores_are_printed_as_redis_7_0_prints_them()
    {
        Expect(Resp.Int(7), "ZADD", K(), "1.1", "a", "1e20", "b", "0.1", "c", "1e-5", "d", "123456789012345678", "e", "-0.0", "f", "-inf", "g");
        Expect(Resp.BulkArray(
                "g", "-inf", "f", "0", "d", "1.0000000000000001e-05", "c", "0.10000000000000001", "a", "1.1000000000000001",
                "e", "1.2345678901234568e+17", "b", "1e+20"),
            "ZRANGE", K(), "0", "-1", "WITHSCORES");
    }

    [Fact]
    public void Zrem_zcard_zscore_zmscore()
    {
        Abc(K());
        Expect(Resp.Int(2), "ZREM", K(), "a", "missing", "b", "b");
        Expect(Resp.Int(1), "ZCARD", K());
        Expect(Resp.Int(0), "ZREM", K("none"), "a");
        Expect(Resp.Int(0), "ZCARD", K("none"));
        Expect(Resp.Nil, "ZSCORE", K("none"), "a");
        Expect(Resp.Array(Resp.Nil, Resp.Bulk("3")), "ZMSCORE", K(), "a", "c");
        Expect(Resp.Array(Resp.Nil, Resp.Nil), "ZMSCORE", K("none"), "a", "b");
        Expect(Resp.Int(1), "ZREM", K(), "c");
        Expect(Resp.Int(0), "EXISTS", K()); // emptied: deleted
    }

    [Fact]
    public void Zrange_by_rank_with_negative_and_out_of_range_indexes()
    {
        Abc(K());
        Expect(Resp.BulkArray("b", "c"), "ZRANGE", K(), "-2", "-1");
        Expect(Resp.BulkArray("a", "b", "c"), "ZRANGE", K(), "-100", "100");
        Expect(Resp.EmptyArray, "ZRANGE", K(), "2", "1");
        Expect(Resp.EmptyArray, "ZRANGE", K(), "5", "10");
        Expect(Resp.BulkArray("c", "3", "b", "2"), "ZRANGE", K(), "0", "1", "REV", "WITHSCORES");
        Expect(Resp.BulkArray("c", "b"), "ZREVRANGE", K(), "0", "1");
        Expect(Resp.EmptyArray, "ZRANGE", K("none"), "0", "-1");
        Expect(Resp.NotInteger, "ZRANGE", K(), "a", "1");
        Expect(Resp.SyntaxError, "ZRANGE", K(), "0", "1", "FOO");
        Expect(Resp.Err("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"),
            "ZRANGE", K(), "0", "-1", "LIMIT", "0", "1");
        Expect(Resp.Err("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"),
            "ZREVRANGE", K(), "0", "-1", "LIMIT", "0", "1");
    }

    [Fact]
    public void Zrange_by_score_with_exclusive_bounds_infinities_rev_and_limit()
    {
        Expect(Resp.Int(5), "ZADD", K(), "-inf", "lo", "1", "a", "2", "b", "3", "c", "+inf", "hi");
        Expect(Resp.BulkArray("b", "2", "c", "3"), "ZRANGE", K(), "(1", "3", "BYSCORE", "WITHSCORES");
        Expect(Resp.BulkArray("c", "b"), "ZRANGE", K(), "3", "(1", "BYSCORE", "REV");
        Expect(Resp.BulkArray("lo", "a", "b", "c", "hi"), "ZRANGEBYSCORE", K(), "-inf", "+inf");
        Expect(Resp.BulkArray("a", "b"), "ZRANGEBYSCORE", K(), "-inf", "+inf", "LIMIT", "1", "2");
        Expect(Resp.BulkArray("b", "c", "hi"), "ZRANGEBYSCORE", K(), "-inf", "+inf", "LIMIT", "2", "-1");
        Expect(Resp.EmptyArray, "ZRANGEBYSCORE", K(), "-inf", "+inf", "LIMIT", "-1", "2");
        Expect(Resp.EmptyArray, "ZRANGEBYSCORE", K(), "-inf", "+inf", "LIMIT", "5", "2");
        Expect(Resp.BulkArray("hi", "inf", "c", "3"), "ZREVRANGEBYSCORE", K(), "+inf", "(2", "WITHSCORES", "LIMIT", "0", "2");
        Expect(Resp.EmptyArray, "ZRANGEBYSCORE", K(), "3", "1");
        Expect(Resp.Err(NotFloatRange), "ZRANGEBYSCORE", K(), "abc", "1");
        Expect(Resp.Err(NotFloatRange), "ZRANGEBYSCORE", K(), "1 ", "2");
        Expect(Resp.Err(NotFloatRange), "ZRANGE", K(), "(x", "1", "BYSCORE");
        Expect(Resp.SyntaxError, "ZRANGEBYSCORE", K(), "1", "2", "REV");
        Expect(Resp.Int(3), "ZCOUNT", K(), "1", "3");
        Expect(Resp.Int(1), "ZCOUNT", K(), "(1", "(3");
        Expect(Resp.Int(5), "ZCOUNT", K(), "-inf", "+inf");
        Expect(Resp.Int(0), "ZCOUNT", K(), "3", "1");
        Expect(Resp.Err(NotFloatRange), "ZCOUNT", K(), "x", "1");
    }

    [Fact]
    public void Zrange_by_lex_with_inclusive_exclusive_and_infinite_bounds()
    {
        Expect(Resp.Int(7), "ZADD", K(), "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "f", "0", "g");
        Expect(Resp.BulkArray("b", "c", "d"), "ZRANGEBYLEX", K(), "[b", "(e");
        Expect(Resp.BulkArray("d", "c", "b"), "ZREVRANGEBYLEX", K(), "(e", "[b");
        Expect(Resp.BulkArray("c"), "ZRANGEBYLEX", K(), "[b", "(e", "LIMIT", "1", "1");
        Expect(Resp.BulkArray("e", "f", "g"), "ZRANGE", K(), "(d", "+", "BYLEX");
        Expect(Resp.BulkArray("g", "f"), "ZRANGE", K(), "+", "(e", "BYLEX", "REV");
        Expect(Resp.EmptyArray, "ZRANGEBYLEX", K(), "+", "-");
        Expect(Resp.Int(7), "ZLEXCOUNT", K(), "-", "+");
        Expect(Resp.Int(5), "ZLEXCOUNT", K(), "[c", "+");
        Expect(Resp.Err(NotLexRange), "ZRANGEBYLEX", K(), "b", "e");
        Expect(Resp.Err(NotLexRange), "ZLEXCOUNT", K(), "[c", "x");
        Expect(Resp.Err(NotLexRange), "ZRANGEBYLEX", K(), "-a", "+");
        Expect(Resp.Err("ERR syntax error, WITHSCORES not supported in combination with BYLEX"),
            "ZRANGEBYLEX", K(), "-", "+", "WITHSCORES");
    }

    [Fact]
    public void Zrank_and_zrevrank()
    {
        Abc(K());
        Expect(Resp.Int(0), "ZRANK", K(), "a");
        Expect(Resp.Int(2), "ZREVRANK", K(), "a");
        Expect(Resp.Nil, "ZRANK", K(), "missing");
        Expect(Resp.Nil, "ZRANK", K("none"), "a");
        if (Node.IsRedis) return; // WITHSCORE is Redis 7.2; 7.0.15 refuses the fourth argument
        Expect(Resp.Array(Resp.Int(1), Resp.Bulk("2")), "ZRANK", K(), "b", "WITHSCORE");
        Expect(Resp.Array(Resp.Int(2), Resp.Bulk("1")), "ZREVRANK", K(), "a", "WITHSCORE");
        Expect("*-1\r\n", "ZRANK", K(), "missing", "WITHSCORE");
        Expect(Resp.SyntaxError, "ZRANK", K(), "a", "WITHSCORES");
    }

    [Fact]
    public void Zpopmin_and_zpopmax()
    {
        Expect(Resp.Int(4), "ZADD", K(), "1", "a", "2", "b", "3", "c", "4", "d");
        Expect(Resp.BulkArray("a", "1"), "ZPOPMIN", K());
        Expect(Resp.BulkArray("d", "4", "c", "3"), "ZPOPMAX", K(), "2");
        Expect(Resp.EmptyArray, "ZPOPMIN", K(), "0");
        Expect(Resp.Err("ERR value is out of range, must be positive"), "ZPOPMIN", K(), "-1");
        Expect(Resp.Err("ERR value is out of range, must be positive"), "ZPOPMAX", K(), "1.5");
        Expect(Resp.SyntaxError, "ZPOPMIN", K(), "1", "2");
        Expect(Resp.BulkArray("b", "2"), "ZPOPMIN", K(), "10");
        Expect(Resp.Int(0), "EXISTS", K());
        Expect(Resp.EmptyArray, "ZPOPMAX", K());
    }

    [Fact]
    public void Zremrangebyrank_score_and_lex()
    {
        Expect(Resp.Int(5), "ZADD", K(), "1", "a", "2", "b", "3", "c", "4", "d", "5", "e");
        Expect(Resp.Int(2), "ZREMRANGEBYRANK", K(), "0", "1");
        Expect(Resp.Int(1), "ZREMRANGEBYRANK", K(), "-1", "-1");
        Expect(Resp.Int(0), "ZREMRANGEBYRANK", K(), "5", "10");
        Expect(Resp.BulkArray("c", "d"), "ZRANGE", K(), "0", "-1");
        Expect(Resp.Int(1), "ZREMRANGEBYSCORE", K(), "(3", "+inf");
        Expect(Resp.Int(0), "ZREMRANGEBYSCORE", K(), "10", "20");
        Expect(Resp.Err(NotFloatRange), "ZREMRANGEBYSCORE", K(), "a", "b");
        Expect(Resp.Int(1), "ZREMRANGEBYSCORE", K(), "-inf", "+inf");
        Expect(Resp.Int(0), "EXISTS", K());

        Expect(Resp.Int(4), "ZADD", K("lex"), "0", "a", "0", "b", "0", "c", "0", "d");
        Expect(Resp.Int(2), "ZREMRANGEBYLEX", K("lex"), "[b", "[c");
        Expect(Resp.BulkArray("a", "d"), "ZRANGE", K("lex"), "0", "-1");
        Expect(Resp.Err(NotLexRange), "ZREMRANGEBYLEX", K("lex"), "b", "c");
        Expect(Resp.Int(0), "ZREMRANGEBYLEX", K("none"), "-", "+");
    }

    [Fact]
    public void Zunion_zinter_zdiff_with_weights_and_aggregates()
    {
        Abc(K("1"));
        Expect(Resp.Int(3), "ZADD", K("2"), "10", "b", "20", "c", "30", "d");
        Expect(Resp.BulkArray("a", "1", "b", "12", "c", "23", "d", "30"), "ZUNION", "2", K("1"), K("2"), "WITHSCORES");
        Expect(Resp.BulkArray("b", "12", "c", "23"), "ZINTER", "2", K("1"), K("2"), "WITHSCORES");
        Expect(Resp.BulkArray("a", "1"), "ZDIFF", "2", K("1"), K("2"), "WITHSCORES");
        Expect(Resp.BulkArray("a", "2", "b", "34", "c", "66", "d", "90"), "ZUNION", "2", K("1"), K("2"), "WEIGHTS", "2", "3", "WITHSCORES");
        Expect(Resp.BulkArray("a", "1", "b", "10", "c", "20", "d", "30"), "ZUNION", "2", K("1"), K("2"), "AGGREGATE", "MAX", "WITHSCORES");
        Expect(Resp.BulkArray("b", "2", "c", "3"), "ZINTER", "2", K("1"), K("2"), "AGGREGATE", "MIN", "WITHSCORES");
        Expect(Resp.BulkArray("a", "b", "c"), "ZUNION", "2", K("1"), K("none"));
        Expect(Resp.EmptyArray, "ZINTER", "2", K("1"), K("none"));
        // 0 * inf is NaN, which Redis turns into 0.
        Expect(Resp.Int(1), "ZADD", K("inf"), "inf", "a");
        Expect(Resp.BulkArray("a", "0"), "ZUNION", "1", K("inf"), "WEIGHTS", "0", "WITHSCORES");
    }

    [Fact]
    public void Zintercard_counts_the_intersection_up_to_a_limit()
    {
        Abc(K("1"));
        Expect(Resp.Int(3), "ZADD", K("2"), "10", "b", "20", "c", "30", "d");
        Expect(Resp.Int(2), "ZINTERCARD", "2", K("1"), K("2"));
        Expect(Resp.Int(1), "ZINTERCARD", "2", K("1"), K("2"), "LIMIT", "1");
        Expect(Resp.Int(2), "ZINTERCARD", "2", K("1"), K("2"), "LIMIT", "0");
        Expect(Resp.Int(0), "ZINTERCARD", "2", K("1"), K("none"));
        Expect(Resp.Err("ERR LIMIT can't be negative"), "ZINTERCARD", "2", K("1"), K("2"), "LIMIT", "-1");
        Expect(Resp.SyntaxError, "ZINTERCARD", "2", K("1"), K("2"), "WEIGHTS", "1", "1");
        Expect(Resp.Err("ERR at least 1 input key is needed for 'zintercard' command"), "ZINTERCARD", "0", K("1"));
    }

    [Fact]
    public void Zmpop_pops_from_the_first_existing_key()
    {
        Abc(K("1"));
        Expect(Resp.Array(Resp.Bulk(K("1")), Resp.Array(Resp.BulkArray("a", "1"))), "ZMPOP", "2", K("none"), K("1"), "MIN");
        Expect(Resp.Array(Resp.Bulk(K("1")), Resp.Array(Resp.BulkArray("c", "3"), Resp.BulkArray("b", "2"))),
            "ZMPOP", "1", K("1"), "MAX", "COUNT", "10");
        Expect(Resp.Int(0), "EXISTS", K("1"));
        Expect("*-1\r\n", "ZMPOP", "1", K("1"), "MIN");
        Expect(Resp.Err("ERR numkeys should be greater than 0"), "ZMPOP", "0", K("1"), "MIN");
        Expect(Resp.Err("ERR count should be greater than 0"), "ZMPOP", "1", K("1"), "MIN", "COUNT", "0");
        Expect(Resp.SyntaxError, "ZMPOP", "1", K("1"), "MIDDLE");
        Expect(Resp.SyntaxError, "ZMPOP", "2", K("1"), "MIN");
    }

    [Fact]
    public void Store_forms_replace_or_delete_the_destination()
    {
        Abc(K("1"));
        Expect(Resp.Int(3), "ZADD", K("2"), "10", "b", "20", "c", "30", "d");
        Expect(Resp.Ok, "SET", K("d"), "string", "EX", "100");
        Expect(Resp.Int(4), "ZUNIONSTORE", K("d"), "2", K("1"), K("2"));
        Expect(Resp.Int(-1), "TTL", K("d"));
        Expect(Resp.BulkArray("a", "1", "b", "12", "c", "23", "d", "30"), "ZRANGE", K("d"), "0", "-1", "WITHSCORES");
        Expect(Resp.Int(2), "ZINTERSTORE", K("d"), "2", K("1"), K("2"), "WEIGHTS", "1", "0");
        Expect(Resp.BulkArray("b", "2", "c", "3"), "ZRANGE", K("d"), "0", "-1", "WITHSCORES");
        Expect(Resp.Int(1), "ZDIFFSTORE", K("d"), "2", K("1"), K("2"));
        Expect(Resp.BulkArray("a"), "ZRANGE", K("d"), "0", "-1");
        Expect(Resp.Int(0), "ZDIFFSTORE", K("d"), "2", K("1"), K("1"));
        Expect(Resp.Int(0), "EXISTS", K("d"));
        // The destination may be one of the sources.
        Expect(Resp.Int(4), "ZUNIONSTORE", K("1"), "2", K("1"), K("2"));
        Expect(Resp.Int(4), "ZCARD", K("1"));
    }

    [Fact]
    public void Set_operation_argument_errors()
    {
        Abc(K("1"));
        Expect(Resp.Ok, "SET", K("s"), "x");
        Expect(Resp.Err("ERR at least 1 input key is needed for 'zunion' command"), "ZUNION", "0", K("1"));
        Expect(Resp.Err("ERR at least 1 input key is needed for 'zunionstore' command"), "ZUNIONSTORE", K("d"), "0", K("1"));
        Expect(Resp.NotInteger, "ZUNION", "x", K("1"));
        Expect(Resp.SyntaxError, "ZUNION", "3", K("1"), K("2"));
        Expect(Resp.SyntaxError, "ZUNION", "2", K("1"), K("2"), "WEIGHTS", "1");
        Expect(Resp.Err("ERR weight value is not a float"), "ZUNION", "2", K("1"), K("2"), "WEIGHTS", "1", "x");
        Expect(Resp.SyntaxError, "ZUNION", "2", K("1"), K("2"), "AGGREGATE", "AVG");
        Expect(Resp.SyntaxError, "ZDIFF", "2", K("1"), K("2"), "WEIGHTS", "1", "1");
        Expect(Resp.SyntaxError, "ZUNIONSTORE", K("d"), "2", K("1"), K("2"), "WITHSCORES");
        // Sources are looked up before the options are read.
        Expect(Resp.WrongType, "ZUNION", "2", K("1"), K("s"), "BOGUS");
        Expect(Resp.WrongArity("zunionstore"), "ZUNIONSTORE", K("d"), "1");
    }

    [Fact]
    public void Zrangestore_stores_any_range_form()
    {
        Expect(Resp.Int(4), "ZADD", K("src"), "1", "a", "2", "b", "3", "c", "4", "d");
        Expect(Resp.Int(2), "ZRANGESTORE", K("dst"), K("src"), "1", "2");
        Expect(Resp.BulkArray("b", "2", "c", "3"), "ZRANGE", K("dst"), "0", "-1", "WITHSCORES");
        Expect(Resp.Int(2), "ZRANGESTORE", K("dst"), K("src"), "+inf", "(2", "BYSCORE", "REV", "LIMIT", "0", "2");
        Expect(Resp.BulkArray("c", "d"), "ZRANGE", K("dst"), "0", "-1");
        Expect(Resp.SyntaxError, "ZRANGESTORE", K("dst"), K("src"), "0", "-1", "WITHSCORES");
        Expect(Resp.Int(0), "ZRANGESTORE", K("dst"), K("none"), "0", "-1");
        Expect(Resp.Int(0), "EXISTS", K("dst"));
    }

    [Fact]
    public void Zrandmember_counts_and_errors()
    {
        Abc(K());
        Expect(Resp.Nil, "ZRANDMEMBER", K("none"));
        Expect(Resp.EmptyArray, "ZRANDMEMBER", K("none"), "5");
        Expect(Resp.EmptyArray, "ZRANDMEMBER", K(), "0");
        // A count at least the size returns the whole set, highest first (Redis's iteration order).
        Expect(Resp.BulkArray("c", "b", "a"), "ZRANDMEMBER", K(), "5");
        Expect(Resp.BulkArray("c", "3", "b", "2", "a", "1"), "ZRANDMEMBER", K(), "3", "WITHSCORES");
        Assert.Contains(Resp.Parse(Cmd("ZRANDMEMBER", K()))!, new[] { "a", "b", "c" });
        var distinct = (List<object?>)Resp.Parse(Cmd("ZRANDMEMBER", K(), "2"))!;
        Assert.Equal(2, distinct.Distinct().Count());
        var repeated = (List<object?>)Resp.Parse(Cmd("ZRANDMEMBER", K(), "-10"))!;
        Assert.Equal(10, repeated.Count);
        Assert.All(repeated, m => Assert.Contains(m, new[] { "a", "b", "c" }));
        Expect(Resp.SyntaxError, "ZRANDMEMBER", K(), "1", "FOO");
        Expect(Resp.NotInteger, "ZRANDMEMBER", K(), "x");
        Expect(Resp.Err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"),
            "ZRANDMEMBER", K(), "-9223372036854775808");
        Expect(Resp.Err("ERR value is out of range"), "ZRANDMEMBER", K(), "-9223372036854775807", "WITHSCORES");
    }

    [Fact]
    public void Zscan_small_sets_come_whole_and_big_ones_by_cursor()
    {
        Expect(Resp.Int(3), "ZADD", K(), "1", "a", "1.5", "b", "2", "c");
        Expect(Resp.Array(Resp.Bulk("0"), Resp.BulkArray("a", "1", "b", "1.5", "c", "2")), "ZSCAN", K(), "0", "COUNT", "1");
        Expect(Resp.Array(Resp.Bulk("0"), Resp.BulkArray("b", "1.5")), "ZSCAN", K(), "0", "MATCH", "b*");
        Expect(Resp.Array(Resp.Bulk("0"), Resp.EmptyArray), "ZSCAN", K("none"), "0");
        Expect(Resp.SyntaxError, "ZSCAN", K(), "0", "TYPE", "zset");
        Expect(Resp.SyntaxError, "ZSCAN", K(), "0", "COUNT", "0");
        Expect(Resp.Err("ERR invalid cursor"), "ZSCAN", K(), "x");

        var args = new List<string> { "ZADD", K("big") };
        for (int i = 0; i < 300; i++) args.AddRange([i.ToString(), "m" + i]);
        Expect(Resp.Int(300), args.ToArray());
        var seen = new Dictionary<string, string>();
        string cursor = "0";
        int calls = 0;
        do
        {
            var reply = (List<object?>)Resp.Parse(Cmd("ZSCAN", K("big"), cursor, "COUNT", "50"))!;
            cursor = (string)reply[0]!;
            var items = (List<object?>)reply[1]!;
            for (int i = 0; i < items.Count; i += 2) seen[(string)items[i]!] = (string)items[i + 1]!;
            Assert.True(++calls < 1000, "ZSCAN never returned cursor 0");
        } while (cursor != "0");
        Assert.Equal(300, seen.Count);
        Assert.Equal("299", seen["m299"]);
    }

    [Fact]
    public void Object_encoding_follows_redis_listpack_limits()
    {
        var args = new List<string> { "ZADD", K() };
        for (int i = 0; i < 128; i++) args.AddRange([i.ToString(), "m" + i]);
        Expect(Resp.Int(128), args.ToArray());
        Expect(Resp.Bulk("listpack"), "OBJECT", "ENCODING", K());
        Expect(Resp.Int(1), "ZADD", K(), "128", "m128");
        Expect(Resp.Bulk("skiplist"), "OBJECT", "ENCODING", K());
        Expect(Resp.Int(120), "ZREMRANGEBYRANK", K(), "0", "119");
        Expect(Resp.Bulk("skiplist"), "OBJECT", "ENCODING", K()); // no conversion back
        Expect(Resp.Int(9), "ZUNIONSTORE", K("copy"), "1", K());
        Expect(Resp.Bulk("listpack"), "OBJECT", "ENCODING", K("copy")); // a new set is sized afresh
        Expect(Resp.Int(1), "ZADD", K("long"), "1", new string('x', 64));
        Expect(Resp.Bulk("listpack"), "OBJECT", "ENCODING", K("long"));
        Expect(Resp.Int(1), "ZADD", K("long"), "1", new string('x', 65));
        Expect(Resp.Bulk("skiplist"), "OBJECT", "ENCODING", K("long"));
    }

    [Fact]
    public void Wrong_type_errors_for_every_family()
    {
        Expect(Resp.Ok, "SET", K(), "string");
        foreach (var command in new[]
        {
            new[] { "ZADD", K(), "1", "a" }, ["ZINCRBY", K(), "1", "a"], ["ZREM", K(), "a"], ["ZCARD", K()],
            ["ZSCORE", K(), "a"], ["ZMSCORE", K(), "a"], ["ZCOUNT", K(), "0", "1"], ["ZLEXCOUNT", K(), "-", "+"],
            ["ZRANGE", K(), "0", "-1"], ["ZRANGEBYSCORE", K(), "0", "1"], ["ZRANGEBYLEX", K(), "-", "+"], ["ZRANK", K(), "a"],
            ["ZPOPMIN", K()], ["ZREMRANGEBYRANK", K(), "0", "1"], ["ZRANDMEMBER", K()], ["ZSCAN", K(), "0"],
            ["ZRANGESTORE", K("d"), K(), "0", "-1"], ["ZINTER", "1", K()], ["ZDIFFSTORE", K("d"), "1", K()],
        })
        {
            Expect(Resp.WrongType, command);
        }
        Expect(Resp.Bulk("string"), "GET", K());
        Expect(Resp.Int(0), "EXISTS", K("d"));
    }

    [Fact]
    public void Binary_members_and_byte_order()
    {
        var members = new[] { "\0", "\0\0", "\u00ff", "a\r\nb", "" };
        var args = new List<string> { "ZADD", K() };
        foreach (var m in members) args.AddRange(["0", m]);
        Expect(Resp.Int(5), args.ToArray());
        // Equal scores: ordered by bytes, a prefix first.
        Expect(Resp.BulkArray("", "\0", "\0\0", "a\r\nb", "\u00ff"), "ZRANGE", K(), "0", "-1");
        Expect(Resp.Bulk("0"), "ZSCORE", K(), "a\r\nb");
        Expect(Resp.BulkArray("\0", "\0\0"), "ZRANGEBYLEX", K(), "(", "(a");
    }

    [Fact]
    public void Stackexchange_redis_sorted_set_api()
    {
        var db = Node.Db();
        Assert.True(db.SortedSetAdd(K(), "alice", 10));
        Assert.Equal(2, db.SortedSetAdd(K(), [new SortedSetEntry("bob", 5), new SortedSetEntry("carol", 7.5)]));
        Assert.Equal(12.5, db.SortedSetIncrement(K(), "alice", 2.5));
        Assert.Equal(3, db.SortedSetLength(K()));
        Assert.Equal(["bob", "carol", "alice"], db.SortedSetRangeByRank(K()).Select(v => (string)v!).ToArray());
        Assert.Equal(["alice", "carol"], db.SortedSetRangeByScore(K(), 6, double.PositiveInfinity, order: Order.Descending).Select(v => (string)v!).ToArray());
        var top = db.SortedSetRangeByRankWithScores(K(), 0, 0, Order.Descending);
        Assert.Equal("alice", (string)top[0].Element!);
        Assert.Equal(12.5, top[0].Score);
        Assert.Equal(1, db.SortedSetRank(K(), "carol"));
        Assert.Equal(7.5, db.SortedSetScore(K(), "carol"));
        Assert.Null(db.SortedSetScore(K(), "nobody"));
        var popped = db.SortedSetPop(K(), Order.Ascending);
        Assert.Equal("bob", (string)popped!.Value.Element!);
        Assert.True(db.SortedSetRemove(K(), "carol"));
        Assert.Equal(1, db.SortedSetLength(K()));
        Assert.Equal(1, db.SortedSetCombineAndStore(SetOperation.Union, K("u"), K(), K("missing")));
        Assert.Equal(12.5, db.SortedSetScore(K("u"), "alice"));
        Assert.Single(db.SortedSetScan(K()));
    }
}
