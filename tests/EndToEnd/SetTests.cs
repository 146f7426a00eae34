using HyperCache.EndToEnd.Tests.Infrastructure;
using StackExchange.Redis;

namespace HyperCache.EndToEnd.Tests;

/// <summary>SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE SINTER SUNION SDIFF SINTERSTORE
/// SUNIONSTORE SDIFFSTORE SINTERCARD SSCAN, and OBJECT ENCODING of sets. Multi-key tests use one hash tag.</summary>
[Collection(HashesSetsCollection.Name)]
public sealed class SetTests(NodeFixture node) : E2ETest(node)
{
    /// <summary>Keys of one test that share a hash tag (one slot, as a cluster would need).</summary>
    private string T(string name) => "{" + Prefix + "}" + name;

    private List<string> Items(params string[] command) => Resp.ParseFlatArray(Cmd(command)).Select(i => i!).ToList();

    private List<string> Sorted(params string[] command) => [.. Items(command).Order(StringComparer.Ordinal)];

    private static string[] Numbers(int from, int to) => Enumerable.Range(from, to - from).Select(i => i.ToString()).ToArray();

    [Fact]
    public void Sadd_srem_scard_sismember_smismember()
    {
        Expect(Resp.Int(3), "SADD", K(), "a", "b", "c", "a");
        Expect(Resp.Int(1), "SADD", K(), "a", "d");
        Expect(Resp.Int(4), "SCARD", K());
        Expect(Resp.Int(0), "SCARD", K("missing"));
        Expect(Resp.Int(1), "SISMEMBER", K(), "a");
        Expect(Resp.Int(0), "SISMEMBER", K(), "z");
        Expect(Resp.Int(0), "SISMEMBER", K("missing"), "a");
        Expect(Resp.Array(Resp.Int(1), Resp.Int(0), Resp.Int(1)), "SMISMEMBER", K(), "a", "z", "b");
        Expect(Resp.Array(Resp.Int(0)), "SMISMEMBER", K("missing"), "a");
        Expect(Resp.Int(2), "SREM", K(), "a", "z", "b", "a");
        Expect(Resp.Int(0), "SREM", K(), "z");
        Expect(Resp.Int(0), "SREM", K("missing"), "a");
        Expect(["c", "d"], Sorted("SMEMBERS", K()));
        Expect(Resp.Simple("set"), "TYPE", K());
        Expect(Resp.Int(2), "SREM", K(), "c", "d");
        Expect(Resp.Int(0), "EXISTS", K());
    }

    private void Expect(List<string> expected, List<string> actual) => Assert.Equal(expected, actual);

    [Fact]
    public void An_intset_lists_its_members_in_numeric_order()
    {
        Expect(Resp.Int(4), "SADD", K(), "5", "-3", "100", "2");
        Expect(Resp.BulkArray("-3", "2", "5", "100"), "SMEMBERS", K());
        Expect(Resp.Bulk("intset"), "OBJECT", "ENCODING", K());
        Expect(Resp.Array(Resp.Bulk("0"), Resp.BulkArray("-3", "2", "5", "100")), "SSCAN", K(), "0", "COUNT", "1");
        Expect(Resp.Array(Resp.Bulk("0"), Resp.BulkArray("5")), "SSCAN", K(), "0", "MATCH", "5*");
        Expect(Resp.BulkArray("-3", "2", "5", "100"), "SRANDMEMBER", K(), "10");
        Expect(Resp.EmptyArray, "SMEMBERS", K("missing"));
    }

