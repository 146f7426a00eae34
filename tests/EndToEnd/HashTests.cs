using HyperCache.EndToEnd.Tests.Infrastructure;
using StackExchange.Redis;

namespace HyperCache.EndToEnd.Tests;

/// <summary>HSET HSETNX HGET HMSET HMGET HGETALL HDEL HEXISTS HLEN HKEYS HVALS HINCRBY HINCRBYFLOAT HSTRLEN
/// HRANDFIELD HSCAN, and OBJECT ENCODING of hashes.</summary>
[Collection(HashesSetsCollection.Name)]
public sealed class HashTests(NodeFixture node) : E2ETest(node)
{
    private List<string> Items(params string[] command) => Resp.ParseFlatArray(Cmd(command)).Select(i => i!).ToList();

    private List<string> Sorted(params string[] command) => [.. Items(command).Order(StringComparer.Ordinal)];

    /// <summary>Field-value pairs of a flat reply, as "field=value", sorted.</summary>
    private static List<string> Pairs(List<string> items) =>
        [.. Enumerable.Range(0, items.Count / 2).Select(i => items[2 * i] + "=" + items[2 * i + 1]).Order(StringComparer.Ordinal)];

    private void Fill(string key, int fields, int valueLength = 1)
    {
        var args = new List<string> { "HSET", key };
        for (int i = 0; i < fields; i++)
        {
            args.Add("f" + i);
            args.Add(new string('v', valueLength));
        }
        Expect(Resp.Int(fields), [.. args]);
    }

    [Fact]
    public void Hset_hget_hmget_and_field_counts()
    {
        Expect(Resp.Int(3), "HSET", K(), "a", "1", "b", "2", "c", "3");
        Expect(Resp.Int(1), "HSET", K(), "a", "9", "d", "4");
        Expect(Resp.Int(0), "HSET", K(), "a", "10", "a", "11");
        Expect(Resp.Bulk("11"), "HGET", K(), "a");
        Expect(Resp.Nil, "HGET", K(), "zz");
        Expect(Resp.Nil, "HGET", K("missing"), "a");
        Expect(Resp.BulkArray("11", null, "2"), "HMGET", K(), "a", "zz", "b");
        Expect(Resp.BulkArray(null, null), "HMGET", K("missing"), "a", "b");
        Expect(Resp.Int(4), "HLEN", K());
        Expect(Resp.Int(0), "HLEN", K("missing"));
        Expect(Resp.Simple("hash"), "TYPE", K());
    }

    [Fact]
    public void Small_hashes_list_fields_in_insertion_order_as_a_listpack_does()
    {
        Expect(Resp.Int(3), "HSET", K(), "a", "1", "b", "2", "c", "3");
        Expect(Resp.Int(1), "HDEL", K(), "a");
        Expect(Resp.Int(2), "HSET", K(), "d", "4", "a", "5");
        Expect(Resp.BulkArray("b", "2", "c", "3", "d", "4", "a", "5"), "HGETALL", K());
        Expect(Resp.BulkArray("b", "c", "d", "a"), "HKEYS", K());
        Expect(Resp.BulkArray("2", "3", "4", "5"), "HVALS", K());
        Expect(Resp.EmptyArray, "HGETALL", K("missing"));
        Expect(Resp.EmptyArray, "HKEYS", K("missing"));
        Expect(Resp.EmptyArray, "HVALS", K("missing"));
    }

    [Fact]
    public void Hsetnx_hmset_hexists_hstrlen()
    {
        Expect(Resp.Int(1), "HSETNX", K(), "a", "1");
        Expect(Resp.Int(0), "HSETNX", K(), "a", "2");
        Expect(Resp.Bulk("1"), "HGET", K(), "a");
        Expect(Resp.Ok, "HMSET", K(), "b", "hello", "c", "");
        Expect(Resp.Int(1), "HEXISTS", K(), "b");
        Expect(Resp.Int(0), "HEXISTS", K(), "zz");
        Expect(Resp.Int(0), "HEXISTS", K("missing"), "b");
        Expect(Resp.Int(5), "HSTRLEN", K(), "b");
        Expect(Resp.Int(0), "HSTRLEN", K(), "c");
        Expect(Resp.Int(0), "HSTRLEN", K(), "zz");
        Expect(Resp.Int(0), "HSTRLEN", K("missing"), "b");
        Expect(Resp.Bulk(""), "HGET", K(), "c");
    }

