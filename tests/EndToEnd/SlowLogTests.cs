using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>SLOWLOG as Redis 7.0 keeps it: newest first, ids that never restart, at most 32 arguments of at most
/// 128 bytes each, AUTH redacted, the client's address and name; slowlog-log-slower-than and slowlog-max-len.
/// Passes against redis-server too (HYPERCACHE_E2E_TARGET=redis).</summary>
[Collection(ServerCollection.Name)]
public sealed class SlowLogTests(NodeFixture node) : E2ETest(node)
{
    private static string Entry(string args, string client, string name)
        => @"\*6\r\n:(\d+)\r\n:(\d+)\r\n:(\d+)\r\n" + args + Regex.Escape(Resp.Bulk(client) + Resp.Bulk(name));

    private static string Args(params string[] args) => Regex.Escape(Resp.BulkArray(args));

    private static string Address(RawRespClient c) => Regex.Match(c.Command("CLIENT", "INFO"), @"\baddr=(\S+)").Groups[1].Value;

    /// <summary>Runs <paramref name="body"/> with the given settings, then puts Redis's defaults back (the node is
    /// shared with other tests of the collection).</summary>
    private void With(string slowerThan, string maxLen, Action<RawRespClient> body)
    {
        using var c = Node.Raw();
        Assert.Equal(Resp.Ok, c.Command("CONFIG", "SET", "slowlog-log-slower-than", slowerThan, "slowlog-max-len", maxLen));
        try
        {
            body(c);
        }
        finally
        {
            c.Command("CONFIG", "SET", "slowlog-log-slower-than", "10000", "slowlog-max-len", "128");
            c.Command("SLOWLOG", "RESET");
        }
    }

    [Fact]
    public void Threshold_zero_logs_every_command_newest_first_with_its_client()
    {
        With("0", "128", c =>
        {
            string address = Address(c);
            c.Command("CLIENT", "SETNAME", "slowpoke");
            Assert.Equal(Resp.Ok, c.Command("SLOWLOG", "RESET"));
            c.Command("SET", K(), "v");
            c.Command("AUTH", "secret"); // fails (no password set), still logged, redacted

            string reply = c.Command("SLOWLOG", "GET", "3");
            var m = Regex.Match(reply, "^" + Regex.Escape("*3\r\n")
                + Entry(Args("AUTH", "(redacted)"), address, "slowpoke")
                + Entry(Args("SET", K(), "v"), address, "slowpoke")
                + Entry(Args("SLOWLOG", "RESET"), address, "slowpoke") + "$");
            Assert.True(m.Success, RawRespClient.Escape(reply));
            long newest = long.Parse(m.Groups[1].Value);
            Assert.Equal(newest - 1, long.Parse(m.Groups[4].Value));
            Assert.Equal(newest - 2, long.Parse(m.Groups[7].Value));
            long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            Assert.InRange(long.Parse(m.Groups[2].Value), now - 60, now + 1);

            Assert.Equal(Resp.Int(4), c.Command("SLOWLOG", "LEN")); // the GET above is logged too
            Assert.StartsWith("*5\r\n", c.Command("SLOWLOG", "GET", "-1"));
            Assert.StartsWith("*1\r\n", c.Command("SLOWLOG", "GET", "1"));
            Assert.Equal(Resp.EmptyArray, c.Command("SLOWLOG", "GET", "0"));

            c.Command("SLOWLOG", "RESET");
            var after = Regex.Match(c.Command("SLOWLOG", "GET"), "^" + Regex.Escape("*1\r\n") + Entry(Args("SLOWLOG", "RESET"), address, "slowpoke") + "$");
            Assert.True(after.Success);
            Assert.True(long.Parse(after.Groups[1].Value) > newest, "ids go on after a reset");
        });
    }

    [Fact]
    public void Long_commands_keep_32_arguments_of_128_bytes()
    {
        With("0", "128", c =>
        {
            string address = Address(c);
            var push = new List<string> { "RPUSH", K("list") };
            for (int i = 0; i < 41; i++) push.Add("a" + i);
            c.Command([.. push]); // 43 arguments
            string big = new('x', 200);
            c.Command("SET", K(), big);

            var kept = push.Take(31).Append("... (12 more arguments)").ToArray();
            string reply = c.Command("SLOWLOG", "GET", "2");
            Assert.Matches("^" + Regex.Escape("*2\r\n")
                + Entry(Args("SET", K(), new string('x', 128) + "... (72 more bytes)"), address, "")
                + Entry(Args(kept), address, "") + "$", reply);
        });
    }