    [Fact]
    public void Object_encoding_intset_until_a_non_integer_or_too_many_members()
    {
        Expect(Resp.Int(512), ["SADD", K("many"), .. Numbers(0, 512)]);
        Expect(Resp.Bulk("intset"), "OBJECT", "ENCODING", K("many"));
        Expect(Resp.Int(1), "SADD", K("many"), "512");
        Expect(Resp.Bulk("hashtable"), "OBJECT", "ENCODING", K("many"));
        Expect(Resp.Int(510), ["SREM", K("many"), .. Numbers(0, 510)]);
        Expect(Resp.Bulk("hashtable"), "OBJECT", "ENCODING", K("many")); // no way back

        Expect(Resp.Int(2), "SADD", K("mixed"), "1", "a");
        Expect(Resp.Bulk("hashtable"), "OBJECT", "ENCODING", K("mixed"));
        // Not canonical integers: not an intset.
        foreach (var odd in new[] { "01", "+1", "-0", "1.0", " 1", "9223372036854775808" })
        {
            Expect(Resp.Int(1), "SADD", K(odd), odd);
            Expect(Resp.Bulk("hashtable"), "OBJECT", "ENCODING", K(odd));
        }
        Expect(Resp.Int(2), "SADD", K("extremes"), "-9223372036854775808", "9223372036854775807");
        Expect(Resp.Bulk("intset"), "OBJECT", "ENCODING", K("extremes"));
        Expect(Resp.BulkArray("-9223372036854775808", "9223372036854775807"), "SMEMBERS", K("extremes"));
    }

    [Fact]
    public void Sinter_sunion_sdiff()
    {
        Expect(Resp.Int(5), "SADD", T("u"), "1", "2", "3", "4", "5");
        Expect(Resp.Int(4), "SADD", T("v"), "4", "5", "6", "7");
        Expect(Resp.Int(3), "SADD", T("w"), "x", "y", "4");
        Expect(Resp.BulkArray("4", "5"), "SINTER", T("u"), T("v"));
        Expect(Resp.BulkArray("1", "2", "3", "4", "5", "6", "7"), "SUNION", T("v"), T("u"));
        Expect(Resp.BulkArray("1", "2", "3"), "SDIFF", T("u"), T("v"));
        Expect(Resp.BulkArray("6", "7"), "SDIFF", T("v"), T("u"));
        Expect(Resp.BulkArray("4"), "SINTER", T("u"), T("v"), T("w"));
        Expect(["1", "2", "3", "4", "5", "6", "7", "x", "y"], Sorted("SUNION", T("u"), T("v"), T("w")));
        Expect(Resp.BulkArray("1", "2", "3", "4", "5"), "SINTER", T("u"));
        Expect(Resp.EmptyArray, "SINTER", T("u"), T("missing"));
        Expect(Resp.BulkArray("1", "2", "3", "4", "5"), "SUNION", T("u"), T("missing"));
        Expect(Resp.EmptyArray, "SDIFF", T("missing"), T("u"));
        Expect(Resp.BulkArray("1", "2", "3", "4", "5"), "SDIFF", T("u"), T("missing"));
        Expect(Resp.EmptyArray, "SDIFF", T("u"), T("u"));
    }

    [Fact]
    public void Set_algebra_checks_every_key_type_first()
    {
        Expect(Resp.Int(1), "SADD", T("s"), "1");
        Expect(Resp.Ok, "SET", T("str"), "x");
        Expect(Resp.WrongType, "SINTER", T("missing"), T("str"));
        Expect(Resp.WrongType, "SINTER", T("s"), T("str"));
        Expect(Resp.WrongType, "SUNION", T("str"));
        Expect(Resp.WrongType, "SDIFF", T("missing"), T("str"));
        Expect(Resp.WrongType, "SINTERSTORE", T("d"), T("missing"), T("str"));
        Expect(Resp.WrongType, "SINTERCARD", "2", T("missing"), T("str"));
        Expect(Resp.Int(0), "EXISTS", T("d"));
    }

