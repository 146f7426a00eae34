using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// CLIENT REPLY ON|OFF|SKIP, NO-EVICT, GETREDIR and HELP as redis-server 7.0.15: OFF and SKIP drop replies, errors
/// included, in RESP2 and RESP3, pushed pub/sub messages still arrive; each "nothing came" is proven by the next
/// reply read being the one that must follow.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ClientReplyTests(NodeFixture node) : E2ETest(node)
{
    [Theory]
    [InlineData("2")]
    [InlineData("3")]
    public void Off_drops_every_reply_until_on(string protocol)
    {
        using var c = Node.Raw();
        c.Command("HELLO", protocol);
        c.Send(RawRespClient.Encode("CLIENT", "REPLY", "OFF") + RawRespClient.Encode("SET", K(), "v") + RawRespClient.Encode("GET", K())
            + RawRespClient.Encode("NOSUCHCOMMAND") + RawRespClient.Encode("GET") + RawRespClient.Encode("CLIENT", "REPLY", "SKIP")
            + RawRespClient.Encode("CLIENT", "REPLY", "ON") + RawRespClient.Encode("GET", K()));
        Assert.Equal(Resp.Ok, c.ReadReply());          // ON's own reply is the first to come
        Assert.Equal(Resp.Bulk("v"), c.ReadReply());   // the SET did run
    }

    [Fact]
    public void Skip_drops_the_next_reply_only()
    {
        using var c = Node.Raw();
        c.Send(RawRespClient.Encode("CLIENT", "REPLY", "SKIP") + RawRespClient.Encode("NOSUCHCOMMAND") + RawRespClient.Encode("PING", "a"));
        Assert.Equal(Resp.Bulk("a"), c.ReadReply());
        // SKIP twice: the second SKIP is the skipped command, and it skips the first PING.
        c.Send(RawRespClient.Encode("CLIENT", "REPLY", "SKIP") + RawRespClient.Encode("CLIENT", "REPLY", "SKIP")
            + RawRespClient.Encode("PING", "b") + RawRespClient.Encode("PING", "c"));
        Assert.Equal(Resp.Bulk("c"), c.ReadReply());
        // ON right after SKIP answers, and so does what follows.
        c.Send(RawRespClient.Encode("CLIENT", "REPLY", "SKIP") + RawRespClient.Encode("CLIENT", "REPLY", "ON") + RawRespClient.Encode("PING", "d"));
        Assert.Equal(Resp.Ok, c.ReadReply());
        Assert.Equal(Resp.Bulk("d"), c.ReadReply());
        // SKIP while OFF changes nothing.
        c.Send(RawRespClient.Encode("CLIENT", "REPLY", "OFF") + RawRespClient.Encode("CLIENT", "REPLY", "SKIP") + RawRespClient.Encode("PING", "e")
            + RawRespClient.Encode("CLIENT", "REPLY", "ON") + RawRespClient.Encode("PING", "f"));
        Assert.Equal(Resp.Ok, c.ReadReply());
        Assert.Equal(Resp.Bulk("f"), c.ReadReply());
    }

    [Fact]
    public void Off_inside_EXEC_silences_the_rest_of_it()
    {
        using var c = Node.Raw();
        c.Send(RawRespClient.Encode("MULTI") + RawRespClient.Encode("CLIENT", "REPLY", "OFF") + RawRespClient.Encode("PING")
            + RawRespClient.Encode("EXEC") + RawRespClient.Encode("PING") + RawRespClient.Encode("CLIENT", "REPLY", "ON"));
        Assert.Equal(Resp.Ok, c.ReadReply());
        Assert.Equal(Resp.Simple("QUEUED"), c.ReadReply());
        Assert.Equal(Resp.Simple("QUEUED"), c.ReadReply());
        // EXEC's header went out before OFF ran, its items did not, nor PING's reply; ON's +OK came next. Read as
        // RESP, the header takes that +OK and the reply to one more PING as its two items.
        c.Send(RawRespClient.Encode("PING", "after"));
        Assert.Equal("*2\r\n" + Resp.Ok + Resp.Bulk("after"), c.ReadReply());
    }

    [Fact]
    public void Pushed_messages_arrive_while_replies_are_off()
    {
        using var c = Node.Raw();
        c.Command("HELLO", "3");
        Assert.Equal(">3\r\n$9\r\nsubscribe\r\n$" + K("ch").Length + "\r\n" + K("ch") + "\r\n:1\r\n", c.Command("SUBSCRIBE", K("ch")));
        c.Send(RawRespClient.Encode("CLIENT", "REPLY", "OFF") + RawRespClient.Encode("GET", K()));
        Eventually.True(() => Cmd("PUBLISH", K("ch"), "m") == Resp.Int(1), "the subscriber gets the message");
        Assert.Equal(">3\r\n$7\r\nmessage\r\n$" + K("ch").Length + "\r\n" + K("ch") + "\r\n$1\r\nm\r\n", c.ReadReply());
        Assert.Equal(Resp.Ok, c.Command("CLIENT", "REPLY", "ON"));
    }

    /// <summary>Redis writes (un)subscribe confirmations as pushes too, in both protocols (its pub/sub tests' "PubSub
    /// messages with CLIENT REPLY OFF"); a plain reply stays silent.</summary>
    [Theory]
    [InlineData("2")]
    [InlineData("3")]
    public void Subscription_confirmations_arrive_while_replies_are_off(string protocol)
    {
        using var c = Node.Raw();
        c.Command("HELLO", protocol);
        string header = protocol == "3" ? ">3\r\n" : "*3\r\n";
        string channel = "$" + K("ch").Length + "\r\n" + K("ch") + "\r\n";
        c.Send(RawRespClient.Encode("CLIENT", "REPLY", "OFF") + RawRespClient.Encode("PING") + RawRespClient.Encode("SUBSCRIBE", K("ch")));
        Assert.Equal(header + "$9\r\nsubscribe\r\n" + channel + ":1\r\n", c.ReadReply());
        c.Send(RawRespClient.Encode("UNSUBSCRIBE"));
        Assert.Equal(header + "$11\r\nunsubscribe\r\n" + channel + ":0\r\n", c.ReadReply());
        c.Send(RawRespClient.Encode("PUNSUBSCRIBE"));
        Assert.Equal(header + "$12\r\npunsubscribe\r\n" + (protocol == "3" ? "_\r\n" : "$-1\r\n") + ":0\r\n", c.ReadReply());
        Assert.Equal(Resp.Ok, c.Command("CLIENT", "REPLY", "ON"));
    }

    [Fact]
    public void Errors_as_Redis()
    {
        Expect(Resp.Err("ERR syntax error"), "CLIENT", "REPLY", "maybe");
        Expect(Resp.Err("ERR wrong number of arguments for 'client|reply' command"), "CLIENT", "REPLY");
        Expect(Resp.Err("ERR wrong number of arguments for 'client|reply' command"), "CLIENT", "REPLY", "ON", "x");
        Expect(Resp.Ok, "CLIENT", "REPLY", "on");
    }

    [Fact]
    public void No_evict_is_recorded_and_shown()
    {
        Expect(Resp.Ok, "CLIENT", "NO-EVICT", "on");
        Assert.Contains(" flags=e ", (string)Resp.Parse(Cmd("CLIENT", "INFO"))!);
        Expect(Resp.Err("ERR syntax error"), "CLIENT", "NO-EVICT", "maybe");
        Expect(Resp.Ok, "CLIENT", "NO-EVICT", "OFF");
        Assert.Contains(" flags=N ", (string)Resp.Parse(Cmd("CLIENT", "INFO"))!);
        Expect(Resp.Err("ERR wrong number of arguments for 'client|no-evict' command"), "CLIENT", "NO-EVICT");
    }

    [Fact]
    public void Getredir_is_minus_one_without_tracking()
    {
        Expect(Resp.Int(-1), "CLIENT", "GETREDIR");
        Expect(Resp.Err("ERR wrong number of arguments for 'client|getredir' command"), "CLIENT", "GETREDIR", "x");
    }

    [Fact]
    public void Help_lists_the_new_subcommands()
    {
        var lines = Resp.ParseFlatArray(Cmd("CLIENT", "HELP"));
        foreach (var line in new[] { "PAUSE <timeout> [WRITE|ALL]", "UNPAUSE", "REPLY (ON|OFF|SKIP)", "UNBLOCK <clientid> [TIMEOUT|ERROR]", "NO-EVICT (ON|OFF)", "GETREDIR" })
            Assert.Contains(line, lines);
    }
}