    [Fact]
    public void Hdel_counts_fields_once_and_deletes_the_emptied_key()
    {
        Expect(Resp.Int(2), "HSET", K(), "a", "1", "b", "2");
        Expect(Resp.Int(1), "HDEL", K(), "a", "zz", "a");
        Expect(Resp.Int(0), "HDEL", K(), "zz");
        Expect(Resp.Int(0), "HDEL", K("missing"), "a");
        Expect(Resp.Int(1), "HDEL", K(), "b");
        Expect(Resp.Int(0), "EXISTS", K());
        Expect(Resp.Simple("none"), "TYPE", K());
    }

    [Fact]
    public void Hdel_of_every_field_removes_the_ttl_with_the_key()
    {
        Expect(Resp.Int(1), "HSET", K(), "a", "1");
        Expect(Resp.Int(1), "EXPIRE", K(), "100");
        Expect(Resp.Int(1), "HSET", K(), "b", "2");
        Assert.NotEqual(Resp.Int(-1), Cmd("TTL", K())); // writes keep the TTL
        Expect(Resp.Int(2), "HDEL", K(), "a", "b");
        Expect(Resp.Int(1), "HSET", K(), "c", "3");
        Expect(Resp.Int(-1), "TTL", K());
    }

    [Fact]
    public void Hincrby_arithmetic_and_errors()
    {
        Expect(Resp.Int(5), "HINCRBY", K(), "n", "5");
        Expect(Resp.Int(-2), "HINCRBY", K(), "n", "-7");
        Expect(Resp.Bulk("-2"), "HGET", K(), "n");
        Expect(Resp.NotInteger, "HINCRBY", K(), "n", "x");
        Expect(Resp.NotInteger, "HINCRBY", K(), "n", "1.5");
        Expect(Resp.Int(1), "HSET", K(), "s", "abc");
        Expect(Resp.Err("ERR hash value is not an integer"), "HINCRBY", K(), "s", "1");
        Expect(Resp.Int(1), "HSET", K(), "big", "9223372036854775807");
        Expect(Resp.Err("ERR increment or decrement would overflow"), "HINCRBY", K(), "big", "1");
        Expect(Resp.Int(1), "HSET", K(), "small", "-9223372036854775808");
        Expect(Resp.Err("ERR increment or decrement would overflow"), "HINCRBY", K(), "small", "-1");
        Expect(Resp.Bulk("9223372036854775807"), "HGET", K(), "big");
    }

    [Fact]
    public void Hincrbyfloat_arithmetic_and_errors()
    {
        Expect(Resp.Bulk("1.5"), "HINCRBYFLOAT", K(), "f", "1.5");
        Expect(Resp.Bulk("1.6"), "HINCRBYFLOAT", K(), "f", "0.1");
        Expect(Resp.Bulk("5200"), "HINCRBYFLOAT", K(), "g", "5.2e3");
        Expect(Resp.Bulk("1.6"), "HGET", K(), "f");
        Expect(Resp.Err("ERR hash value is not an integer"), "HINCRBY", K(), "f", "1");
        Expect(Resp.NotFloat, "HINCRBYFLOAT", K(), "f", "x");
        Expect(Resp.NotFloat, "HINCRBYFLOAT", K(), "f", "nan");
        Expect(Resp.Err("ERR value is NaN or Infinity"), "HINCRBYFLOAT", K(), "f", "inf");
        Expect(Resp.Int(1), "HSET", K(), "s", "abc");
        Expect(Resp.Err("ERR hash value is not a float"), "HINCRBYFLOAT", K(), "s", "1");
        Expect(Resp.Bulk("1.6"), "HGET", K(), "f");
    }