    [Fact]
    public void Store_variants_replace_the_destination()
    {
        Expect(Resp.Int(5), "SADD", T("u"), "1", "2", "3", "4", "5");
        Expect(Resp.Int(4), "SADD", T("v"), "4", "5", "6", "7");
        Expect(Resp.Int(2), "SINTERSTORE", T("d"), T("u"), T("v"));
        Expect(Resp.BulkArray("4", "5"), "SMEMBERS", T("d"));
        Expect(Resp.Bulk("intset"), "OBJECT", "ENCODING", T("d"));
        Expect(Resp.Int(7), "SUNIONSTORE", T("d"), T("u"), T("v"));
        Expect(Resp.BulkArray("1", "2", "3", "4", "5", "6", "7"), "SMEMBERS", T("d"));
        Expect(Resp.Int(3), "SDIFFSTORE", T("d"), T("u"), T("v"));
        Expect(Resp.BulkArray("1", "2", "3"), "SMEMBERS", T("d"));
        // The destination may be a source.
        Expect(Resp.Int(7), "SUNIONSTORE", T("d"), T("d"), T("v"));
        Expect(Resp.BulkArray("1", "2", "3", "4", "5", "6", "7"), "SMEMBERS", T("d"));
        // An empty result deletes the destination.
        Expect(Resp.Int(0), "SINTERSTORE", T("d"), T("u"), T("missing"));
        Expect(Resp.Int(0), "EXISTS", T("d"));
        Expect(Resp.Int(0), "SDIFFSTORE", T("none"), T("missing"));
        Expect(Resp.Int(0), "EXISTS", T("none"));
        // Any type is replaced, and its TTL goes with it.
        Expect(Resp.Ok, "SET", T("str"), "x", "EX", "100");
        Expect(Resp.Int(5), "SUNIONSTORE", T("str"), T("u"));
        Expect(Resp.Simple("set"), "TYPE", T("str"));
        Expect(Resp.Int(-1), "TTL", T("str"));
        Expect(Resp.Int(1), "SADD", T("w"), "a");
        Expect(Resp.Int(6), "SUNIONSTORE", T("d"), T("u"), T("w"));
        Expect(Resp.Bulk("hashtable"), "OBJECT", "ENCODING", T("d"));
    }

    [Fact]
    public void Sintercard_counts_up_to_the_limit()
    {
        Expect(Resp.Int(5), "SADD", T("u"), "1", "2", "3", "4", "5");
        Expect(Resp.Int(4), "SADD", T("v"), "3", "4", "5", "6");
        Expect(Resp.Int(3), "SINTERCARD", "2", T("u"), T("v"));
        Expect(Resp.Int(5), "SINTERCARD", "1", T("u"));
        Expect(Resp.Int(2), "SINTERCARD", "2", T("u"), T("v"), "LIMIT", "2");
        Expect(Resp.Int(3), "SINTERCARD", "2", T("u"), T("v"), "limit", "0");
        Expect(Resp.Int(3), "SINTERCARD", "2", T("u"), T("v"), "LIMIT", "1", "LIMIT", "10");
        Expect(Resp.Int(0), "SINTERCARD", "2", T("u"), T("missing"));
        Expect(Resp.Err("ERR numkeys should be greater than 0"), "SINTERCARD", "0", T("u"));
        Expect(Resp.Err("ERR numkeys should be greater than 0"), "SINTERCARD", "-1", T("u"));
        Expect(Resp.Err("ERR numkeys should be greater than 0"), "SINTERCARD", "x", T("u"));
        Expect(Resp.Err("ERR Number of keys can't be greater than number of args"), "SINTERCARD", "3", T("u"), T("v"));
        Expect(Resp.Err("ERR LIMIT can't be negative"), "SINTERCARD", "1", T("u"), "LIMIT", "-1");
        Expect(Resp.Err("ERR LIMIT can't be negative"), "SINTERCARD", "1", T("u"), "LIMIT", "x");
        Expect(Resp.SyntaxError, "SINTERCARD", "1", T("u"), "LIMIT");
        Expect(Resp.SyntaxError, "SINTERCARD", "1", T("u"), "FOO", "1");
        Expect(Resp.SyntaxError, "SINTERCARD", "1", T("u"), T("v"));
    }

