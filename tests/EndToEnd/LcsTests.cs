using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// LCS: the string, LEN, IDX (matches last first, MINMATCHLEN, WITHMATCHLEN), RESP2 and RESP3 shapes, missing keys
/// as empty strings, the errors in Redis's order, and the proto-max-bulk-len guard on the table; then random strings
/// and options sent to this node and to a redis-server, reply bytes compared, in RESP2 and RESP3.
/// </summary>
[Collection(StringsCollection.Name)]
public sealed class LcsTests(NodeFixture node) : E2ETest(node)
{
    private static string Pair(long a, long b) => Resp.Array(Resp.Int(a), Resp.Int(b));

    [Fact]
    public void Replies_the_string_the_length_and_the_matches()
    {
        Expect(Resp.Ok, "MSET", K("a"), "ohmytext", K("b"), "mynewtext");
        Expect(Resp.Bulk("mytext"), "LCS", K("a"), K("b"));
        Expect(Resp.Int(6), "LCS", K("a"), K("b"), "LEN");
        Expect(Resp.Array(Resp.Bulk("matches"),
                Resp.Array(Resp.Array(Pair(4, 7), Pair(5, 8)), Resp.Array(Pair(2, 3), Pair(0, 1))),
                Resp.Bulk("len"), Resp.Int(6)),
            "LCS", K("a"), K("b"), "IDX");
        Expect(Resp.Array(Resp.Bulk("matches"),
                Resp.Array(Resp.Array(Pair(4, 7), Pair(5, 8), Resp.Int(4))),
                Resp.Bulk("len"), Resp.Int(6)),
            "LCS", K("a"), K("b"), "idx", "minmatchlen", "4", "withmatchlen");
        // A negative MINMATCHLEN counts as 0: every match.
        Expect(Resp.Array(Resp.Bulk("matches"),
                Resp.Array(Resp.Array(Pair(4, 7), Pair(5, 8)), Resp.Array(Pair(2, 3), Pair(0, 1))),
                Resp.Bulk("len"), Resp.Int(6)),
            "LCS", K("a"), K("b"), "MINMATCHLEN", "-3", "IDX");
    }

    [Fact]
    public void Missing_keys_are_empty_strings()
    {
        Expect(Resp.Ok, "SET", K("a"), "abc");
        Expect(Resp.Bulk(""), "LCS", K("a"), K("missing"));
        Expect(Resp.Int(0), "LCS", K("missing"), K("missing2"), "LEN");
        Expect(Resp.Array(Resp.Bulk("matches"), Resp.Array(), Resp.Bulk("len"), Resp.Int(0)), "LCS", K("missing"), K("a"), "IDX");
    }

    [Fact]
    public void RESP3_replies_a_map()
    {
        using var c = Node.Raw();
        c.Command("HELLO", "3");
        Assert.Equal(Resp.Ok, c.Command("MSET", K("a"), "ohmytext", K("b"), "mynewtext"));
        Assert.Equal("%2\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n",
            c.Command("LCS", K("a"), K("b"), "IDX", "MINMATCHLEN", "3", "WITHMATCHLEN"));
        Assert.Equal(Resp.Bulk("mytext"), c.Command("LCS", K("a"), K("b")));
    }

    [Fact]
    public void Errors_as_Redis()
    {
        Expect(Resp.Ok, "SET", K("a"), "abc");
        Expect(Resp.Int(1), "RPUSH", K("list"), "x");
        const string NotStrings = "ERR The specified keys must contain string values";
        Expect(Resp.Err(NotStrings), "LCS", K("a"), K("list"));
        Expect(Resp.Err(NotStrings), "LCS", K("list"), K("missing"), "BOGUS"); // the type is checked before the options
        Expect(Resp.Err("ERR syntax error"), "LCS", K("a"), K("a"), "BOGUS");
        Expect(Resp.Err("ERR syntax error"), "LCS", K("a"), K("a"), "MINMATCHLEN");
        Expect(Resp.Err("ERR value is not an integer or out of range"), "LCS", K("a"), K("a"), "MINMATCHLEN", "x");
        Expect(Resp.Err("ERR If you want both the length and indexes, please just use IDX."), "LCS", K("a"), K("a"), "LEN", "IDX");
        Expect(Resp.WrongArity("lcs"), "LCS", K("a"));
    }

    [Fact]
    public void A_table_larger_than_proto_max_bulk_len_is_refused()
    {
        string old = Resp.ParseFlatArray(Cmd("CONFIG", "GET", "proto-max-bulk-len"))[1]!;
        Expect(Resp.Ok, "CONFIG", "SET", "proto-max-bulk-len", "1048576");
        try
        {
            // (1000 + 1) * (300 + 1) cells of 4 bytes: just over 1 MB.
            Expect(Resp.Ok, "MSET", K("a"), new string('a', 1000), K("b"), new string('a', 300));
            Expect(Resp.Err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"), "LCS", K("a"), K("b"), "LEN");
            Expect(Resp.Err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"), "LCS", K("a"), K("b"));
            Expect(Resp.Int(0), "LCS", K("a"), K("b") + "x", "LEN"); // missing: empty, a table of one column
            Expect(Resp.Ok, "SET", K("b"), new string('a', 250));
            Expect(Resp.Int(250), "LCS", K("a"), K("b"), "LEN");
        }
        finally
        {
            Cmd("CONFIG", "SET", "proto-max-bulk-len", old);
        }
    }

    [RedisServerFact]
    public async Task Random_strings_reply_as_redis_server_does()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        foreach (var protocol in new[] { "2", "3" })
        {
            using var reference = redis.Raw();
            using var node = Node.Raw();
            Assert.StartsWith(protocol == "3" ? "%" : "*", reference.Command("HELLO", protocol));
            Assert.StartsWith(protocol == "3" ? "%" : "*", node.Command("HELLO", protocol));
            var random = new Random(protocol == "2" ? 1207 : 1208);
            for (int i = 0; i < 600; i++)
            {
                string Text()
                {
                    // Small alphabets make long matches; an occasional empty or long string tests the edges.
                    int length = random.Next(8) == 0 ? random.Next(0, 3) : random.Next(1, random.Next(4) == 0 ? 300 : 40);
                    int alphabet = random.Next(1, 5);
                    var chars = new char[length];
                    for (int n = 0; n < length; n++) chars[n] = (char)('a' + random.Next(alphabet));
                    return new string(chars);
                }
                string[] set = ["MSET", K("x"), Text(), K("y"), Text()];
                Assert.Equal(reference.Command(set), node.Command(set));
                List<string> args = ["LCS", random.Next(10) == 0 ? K("missing") : K("x"), K("y")];
                switch (random.Next(4))
                {
                    case 0: break;
                    case 1: args.Add("LEN"); break;
                    default:
                        args.Add("IDX");
                        if (random.Next(2) == 0) args.AddRange(["MINMATCHLEN", random.Next(-1, 6).ToString()]);
                        if (random.Next(2) == 0) args.Add("WITHMATCHLEN");
                        break;
                }
                string[] command = [.. args];
                var expected = reference.Command(command);
                var actual = node.Command(command);
                if (expected != actual)
                {
                    Assert.Fail($"RESP{protocol} #{i}: {string.Join(' ', set.Select(RawRespClient.Escape))}; {string.Join(' ', command)}\n" +
                                $"redis-server: {RawRespClient.Escape(expected)}\nthis node:    {RawRespClient.Escape(actual)}");
                }
            }
        }
    }
}