    [Fact]
    public void Wrong_type_and_wrong_arity()
    {
        Expect(Resp.Ok, "SET", K(), "string");
        string[][] commands =
        [
            ["HGET", K(), "a"], ["HSET", K(), "a", "1"], ["HSETNX", K(), "a", "1"], ["HMGET", K(), "a"], ["HGETALL", K()],
            ["HDEL", K(), "a"], ["HLEN", K()], ["HEXISTS", K(), "a"], ["HKEYS", K()], ["HVALS", K()], ["HINCRBY", K(), "a", "1"],
            ["HINCRBYFLOAT", K(), "a", "1"], ["HSTRLEN", K(), "a"], ["HRANDFIELD", K()], ["HRANDFIELD", K(), "1"],
            ["HRANDFIELD", K(), "0"], ["HSCAN", K(), "0"], ["HSCAN", K(), "0", "COUNT", "0"],
        ];
        foreach (var command in commands)
            Expect(Resp.WrongType, command);
        Expect(Resp.Bulk("string"), "GET", K());

        Expect(Resp.WrongArity("hset"), "HSET", K(), "a");
        Expect(Resp.WrongArity("hset"), "HSET", K(), "a", "1", "b");
        Expect(Resp.WrongArity("hmset"), "HMSET", K(), "a");
        Expect(Resp.WrongArity("hsetnx"), "HSETNX", K(), "a");
        Expect(Resp.WrongArity("hget"), "HGET", K());
        Expect(Resp.WrongArity("hdel"), "HDEL", K());
        Expect(Resp.WrongArity("hincrby"), "HINCRBY", K(), "a");
        Expect(Resp.WrongArity("hrandfield"), "HRANDFIELD");
        Expect(Resp.WrongArity("hscan"), "HSCAN", K());
    }

    [Fact]
    public void Hrandfield_without_count_and_with_positive_counts()
    {
        Expect(Resp.Nil, "HRANDFIELD", K());
        Expect(Resp.EmptyArray, "HRANDFIELD", K(), "3");
        Expect(Resp.Int(3), "HSET", K(), "a", "1", "b", "2", "c", "3");
        Assert.Contains(Resp.Parse(Cmd("HRANDFIELD", K())), new object[] { "a", "b", "c" });
        Expect(Resp.EmptyArray, "HRANDFIELD", K(), "0");
        // A count at least the size: the whole hash, in its order.
        Expect(Resp.BulkArray("a", "b", "c"), "HRANDFIELD", K(), "3");
        Expect(Resp.BulkArray("a", "1", "b", "2", "c", "3"), "HRANDFIELD", K(), "100", "WITHVALUES");
        Expect(Resp.BulkArray("a", "1", "b", "2", "c", "3"), "HRANDFIELD", K(), "4611686018427387903", "withvalues");
        Expect(Resp.BulkArray("a", "b", "c"), "HRANDFIELD", K(), "9223372036854775807");
        for (int i = 0; i < 20; i++)
        {
            var two = Items("HRANDFIELD", K(), "2");
            Assert.Equal(2, two.Distinct().Count());
            Assert.All(two, f => Assert.Contains(f, new[] { "a", "b", "c" }));
            var pairs = Pairs(Items("HRANDFIELD", K(), "2", "WITHVALUES"));
            Assert.Equal(2, pairs.Count);
            Assert.All(pairs, p => Assert.Contains(p, new[] { "a=1", "b=2", "c=3" }));
        }
    }

    [Fact]
    public void Hrandfield_with_negative_counts_may_repeat()
    {
        Expect(Resp.Int(2), "HSET", K(), "a", "1", "b", "2");
        var picks = Items("HRANDFIELD", K(), "-50");
        Assert.Equal(50, picks.Count);
        Assert.Equal(["a", "b"], picks.Distinct().Order());
        var pairs = Items("HRANDFIELD", K(), "-7", "WITHVALUES");
        Assert.Equal(14, pairs.Count);
        for (int i = 0; i < pairs.Count; i += 2) Assert.Equal(pairs[i] == "a" ? "1" : "2", pairs[i + 1]);
        Expect(Resp.Int(1), "HSET", K("one"), "a", "1");
        Expect(Resp.BulkArray("a", "1", "a", "1", "a", "1"), "HRANDFIELD", K("one"), "-3", "WITHVALUES");
        Expect(Resp.EmptyArray, "HRANDFIELD", K("missing"), "-3");
    }

    [Fact]
    public void Hrandfield_argument_errors()
    {
        Expect(Resp.Int(1), "HSET", K(), "a", "1");
        Expect(Resp.NotInteger, "HRANDFIELD", K(), "x");
        Expect(Resp.NotInteger, "HRANDFIELD", K("missing"), "x");
        Expect(Resp.SyntaxError, "HRANDFIELD", K(), "1", "WITHVALUE");
        Expect(Resp.SyntaxError, "HRANDFIELD", K(), "1", "WITHVALUES", "x");
        Expect(Resp.SyntaxError, "HRANDFIELD", K("missing"), "1", "foo");
        Expect(Resp.Err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"),
            "HRANDFIELD", K(), "-9223372036854775808");
        Expect(Resp.Err("ERR value is out of range"), "HRANDFIELD", K(), "-4611686018427387904", "WITHVALUES");
        Expect(Resp.Err("ERR value is out of range"), "HRANDFIELD", K(), "4611686018427387904", "WITHVALUES");
    }