    [Fact]
    public void Smove_between_sets()
    {
        Expect(Resp.Int(3), "SADD", T("a"), "1", "2", "3");
        Expect(Resp.Int(1), "SADD", T("b"), "9");
        Expect(Resp.Int(1), "SMOVE", T("a"), T("b"), "1");
        Expect(Resp.BulkArray("2", "3"), "SMEMBERS", T("a"));
        Expect(Resp.BulkArray("1", "9"), "SMEMBERS", T("b"));
        Expect(Resp.Int(0), "SMOVE", T("a"), T("b"), "99");
        Expect(Resp.Int(0), "SMOVE", T("missing"), T("b"), "1");
        Expect(Resp.Int(1), "SMOVE", T("a"), T("a"), "2"); // same key: a member stays where it is
        Expect(Resp.Int(0), "SMOVE", T("a"), T("a"), "99");
        Expect(Resp.Int(1), "SMOVE", T("a"), T("new"), "2");
        Expect(Resp.BulkArray("2"), "SMEMBERS", T("new"));
        Expect(Resp.Int(1), "SMOVE", T("a"), T("b"), "3"); // the last member: the source goes
        Expect(Resp.Int(0), "EXISTS", T("a"));
        Expect(Resp.Int(1), "SMOVE", T("b"), T("c"), "1");
        Expect(Resp.Int(1), "SADD", T("b"), "1"); // a member already in the destination
        Expect(Resp.Int(1), "SMOVE", T("b"), T("c"), "1");
        Expect(Resp.BulkArray("1"), "SMEMBERS", T("c"));
        Expect(Resp.BulkArray("3", "9"), "SMEMBERS", T("b"));

        Expect(Resp.Ok, "SET", T("str"), "x");
        Expect(Resp.WrongType, "SMOVE", T("b"), T("str"), "3");
        Expect(Resp.WrongType, "SMOVE", T("b"), T("str"), "99"); // the destination is checked first
        Expect(Resp.WrongType, "SMOVE", T("str"), T("b"), "3");
        Expect(Resp.Int(0), "SMOVE", T("missing"), T("str"), "3");
        Expect(Resp.BulkArray("3", "9"), "SMEMBERS", T("b"));
    }

    [Fact]
    public void Spop_removes_what_it_returns()
    {
        Expect(Resp.Nil, "SPOP", K("missing"));
        Expect(Resp.EmptyArray, "SPOP", K("missing"), "3");
        Expect(Resp.Int(10), ["SADD", K(), .. Numbers(0, 10)]);
        var one = (string)Resp.Parse(Cmd("SPOP", K()))!;
        Expect(Resp.Int(0), "SISMEMBER", K(), one);
        var three = Items("SPOP", K(), "3");
        Assert.Equal(3, three.Distinct().Count());
        foreach (var member in three) Expect(Resp.Int(0), "SISMEMBER", K(), member);
        Expect(Resp.Int(6), "SCARD", K());
        Expect(Resp.EmptyArray, "SPOP", K(), "0");
        var rest = Items("SPOP", K(), "100");
        Assert.Equal(Numbers(0, 10).Except(three.Append(one)).Order(), rest.Order());
        Expect(Resp.Int(0), "EXISTS", K());
    }

    [Fact]
    public void Spop_and_srandmember_argument_errors()
    {
        Expect(Resp.Int(1), "SADD", K(), "a");
        Expect(Resp.Ok, "SET", K("str"), "x");
        const string Positive = "-ERR value is out of range, must be positive\r\n";
        Expect(Positive, "SPOP", K(), "-1");
        Expect(Positive, "SPOP", K(), "x");
        Expect(Positive, "SPOP", K("missing"), "-1");
        Expect(Positive, "SPOP", K("str"), "-1");
        Expect(Resp.SyntaxError, "SPOP", K(), "1", "2");
        Expect(Resp.WrongType, "SPOP", K("str"));
        Expect(Resp.WrongType, "SPOP", K("str"), "0");
        Expect(Resp.NotInteger, "SRANDMEMBER", K(), "x");
        Expect(Resp.NotInteger, "SRANDMEMBER", K("str"), "x");
        Expect(Resp.SyntaxError, "SRANDMEMBER", K(), "1", "2");
        Expect(Resp.Err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"),
            "SRANDMEMBER", K(), "-9223372036854775808");
        Expect(Resp.WrongType, "SRANDMEMBER", K("str"));
        Expect(Resp.WrongType, "SRANDMEMBER", K("str"), "1");
        Expect(Resp.Int(1), "SCARD", K());
    }