    [Fact]
    public void Max_len_trims_and_a_negative_threshold_logs_nothing()
    {
        With("0", "2", c =>
        {
            for (int i = 0; i < 5; i++) c.Command("INCR", K());
            Assert.Equal(Resp.Int(2), c.Command("SLOWLOG", "LEN"));
            Assert.Equal(Resp.BulkArray("slowlog-max-len", "2"), c.Command("CONFIG", "GET", "slowlog-max-len"));

            Assert.Equal(Resp.Ok, c.Command("CONFIG", "SET", "slowlog-log-slower-than", "-1"));
            c.Command("SLOWLOG", "RESET");
            c.Command("INCR", K());
            Assert.Equal(Resp.Int(0), c.Command("SLOWLOG", "LEN"));

            Assert.Equal(Resp.Err("ERR count should be greater than or equal to -1"), c.Command("SLOWLOG", "GET", "-2"));
            Assert.Equal(Resp.Err("ERR count should be greater than or equal to -1"), c.Command("SLOWLOG", "GET", "ten"));
            Assert.StartsWith("-ERR unknown subcommand", c.Command("SLOWLOG", "GET", "1", "2"));
            Assert.StartsWith("*12\r\n", c.Command("SLOWLOG", "HELP"));
        });
    }

    [Fact]
    public void At_the_default_threshold_only_the_slow_command_is_logged()
    {
        With("10000", "128", c =>
        {
            string address = Address(c);
            c.Command("SLOWLOG", "RESET");
            for (int i = 0; i < 20; i++) c.Command("GET", K());
            Assert.Equal(Resp.Ok, c.Command("DEBUG", "SLEEP", "0.05"));
            c.Command("GET", K());

            var m = Regex.Match(c.Command("SLOWLOG", "GET"), "^" + Regex.Escape("*1\r\n") + Entry(Args("DEBUG", "SLEEP", "0.05"), address, "") + "$");
            Assert.True(m.Success);
            Assert.InRange(long.Parse(m.Groups[3].Value), 50_000, 10_000_000);
        });
    }

    [Fact]
    public void A_blocked_command_is_logged_when_served_not_when_it_blocks_or_times_out()
    {
        With("0", "128", c =>
        {
            using var waiter = Node.Raw();
            string address = Address(c), waiterAddress = Address(waiter);
            string id = Regex.Match(waiter.Command("CLIENT", "INFO"), @"\bid=(\d+)").Groups[1].Value;
            bool IsBlocked() => Regex.IsMatch(c.Command("CLIENT", "LIST", "ID", id), @"\bflags=\S*b");

            waiter.Send(RawRespClient.Encode("BLPOP", K("l"), "0"));
            Eventually.True(IsBlocked, "BLPOP blocks");
            c.Command("SLOWLOG", "RESET");
            Assert.DoesNotContain("BLPOP", c.Command("SLOWLOG", "GET", "-1")); // not while it waits
            c.Command("MULTI");
            c.Command("LPUSH", K("l"), "foo");
            c.Command("SLOWLOG", "RESET");
            c.Command("EXEC");
            Assert.Equal(Resp.BulkArray(K("l"), "foo"), waiter.ReadReply());
            // Logged before its reply was sent, after EXEC's commands (Redis serves it after the EXEC).
            Assert.Matches("^" + Regex.Escape("*2\r\n") + Entry(Args("BLPOP", K("l"), "0"), waiterAddress, "")
                + Entry(Args("SLOWLOG", "RESET"), address, "") + "$", c.Command("SLOWLOG", "GET", "-1"));

            c.Command("SLOWLOG", "RESET");
            Assert.Equal("*-1\r\n", waiter.Command("BLPOP", K("l"), "0.01")); // times out: not logged (Redis 7.0)
            Assert.Matches("^" + Regex.Escape("*1\r\n") + Entry(Args("SLOWLOG", "RESET"), address, "") + "$",
                c.Command("SLOWLOG", "GET", "-1"));
        });
    }
}
