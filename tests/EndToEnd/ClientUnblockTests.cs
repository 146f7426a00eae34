using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>CLIENT UNBLOCK as redis-server 7.0.15: a client blocked in BLPOP, BZPOPMIN, XREAD BLOCK or WAIT ends
/// as on its timeout (TIMEOUT, the default) or with -UNBLOCKED (ERROR); 0 for a client that is not blocked; the
/// errors in Redis's order.</summary>
[Collection(ServerCollection.Name)]
public sealed class ClientUnblockTests(NodeFixture node) : E2ETest(node)
{
    private const string Unblocked = "UNBLOCKED client unblocked via CLIENT UNBLOCK";

    private static string Id(RawRespClient c) => ((long)Resp.Parse(c.Command("CLIENT", "ID"))!).ToString();

    private void WaitBlocked(string id) => Eventually.True(() =>
    {
        var list = (string)Resp.Parse(Cmd("CLIENT", "LIST"))!;
        return list.Split('\n').Any(l => l.StartsWith($"id={id} ", StringComparison.Ordinal) && Regex.IsMatch(l, @" flags=\w*b"));
    }, $"client {id} is blocked");

    /// <summary>Blocks <paramref name="c"/> on the command, unblocks it with <paramref name="how"/>, returns its reply.</summary>
    private string Unblock(RawRespClient c, string[] how, params string[] command)
    {
        string id = Id(c);
        c.Send(RawRespClient.Encode(command));
        WaitBlocked(id);
        Expect(Resp.Int(1), ["CLIENT", "UNBLOCK", id, .. how]);
        var reply = c.ReadReply();
        Expect(Resp.Int(0), ["CLIENT", "UNBLOCK", id, .. how]); // no longer blocked
        return reply;
    }

    [Theory]
    [InlineData("2")]
    [InlineData("3")]
    public void Timeout_answers_as_the_command_times_out(string protocol)
    {
        using var c = Node.Raw();
        c.Command("HELLO", protocol);
        string nullArray = protocol == "3" ? "_\r\n" : "*-1\r\n";
        Assert.Equal(nullArray, Unblock(c, [], "BLPOP", K("list"), "0"));
        Assert.Equal(nullArray, Unblock(c, ["TIMEOUT"], "BZPOPMIN", K("zset"), "0"));
        Assert.Equal(nullArray, Unblock(c, ["timeout"], "XREAD", "BLOCK", "0", "STREAMS", K("stream"), "$"));
        Assert.Equal(Resp.Int(0), Unblock(c, [], "WAIT", "1", "0"));
        Assert.Equal(Resp.Simple("PONG"), c.Command("PING")); // the connection goes on
    }

    /// <summary>As Redis 7.0.15's updateStatsOnUnblock: a blocked command ended with an error (a stream deleted under
    /// XREADGROUP) or by CLIENT UNBLOCK, in either mode, is one call, a failed one.</summary>
    [Fact]
    public void A_command_unblocked_or_served_an_error_counts_a_failed_call()
    {
        using var c = Node.Raw();
        Expect(Resp.Ok, "CONFIG", "RESETSTAT");
        Assert.Equal(Resp.Err(Unblocked), Unblock(c, ["ERROR"], "BLPOP", K("list"), "0"));
        Assert.Equal(Resp.Err(Unblocked), Unblock(c, ["ERROR"], "WAIT", "1", "0"));
        Assert.Equal("*-1\r\n", Unblock(c, ["TIMEOUT"], "BRPOP", K("list"), "0"));
        Expect(Resp.Ok, "XGROUP", "CREATE", K("stream"), "g", "$", "MKSTREAM");
        string id = Id(c);
        c.Send(RawRespClient.Encode("XREADGROUP", "GROUP", "g", "consumer", "BLOCK", "0", "STREAMS", K("stream"), ">"));
        WaitBlocked(id);
        Expect(Resp.Int(1), "DEL", K("stream"));
        Assert.Equal(Resp.Err("UNBLOCKED the stream key no longer exists"), c.ReadReply());

        string stats = (string)Resp.Parse(Cmd("INFO", "commandstats"))!;
        foreach (var (command, failed) in new[] { ("blpop", 1), ("wait", 1), ("brpop", 1), ("xreadgroup", 1) })
            Assert.Matches($@"cmdstat_{command}:calls=1,usec=\d+,usec_per_call=[\d.]+,rejected_calls=0,failed_calls={failed}\r\n", stats);
    }

    [Fact]
    public void Error_answers_unblocked()
    {
        using var c = Node.Raw();
        Assert.Equal(Resp.Err(Unblocked), Unblock(c, ["ERROR"], "BLPOP", K("list"), "0"));
        Assert.Equal(Resp.Err(Unblocked), Unblock(c, ["error"], "BLMOVE", K("list"), K("other"), "LEFT", "RIGHT", "0"));
        Assert.Equal(Resp.Err(Unblocked), Unblock(c, ["ERROR"], "XREAD", "BLOCK", "0", "STREAMS", K("stream"), "$"));
        Assert.Equal(Resp.Err(Unblocked), Unblock(c, ["ERROR"], "WAIT", "1", "0"));
        // The list was left alone: nothing was popped for the unblocked client.
        Expect(Resp.Int(1), "RPUSH", K("list"), "a");
        Expect(Resp.BulkArray("a"), "LRANGE", K("list"), "0", "-1");
    }

    [Fact]
    public void Not_blocked_is_zero_and_errors_as_Redis()
    {
        using var c = Node.Raw();
        string id = Id(c);
        Expect(Resp.Int(0), "CLIENT", "UNBLOCK", id);
        Expect(Resp.Int(0), "CLIENT", "UNBLOCK", "999999999");
        Expect(Resp.Err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"), "CLIENT", "UNBLOCK", "x", "LATER");
        Expect(Resp.Err("ERR value is not an integer or out of range"), "CLIENT", "UNBLOCK", "x");
        Expect(Resp.Err("ERR unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP."), "CLIENT", "unblock", id, "ERROR", "x");
        Expect(Resp.Err("ERR wrong number of arguments for 'client|unblock' command"), "CLIENT", "UNBLOCK");
    }
}