    [Fact]
    public void Srandmember_counts()
    {
        Expect(Resp.Nil, "SRANDMEMBER", K("missing"));
        Expect(Resp.EmptyArray, "SRANDMEMBER", K("missing"), "3");
        Expect(Resp.EmptyArray, "SRANDMEMBER", K("missing"), "-3");
        Expect(Resp.Int(3), "SADD", K(), "a", "b", "c");
        Assert.Contains(Resp.Parse(Cmd("SRANDMEMBER", K())), new object[] { "a", "b", "c" });
        Expect(Resp.EmptyArray, "SRANDMEMBER", K(), "0");
        Expect(["a", "b", "c"], Sorted("SRANDMEMBER", K(), "3"));
        Expect(["a", "b", "c"], Sorted("SRANDMEMBER", K(), "9223372036854775807"));
        for (int i = 0; i < 20; i++)
        {
            var two = Items("SRANDMEMBER", K(), "2");
            Assert.Equal(2, two.Distinct().Count());
        }
        var repeated = Items("SRANDMEMBER", K(), "-100");
        Assert.Equal(100, repeated.Count);
        Assert.Equal(["a", "b", "c"], repeated.Distinct().Order());
        Expect(Resp.Int(3), "SCARD", K());
    }

    /// <summary>Redis 7.0.15 would try to build the reply (and hang); we refuse beyond ten million repeats.</summary>
    [HyperCacheFact]
    public void Huge_negative_counts_are_refused()
    {
        Expect(Resp.Int(1), "SADD", K("s"), "a");
        Expect(Resp.Int(1), "HSET", K("h"), "a", "1");
        Expect(Resp.Err("ERR value is out of range"), "SRANDMEMBER", K("s"), "-10000001");
        Expect(Resp.Err("ERR value is out of range"), "HRANDFIELD", K("h"), "-10000001");
        Expect(Resp.Err("ERR value is out of range"), "HRANDFIELD", K("h"), "-9223372036854775807");
        Assert.Equal(1000, Items("SRANDMEMBER", K("s"), "-1000").Count);
    }

    [Fact]
    public void Random_picks_from_a_big_set_are_spread_and_distinct()
    {
        Expect(Resp.Int(2000), ["SADD", K(), .. Enumerable.Range(0, 2000).Select(i => "m" + i)]);
        var picks = Items("SRANDMEMBER", K(), "1500");
        Assert.Equal(1500, picks.Distinct().Count());
        var popped = Items("SPOP", K(), "1999");
        Assert.Equal(1999, popped.Distinct().Count());
        var last = Items("SMEMBERS", K());
        Assert.Single(last);
        Assert.DoesNotContain(last[0], popped);
    }

    [Fact]
    public void Sscan_cursor_and_option_errors()
    {
        Expect(Resp.Int(1), "SADD", K(), "a");
        Expect(Resp.Ok, "SET", K("str"), "x");
        Expect(Resp.Err("ERR invalid cursor"), "SSCAN", K(), "x");
        Expect(Resp.Err("ERR invalid cursor"), "SSCAN", K(), "18446744073709551616");
        Expect(Resp.SyntaxError, "SSCAN", K(), "0", "COUNT", "0");
        Expect(Resp.NotInteger, "SSCAN", K(), "0", "COUNT", "x");
        Expect(Resp.SyntaxError, "SSCAN", K(), "0", "MATCH");
        Expect(Resp.WrongType, "SSCAN", K("str"), "0");
        Expect(Resp.WrongType, "SSCAN", K("str"), "0", "COUNT", "0");
        Expect(Resp.Array(Resp.Bulk("0"), Resp.EmptyArray), "SSCAN", K("missing"), "0", "COUNT", "0");
        Expect(Resp.Array(Resp.Bulk("0"), Resp.BulkArray("a")), "SSCAN", K(), "0", "MATCH", "*");
    }

    [Fact]
    public void Sscan_of_a_big_set_sees_every_member_present_throughout()
    {
        Expect(Resp.Int(1500), ["SADD", K(), .. Enumerable.Range(0, 1500).Select(i => "m" + i)]);
        var seen = new HashSet<string>();
        string cursor = "0";
        int calls = 0, added = 0;
        do
        {
            var reply = (List<object?>)Resp.Parse(Cmd("SSCAN", K(), cursor, "COUNT", "25"))!;
            cursor = (string)reply[0]!;
            foreach (var member in ((List<object?>)reply[1]!).Cast<string>()) seen.Add(member);
            if (calls % 4 == 0) Cmd(["SADD", K(), .. Enumerable.Range(0, 200).Select(i => "new" + added++)]);
            if (calls % 4 == 2) Cmd(["SREM", K(), .. Enumerable.Range(0, 200).Select(i => "m" + (500 + (calls * 200 + i) % 1000))]);
            calls++;
        }
        while (cursor != "0");
        Assert.True(calls > 10, $"iterated in {calls} calls");
        for (int i = 0; i < 500; i++) Assert.Contains("m" + i, seen);
    }

