using HyperCache.EndToEnd.Tests.Infrastructure;
using StackExchange.Redis;

namespace HyperCache.EndToEnd.Tests;

/// <summary>KEYS glob patterns and SCAN (MATCH, COUNT, TYPE, full iteration to cursor 0).</summary>
[Collection(KeysCollection.Name)]
public sealed class KeyPatternTests(NodeFixture node) : E2ETest(node)
{
    /// <summary>Reserved for the full-iteration SCAN test (see KeyspaceTests for the other reserved dbs).</summary>
    public const int ScanDb = 4;

    private static readonly string[] Names =
    [
        "hello", "hallo", "hxllo", "hllo", "heello", "h*llo", "h?llo", "h[a]llo", "h\\llo", "h^llo", "h-llo", "a", "b", "c",
    ];

    private void CreateNames()
    {
        var args = new List<string> { "MSET" };
        foreach (var n in Names)
        {
            args.Add(K(n));
            args.Add("1");
        }
        Expect(Resp.Ok, [.. args]);
    }

    private List<string> Keys(string pattern)
    {
        var reply = Cmd("KEYS", Prefix + pattern);
        return Resp.ParseFlatArray(reply).Select(k => k![Prefix.Length..]).Order(StringComparer.Ordinal).ToList();
    }

    [Theory]
    [InlineData("*", "a b c h*llo h-llo h?llo h[a]llo h\\llo h^llo hallo heello hello hllo hxllo")]
    [InlineData("h?llo", "h*llo h-llo h?llo h\\llo h^llo hallo hello hxllo")]
    [InlineData("h*llo", "h*llo h-llo h?llo h[a]llo h\\llo h^llo hallo heello hello hllo hxllo")]
    [InlineData("h[ae]llo", "hallo hello")]
    [InlineData("h[^e]llo", "h*llo h-llo h?llo h\\llo h^llo hallo hxllo")]
    [InlineData("h[a-b]llo", "hallo")]
    [InlineData("h[a-z]llo", "hallo hello hxllo")]
    // A reversed range is swapped.
    [InlineData("h[z-a]llo", "hallo hello hxllo")]
    [InlineData("[abc]", "a b c")]
    [InlineData("[a-b]", "a b")]
    [InlineData("[^abh]*", "c")]
    [InlineData("h\\*llo", "h*llo")]
    [InlineData("h\\?llo", "h?llo")]
    [InlineData("h\\[a\\]llo", "h[a]llo")]
    [InlineData("h\\\\llo", "h\\llo")]
    [InlineData("h[\\^]llo", "h^llo")]
    // Inside a class, a backslash escapes the next character: [\-] is just '-'.
    [InlineData("h[\\-]llo", "h-llo")]
    // '!' is not a negation in Redis globs: it is a literal class member.
    [InlineData("h[!e]llo", "hello")]
    [InlineData("hello", "hello")]
    [InlineData("h?", "")]
    [InlineData("nomatch*", "")]
    [InlineData("?", "a b c")]
    [InlineData("*llo", "h*llo h-llo h?llo h[a]llo h\\llo h^llo hallo heello hello hllo hxllo")]
    [InlineData("h**o", "h*llo h-llo h?llo h[a]llo h\\llo h^llo hallo heello hello hllo hxllo")]
    public void Keys_glob_patterns(string pattern, string expected)
    {
        CreateNames();
        var want = expected.Length == 0 ? [] : expected.Split(' ').Order(StringComparer.Ordinal).ToList();
        Assert.Equal(want, Keys(pattern));
    }

    [Fact]
    public void Keys_skips_expired_keys()
    {
        Expect(Resp.Ok, "SET", K("live"), "v");
        Expect(Resp.Ok, "SET", K("dying"), "v", "PX", "20");
        Eventually.True(() => Keys("*").SequenceEqual(new[] { "live" }), "KEYS no longer lists the expired key");
    }

    /// <summary>Redis's regression for CVE-2022-36021: a pattern of many stars that cannot match a long key took a
    /// backtracking matcher forever, holding a request thread; SCAN MATCH, HSCAN and PSUBSCRIBE use the same matcher.</summary>
    [Fact]
    public void A_pattern_of_many_stars_is_answered()
    {
        Expect(Resp.Ok, "SET", K(new string('a', 150)), "1");
        Expect(Resp.Ok, "SET", K(new string('a', 200)), "2");
        Assert.Empty(Keys(string.Concat(Enumerable.Repeat("a*", 40)) + "b"));
        // 100 "a*" need at least 100 a's (a recursion limit once made such patterns match nothing).
        Assert.Equal([new string('a', 150), new string('a', 200)], Keys(string.Concat(Enumerable.Repeat("a*", 100))));
        Expect(Resp.Pong, "PING");
    }

    [Fact]
    public void Keys_with_wrong_arity()
    {
        Expect(Resp.WrongArity("keys"), "KEYS");
        Expect(Resp.WrongArity("keys"), "KEYS", "a", "b");
    }

    // ---- SCAN ----