    [Fact]
    public void Hscan_of_a_small_hash_returns_everything_at_once()
    {
        Expect(Resp.Int(3), "HSET", K(), "a", "1", "b", "2", "ab", "3");
        var all = Resp.Array(Resp.Bulk("0"), Resp.BulkArray("a", "1", "b", "2", "ab", "3"));
        Expect(all, "HSCAN", K(), "0");
        Expect(all, "HSCAN", K(), "0", "COUNT", "1");
        Expect(Resp.Array(Resp.Bulk("0"), Resp.BulkArray("a", "1", "ab", "3")), "HSCAN", K(), "0", "MATCH", "a*");
        Expect(Resp.Array(Resp.Bulk("0"), Resp.EmptyArray), "HSCAN", K(), "0", "MATCH", "zz*");
        Expect(Resp.Array(Resp.Bulk("0"), Resp.EmptyArray), "HSCAN", K("missing"), "0");
    }

    [Fact]
    public void Hscan_cursor_and_option_errors()
    {
        Expect(Resp.Int(1), "HSET", K(), "a", "1");
        Expect(Resp.Err("ERR invalid cursor"), "HSCAN", K(), "x");
        Expect(Resp.Err("ERR invalid cursor"), "HSCAN", K(), "-");
        Expect(Resp.Err("ERR invalid cursor"), "HSCAN", K(), "18446744073709551616");
        Expect(Resp.Err("ERR invalid cursor"), "HSCAN", K("missing"), " 1");
        // strtoul's reading: a sign is allowed, -1 wraps, an empty cursor is 0
        foreach (var cursor in new[] { "18446744073709551615", "-1", "+0", "" })
            Expect(Resp.Array(Resp.Bulk("0"), Resp.BulkArray("a", "1")), "HSCAN", K(), cursor);
        Expect(Resp.SyntaxError, "HSCAN", K(), "0", "COUNT", "0");
        Expect(Resp.SyntaxError, "HSCAN", K(), "0", "COUNT", "-1");
        Expect(Resp.NotInteger, "HSCAN", K(), "0", "COUNT", "x");
        Expect(Resp.SyntaxError, "HSCAN", K(), "0", "MATCH");
        Expect(Resp.SyntaxError, "HSCAN", K(), "0", "foo", "bar");
        Expect(Resp.SyntaxError, "HSCAN", K(), "0", "NOVALUES"); // Redis 7.4+
        // Options are only looked at once the key is found.
        Expect(Resp.Array(Resp.Bulk("0"), Resp.EmptyArray), "HSCAN", K("missing"), "0", "COUNT", "0");
        Expect(Resp.Array(Resp.Bulk("0"), Resp.EmptyArray), "HSCAN", K("missing"), "0", "foo");
    }

    [Fact]
    public void Hscan_of_a_big_hash_iterates_with_a_cursor_and_sees_every_field()
    {
        Fill(K(), 2000);
        var seen = new Dictionary<string, string>();
        string cursor = "0";
        int calls = 0;
        do
        {
            var reply = Resp.Parse(Cmd("HSCAN", K(), cursor, "COUNT", "50")) as List<object?>;
            cursor = (string)reply![0]!;
            var items = ((List<object?>)reply[1]!).Cast<string>().ToList();
            Assert.True(items.Count % 2 == 0);
            for (int i = 0; i < items.Count; i += 2) seen[items[i]] = items[i + 1];
            calls++;
        }
        while (cursor != "0");
        Assert.Equal(2000, seen.Count);
        Assert.True(calls > 10, $"iterated in {calls} calls");
        Assert.All(seen.Values, v => Assert.Equal("v", v));
    }

    [Fact]
    public void Hscan_returns_fields_present_throughout_while_the_hash_changes()
    {
        Fill(K(), 1500);
        var seen = new HashSet<string>();
        string cursor = "0";
        int calls = 0, added = 0;
        do
        {
            var items = Resp.Parse(Cmd("HSCAN", K(), cursor, "COUNT", "20")) as List<object?>;
            cursor = (string)items![0]!;
            foreach (var item in ((List<object?>)items[1]!).Cast<string>()) seen.Add(item);
            // Grow and shrink in between: add fields, delete others (not f0..f499).
            if (calls % 5 == 0) Expect(Resp.Int(100), ["HSET", K(), .. Enumerable.Range(0, 100).SelectMany(i => new[] { "new" + added++, "x" })]);
            if (calls % 5 == 2) Cmd(["HDEL", K(), .. Enumerable.Range(0, 100).Select(i => "f" + (500 + (calls * 100 + i) % 1000))]);
            calls++;
        }
        while (cursor != "0");
        for (int i = 0; i < 500; i++) Assert.Contains("f" + i, seen);
    }