    [Fact]
    public void Wrong_type_and_wrong_arity()
    {
        Expect(Resp.Ok, "SET", K(), "string");
        string[][] commands =
        [
            ["SADD", K(), "a"], ["SREM", K(), "a"], ["SMEMBERS", K()], ["SISMEMBER", K(), "a"], ["SMISMEMBER", K(), "a"],
            ["SCARD", K()], ["SPOP", K()], ["SRANDMEMBER", K()], ["SSCAN", K(), "0"],
        ];
        foreach (var command in commands) Expect(Resp.WrongType, command);
        Expect(Resp.Bulk("string"), "GET", K());
        Expect(Resp.Int(1), "SADD", K("set"), "a");
        Expect(Resp.WrongType, "GET", K("set"));
        Expect(Resp.WrongType, "HGET", K("set"), "a");

        Expect(Resp.WrongArity("sadd"), "SADD", K());
        Expect(Resp.WrongArity("srem"), "SREM", K());
        Expect(Resp.WrongArity("smembers"), "SMEMBERS");
        Expect(Resp.WrongArity("sismember"), "SISMEMBER", K());
        Expect(Resp.WrongArity("smismember"), "SMISMEMBER", K());
        Expect(Resp.WrongArity("smove"), "SMOVE", K(), K("b"));
        Expect(Resp.WrongArity("sinter"), "SINTER");
        Expect(Resp.WrongArity("sinterstore"), "SINTERSTORE", K());
        Expect(Resp.WrongArity("sintercard"), "SINTERCARD", "1");
        Expect(Resp.WrongArity("sscan"), "SSCAN", K());
    }

    [Fact]
    public void Members_are_binary_safe()
    {
        string odd = "m\0\r\n\u00ff";
        Expect(Resp.Int(2), "SADD", K(), odd, "");
        Expect(Resp.Int(1), "SISMEMBER", K(), odd);
        Expect(Resp.Int(1), "SISMEMBER", K(), "");
        Expect(Resp.Int(0), "SISMEMBER", K(), "m");
        Expect(["", odd], Sorted("SMEMBERS", K()));
    }

    [Fact]
    public void Sets_through_the_client_library()
    {
        var db = Node.Db();
        string a = T("a"), b = T("b"), d = T("d");
        Assert.Equal(3, db.SetAdd(a, ["x", "y", "z"]));
        Assert.True(db.SetAdd(b, "y"));
        Assert.False(db.SetAdd(b, "y"));
        Assert.True(db.SetContains(a, "x"));
        Assert.Equal([true, false], db.SetContains(a, ["y", "nope"]));
        Assert.Equal(3, db.SetLength(a));
        Assert.Equal(["x", "z"], db.SetCombine(SetOperation.Difference, a, b).Select(v => (string)v!).Order());
        Assert.Equal(["y"], db.SetCombine(SetOperation.Intersect, a, b).Select(v => (string)v!));
        Assert.Equal(3, db.SetCombineAndStore(SetOperation.Union, d, a, b));
        Assert.Equal(1, db.SetIntersectionLength([a, b]));
        Assert.True(db.SetMove(a, b, "x"));
        Assert.Equal(["x", "y"], db.SetMembers(b).Select(v => (string)v!).Order());
        Assert.Equal(["x", "y"], db.SetScan(b, pageSize: 1).Select(v => (string)v!).Order());
        var popped = (string?)db.SetPop(a);
        Assert.Contains(popped, new[] { "y", "z" });
        Assert.Equal(1, db.SetLength(a));
        Assert.True(db.SetRemove(d, "x"));
        Assert.Equal(2, db.SetRandomMembers(d, 5).Length);
    }
}