    private HashSet<string> ScanAll(int count, params string[] options)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var cursor = "0";
        var calls = 0;
        do
        {
            var args = new List<string> { "SCAN", cursor, "COUNT", count.ToString() };
            args.AddRange(options);
            var (next, keys) = Resp.ParseScan(Cmd([.. args]));
            found.UnionWith(keys);
            cursor = next;
            Assert.True(++calls < 10_000, "SCAN did not return to cursor 0");
        }
        while (cursor != "0");
        return found;
    }

    [Fact]
    public void Scan_iterates_the_whole_database_back_to_cursor_zero()
    {
        Expect(Resp.Ok, "SELECT", ScanDb.ToString());
        var expected = Enumerable.Range(0, 250).Select(i => K(i.ToString())).ToHashSet();
        foreach (var chunk in expected.Chunk(50))
        {
            Expect(Resp.Ok, ["MSET", .. chunk.SelectMany(k => new[] { k, "v" })]);
        }
        Assert.Equal(expected.Order(), ScanAll(7).Order());
        Assert.Equal(expected.Order(), ScanAll(1000).Order());
        Assert.Equal(expected.Order(), ScanAll(10, "TYPE", "string").Order());
        Assert.Empty(ScanAll(50, "TYPE", "list"));
        Expect(Resp.Int(250), ["DEL", .. expected]);
    }

    [Fact]
    public void Type_and_scan_type_know_every_data_type()
    {
        Expect(Resp.Ok, "SELECT", ScanDb.ToString());
        Expect(Resp.Ok, "SET", K("string"), "v");
        Expect(Resp.Int(1), "RPUSH", K("list"), "a");
        Expect(Resp.Int(1), "HSET", K("hash"), "f", "v");
        Expect(Resp.Int(1), "SADD", K("set"), "m");
        Expect(Resp.Int(1), "ZADD", K("zset"), "1", "m");
        foreach (var type in new[] { "string", "list", "hash", "set", "zset" })
        {
            Expect(Resp.Simple(type), "TYPE", K(type));
            Assert.Equal(new[] { K(type) }, ScanAll(3, "MATCH", Prefix + "*", "TYPE", type).ToArray());
        }
        Expect(Resp.Int(5), "DEL", K("string"), K("list"), K("hash"), K("set"), K("zset"));
    }

    [Fact]
    public void Scan_match_returns_exactly_the_matching_keys()
    {
        for (var i = 0; i < 60; i++)
        {
            Expect(Resp.Ok, "SET", K($"{(i % 3 == 0 ? "x" : "y")}{i}"), "v");
        }
        var expected = Enumerable.Range(0, 60).Where(i => i % 3 == 0).Select(i => K($"x{i}")).ToHashSet();
        Assert.Equal(expected.Order(), ScanAll(10, "MATCH", Prefix + "x*").Order());
        Assert.Equal(expected.Order(), ScanAll(5, "MATCH", Prefix + "x*", "TYPE", "string").Order());
        Assert.Equal(expected.Order(), ScanAll(5, "TYPE", "string", "MATCH", Prefix + "x*").Order());
        Assert.Equal(new[] { K("x3"), K("x30"), K("x33"), K("x36"), K("x39") }.Order(), ScanAll(3, "MATCH", Prefix + "x3*").Order());
        Assert.Equal(new[] { K("x3"), K("x33") }.Order(), ScanAll(3, "MATCH", Prefix + "x3[^069]").Concat(ScanAll(3, "MATCH", Prefix + "x3")).Order());
        Assert.Empty(ScanAll(10, "MATCH", Prefix + "z*"));
    }

    [Fact]
    public void Scan_without_count_uses_a_default_and_still_terminates()
    {
        for (var i = 0; i < 30; i++)
        {
            Expect(Resp.Ok, "SET", K(i.ToString()), "v");
        }
        var found = new HashSet<string>();
        var cursor = "0";
        var calls = 0;
        do
        {
            var (next, keys) = Resp.ParseScan(Cmd("SCAN", cursor, "MATCH", Prefix + "*"));
            found.UnionWith(keys);
            cursor = next;
            Assert.True(++calls < 100_000, "SCAN did not return to cursor 0");
        }
        while (cursor != "0");
        Assert.Equal(30, found.Count);
    }

    [Fact]
    public void Scan_through_the_client_library()
    {
        var db = Node.Db();
        for (var i = 0; i < 40; i++)
        {
            db.StringSet(K(i.ToString()), "v");
        }
        var keys = Node.Server.Keys(0, Prefix + "*", pageSize: 7).Select(k => (string)k!).ToHashSet();
        Assert.Equal(Enumerable.Range(0, 40).Select(i => K(i.ToString())).Order(), keys.Order());
    }

    [Theory]
    [InlineData("ERR invalid cursor", "abc")]
    [InlineData("ERR invalid cursor", "1.5")]
    [InlineData("ERR invalid cursor", "18446744073709551616")]
    [InlineData("ERR syntax error", "0", "COUNT", "0")]
    [InlineData("ERR syntax error", "0", "COUNT", "-1")]
    [InlineData("ERR value is not an integer or out of range", "0", "COUNT", "abc")]
    [InlineData("ERR syntax error", "0", "FOO")]
    [InlineData("ERR syntax error", "0", "MATCH")]
    [InlineData("ERR syntax error", "0", "COUNT")]
    [InlineData("ERR syntax error", "0", "TYPE")]
    [InlineData("ERR syntax error", "0", "MATCH", "*", "FOO", "x")]
    public void Scan_errors(string error, params string[] args)
    {
        Expect(Resp.Err(error), ["SCAN", .. args]);
    }

    [Fact]
    public void Scan_with_wrong_arity()
    {
        Expect(Resp.WrongArity("scan"), "SCAN");
    }
}
