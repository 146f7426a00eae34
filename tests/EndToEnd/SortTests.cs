using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>SORT and SORT_RO as Redis 7.0: numeric and ALPHA order, BY weights (string keys and hash fields), BY
/// nosort, LIMIT, GET (# and patterns), STORE, and the errors. Passes against redis-server too.</summary>
[Collection(ServerCollection.Name)]
public sealed class SortTests(NodeFixture node) : E2ETest(node)
{
    [Fact]
    public void Lists_sets_and_sorted_sets_sort_numerically_or_alphabetically()
    {
        Cmd("RPUSH", K("l"), "3", "1", "2", "10");
        Expect(Resp.BulkArray("1", "2", "3", "10"), "SORT", K("l"));
        Expect(Resp.BulkArray("10", "3", "2", "1"), "SORT", K("l"), "DESC");
        Expect(Resp.BulkArray("1", "10", "2", "3"), "SORT", K("l"), "ALPHA");
        Expect(Resp.BulkArray("2", "3"), "SORT", K("l"), "LIMIT", "1", "2");
        Expect(Resp.BulkArray("3", "2"), "SORT", K("l"), "LIMIT", "1", "2", "DESC");
        Expect(Resp.EmptyArray, "SORT", K("l"), "LIMIT", "10", "2");
        Expect(Resp.BulkArray("1", "2", "3", "10"), "SORT_RO", K("l"), "LIMIT", "-5", "-1");

        Cmd("SADD", K("s"), "5", "3", "9", "-1.5");
        Expect(Resp.BulkArray("-1.5", "3", "5", "9"), "SORT", K("s"));
        Cmd("ZADD", K("z"), "1", "c", "2", "a", "3", "b");
        Expect(Resp.BulkArray("a", "b", "c"), "SORT", K("z"), "ALPHA");
        Expect(Resp.BulkArray("c", "a", "b"), "SORT", K("z"), "BY", "nosort");
        Expect(Resp.BulkArray("b", "a", "c"), "SORT", K("z"), "BY", "nosort", "DESC");
        Expect(Resp.BulkArray("a", "b"), "SORT", K("z"), "BY", "nosort", "LIMIT", "1", "2");
        Expect(Resp.BulkArray("3", "1", "2", "10"), "SORT", K("l"), "BY", "nosort", "DESC", "DESC", "ASC"); // the last word wins
        Expect(Resp.BulkArray("10", "2", "1", "3"), "SORT", K("l"), "BY", "nosort", "DESC");
        Expect(Resp.EmptyArray, "SORT", K("missing"));
    }

    [Fact]
    public void By_and_get_patterns_read_other_keys_and_hash_fields()
    {
        string p = K();
        Cmd("RPUSH", K("ids"), "1", "2", "3");
        Cmd("MSET", $"{p}w_1", "30", $"{p}w_2", "10", $"{p}w_3", "20", $"{p}name_1", "ann", $"{p}name_3", "cy");
        Expect(Resp.BulkArray("2", "3", "1"), "SORT", K("ids"), "BY", $"{p}w_*");
        Expect(Resp.BulkArray(null, "cy", "ann"), "SORT", K("ids"), "BY", $"{p}w_*", "GET", $"{p}name_*");
        Expect(Resp.BulkArray("2", null, "3", "cy"), "SORT", K("ids"), "BY", $"{p}w_*", "GET", "#", "GET", $"{p}name_*", "LIMIT", "0", "2");

        Cmd("HSET", $"{p}u_1", "age", "41", "nick", "x");
        Cmd("HSET", $"{p}u_2", "age", "7");
        Cmd("HSET", $"{p}u_3", "age", "19", "nick", "z");
        Expect(Resp.BulkArray("1", "3", "2"), "SORT", K("ids"), "BY", $"{p}u_*->age", "DESC");
        Expect(Resp.BulkArray("x", "z", null), "SORT", K("ids"), "BY", $"{p}u_*->age", "DESC", "GET", $"{p}u_*->nick");
        // Equal weights fall back to the elements' bytes; a missing weight is 0.
        Cmd("RPUSH", K("t"), "b", "a", "c", "d");
        Cmd("MSET", $"{p}wt_a", "1", $"{p}wt_b", "1", $"{p}wt_c", "-2");
        Expect(Resp.BulkArray("c", "d", "a", "b"), "SORT", K("t"), "BY", $"{p}wt_*");
        Expect(Resp.BulkArray("b", "a", "d", "c"), "SORT", K("t"), "BY", $"{p}wt_*", "DESC");
    }

    [Fact]
    public void Store_replaces_the_destination_with_a_list()
    {
        Cmd("RPUSH", K("l"), "3", "1", "2");
        Cmd("SET", K("dst"), "was a string", "EX", "100");
        Expect(Resp.Int(3), "SORT", K("l"), "STORE", K("dst"));
        Expect(Resp.BulkArray("1", "2", "3"), "LRANGE", K("dst"), "0", "-1");
        Expect(Resp.Int(-1), "TTL", K("dst"));
        Expect(Resp.Int(6), "SORT", K("l"), "GET", "#", "GET", K("nothing_*"), "STORE", K("dst"));
        Expect(Resp.BulkArray("1", "", "2", "", "3", ""), "LRANGE", K("dst"), "0", "-1");
        // A set has no order of its own: BY nosort with STORE sorts it by the elements.
        Cmd("SADD", K("s"), "b", "c", "a");
        Expect(Resp.Int(3), "SORT", K("s"), "BY", "nosort", "STORE", K("dst"));
        Expect(Resp.BulkArray("a", "b", "c"), "LRANGE", K("dst"), "0", "-1");
        Expect(Resp.Int(0), "SORT", K("missing"), "STORE", K("dst"));
        Expect(Resp.Int(0), "EXISTS", K("dst"));
    }

    [Fact]
    public void Bad_input_gets_redis_errors()
    {
        Cmd("RPUSH", K("l"), "1", "x");
        Expect(Resp.Err("ERR One or more scores can't be converted into double"), "SORT", K("l"));
        Expect(Resp.BulkArray("1", "x"), "SORT", K("l"), "ALPHA");
        Expect(Resp.SyntaxError, "SORT", K("l"), "LIMIT", "1");
        Expect(Resp.NotInteger, "SORT", K("l"), "LIMIT", "a", "1");
        Expect(Resp.SyntaxError, "SORT", K("l"), "ALPHA", "SIDEWAYS");
        Expect(Resp.SyntaxError, "SORT_RO", K("l"), "STORE", K("dst"));
        Cmd("SET", K("str"), "v");
        Expect(Resp.WrongType, "SORT", K("str"));
        Expect(Resp.WrongArity("sort"), "SORT");
    }
}