    [Fact]
    public void Object_encoding_listpack_until_too_many_fields_or_a_long_value()
    {
        Expect(Resp.Nil, "OBJECT", "ENCODING", K("missing"));
        Fill(K("count"), 512);
        Expect(Resp.Bulk("listpack"), "OBJECT", "ENCODING", K("count"));
        Expect(Resp.Int(1), "HSET", K("count"), "one-more", "v");
        Expect(Resp.Bulk("hashtable"), "OBJECT", "ENCODING", K("count"));
        Expect(Resp.Int(500), ["HDEL", K("count"), .. Enumerable.Range(0, 500).Select(i => "f" + i)]);
        Expect(Resp.Bulk("hashtable"), "OBJECT", "ENCODING", K("count")); // no way back

        Expect(Resp.Int(1), "HSET", K("value"), new string('f', 64), new string('v', 64));
        Expect(Resp.Bulk("listpack"), "OBJECT", "ENCODING", K("value"));
        Expect(Resp.Int(1), "HSET", K("value"), "b", new string('v', 65));
        Expect(Resp.Bulk("hashtable"), "OBJECT", "ENCODING", K("value"));

        Expect(Resp.Int(1), "HINCRBY", K("field"), new string('f', 65), "1");
        Expect(Resp.Bulk("hashtable"), "OBJECT", "ENCODING", K("field"));

        Cmd("HINCRBYFLOAT", K("float"), "a", "1e100"); // the result is 100 digits long
        Expect(Resp.Bulk("hashtable"), "OBJECT", "ENCODING", K("float"));
    }

    [Fact]
    public void Keys_and_values_are_binary_safe()
    {
        string field = "f\0\r\n\u00ff", value = "v\r\n\0\u0080";
        Expect(Resp.Int(1), "HSET", K(), field, value);
        Expect(Resp.Bulk(value), "HGET", K(), field);
        Expect(Resp.BulkArray(field, value), "HGETALL", K());
        Expect(Resp.Int(1), "HEXISTS", K(), field);
        Expect(Resp.Int(0), "HEXISTS", K(), "f");
        Expect(Resp.Int(1), "HDEL", K(), field);
    }

    [Fact]
    public void Hashes_through_the_client_library()
    {
        var db = Node.Db();
        db.HashSet(K(), [new HashEntry("name", "ada"), new HashEntry("visits", 1)]);
        Assert.Equal("ada", (string?)db.HashGet(K(), "name"));
        Assert.Equal(3, db.HashIncrement(K(), "visits", 2));
        Assert.Equal(3.5, db.HashIncrement(K(), "score", 3.5));
        Assert.True(db.HashExists(K(), "visits"));
        Assert.Equal(3, db.HashLength(K()));
        var all = db.HashGetAll(K()).ToDictionary(e => (string)e.Name!, e => (string?)e.Value);
        Assert.Equal(new Dictionary<string, string?> { ["name"] = "ada", ["visits"] = "3", ["score"] = "3.5" }, all);
        Assert.False(db.HashSet(K(), "name", "bob", When.NotExists));
        Assert.True(db.HashDelete(K(), "score"));
        Assert.Equal(["name", "visits"], db.HashKeys(K()).Select(k => (string)k!).Order());
        Assert.Equal(["ada", "3"], db.HashValues(K()).Select(v => (string)v!));
        Assert.Equal(["name", "visits"], db.HashScan(K(), pageSize: 1).Select(e => (string)e.Name!).Order());
        Assert.Contains((string?)db.HashRandomField(K()), new[] { "name", "visits" });
        Assert.Equal(3, db.HashStringLength(K(), "name"));
    }

    [Fact]
    public void Hscan_through_the_client_library_pages_a_big_hash()
    {
        var db = Node.Db();
        db.HashSet(K(), Enumerable.Range(0, 1000).Select(i => new HashEntry("f" + i, i)).ToArray());
        var fields = db.HashScan(K(), "f1*", pageSize: 30).Select(e => (string)e.Name!).ToList();
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => "f" + i).Where(f => f.StartsWith("f1")).Order(), fields.Order());
    }
}
