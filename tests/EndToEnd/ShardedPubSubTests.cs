using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH, PUBSUB SHARDCHANNELS | SHARDNUMSUB as a Redis 7.0.15 node out of
/// cluster mode: shard channels are a namespace of their own, counted apart from SUBSCRIBE's, delivered as
/// "smessage"; RESET and a closed connection drop them. Passes against redis-server too.</summary>
[Collection(PubSubCollection.Name)]
public sealed class ShardedPubSubTests(NodeFixture node) : E2ETest(node)
{
    private static string Confirmation(string kind, string? name, long count) =>
        Resp.Array(Resp.Bulk(kind), Resp.Bulk(name), Resp.Int(count));

    [Fact]
    public void A_shard_subscriber_receives_spublish_as_smessage()
    {
        using var subscriber = Node.Raw();
        Assert.Equal(Confirmation("ssubscribe", K("ch"), 1), subscriber.Command("SSUBSCRIBE", K("ch")));
        Expect(Resp.Int(1), "SPUBLISH", K("ch"), "hello");
        Assert.Equal(Resp.BulkArray("smessage", K("ch"), "hello"), subscriber.ReadReply());
        Expect(Resp.Int(1), "SPUBLISH", K("ch"), "bin\0\r\n\u00ff");
        Assert.Equal(Resp.BulkArray("smessage", K("ch"), "bin\0\r\n\u00ff"), subscriber.ReadReply());
        Expect(Resp.Int(0), "SPUBLISH", K("other"), "nobody");
    }

    [Fact]
    public void Shard_channels_are_a_namespace_of_their_own()
    {
        using var shard = Node.Raw();
        using var plain = Node.Raw();
        Assert.Equal(Confirmation("ssubscribe", K("ch"), 1), shard.Command("SSUBSCRIBE", K("ch")));
        Assert.Equal(Confirmation("subscribe", K("ch"), 1), plain.Command("SUBSCRIBE", K("ch")));
        Assert.Equal(Confirmation("psubscribe", K("*"), 2), plain.Command("PSUBSCRIBE", K("*")));
        Expect(Resp.Int(2), "PUBLISH", K("ch"), "plain"); // the channel and the pattern, not the shard subscriber
        Assert.Equal(Resp.BulkArray("message", K("ch"), "plain"), plain.ReadReply());
        Assert.Equal(Resp.BulkArray("pmessage", K("*"), K("ch"), "plain"), plain.ReadReply());
        Expect(Resp.Int(1), "SPUBLISH", K("ch"), "shard"); // patterns do not match shard channels
        Assert.Equal(Resp.BulkArray("smessage", K("ch"), "shard"), shard.ReadReply());
        Assert.Equal(Resp.BulkArray("pong", ""), plain.Command("PING")); // nothing else was queued for it
        Expect(Resp.BulkArray(K("ch")), "PUBSUB", "SHARDCHANNELS", K("*"));
        Expect(Resp.BulkArray(K("ch")), "PUBSUB", "CHANNELS", K("*"));
        Expect(Resp.Array(Resp.Bulk(K("ch")), Resp.Int(1), Resp.Bulk(K("none")), Resp.Int(0)), "PUBSUB", "SHARDNUMSUB", K("ch"), K("none"));
        Expect(Resp.Array(), "PUBSUB", "SHARDNUMSUB");
        Expect(Resp.Err("ERR unknown subcommand or wrong number of arguments for 'SHARDCHANNELS'. Try PUBSUB HELP."), "PUBSUB", "SHARDCHANNELS", "a", "b");
    }

    [Fact]
    public void Shard_subscriptions_count_apart_and_keep_a_resp2_client_in_subscribe_mode()
    {
        using var c = Node.Raw();
        string id = Id(c);
        c.Send(RawRespClient.Encode("SSUBSCRIBE", K("x"), K("y"), K("x")));
        Assert.Equal(Confirmation("ssubscribe", K("x"), 1), c.ReadReply());
        Assert.Equal(Confirmation("ssubscribe", K("y"), 2), c.ReadReply());
        Assert.Equal(Confirmation("ssubscribe", K("x"), 2), c.ReadReply());
        Assert.Equal(Confirmation("subscribe", K("z"), 1), c.Command("SUBSCRIBE", K("z"))); // channels and patterns only
        Assert.Equal(Resp.BulkArray("pong", ""), c.Command("PING"));
        Assert.Equal(Resp.Err("ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"),
            c.Command("GET", K()));
        Assert.Matches(@"\bflags=P db=0 sub=1 psub=0 ssub=2 ", Cmd("CLIENT", "LIST", "ID", id));
        Assert.Equal(Confirmation("sunsubscribe", K("never"), 2), c.Command("SUNSUBSCRIBE", K("never")));
        c.Send(RawRespClient.Encode("SUNSUBSCRIBE"));
        var confirmations = new[] { c.ReadReply(), c.ReadReply() }; // one per shard channel, in no set order
        Assert.True(confirmations.SequenceEqual([Confirmation("sunsubscribe", K("x"), 1), Confirmation("sunsubscribe", K("y"), 0)])
            || confirmations.SequenceEqual([Confirmation("sunsubscribe", K("y"), 1), Confirmation("sunsubscribe", K("x"), 0)]),
            string.Concat(confirmations.Select(RawRespClient.Escape)));
        Assert.Equal(Confirmation("sunsubscribe", null, 0), c.Command("SUNSUBSCRIBE"));
        Assert.Equal(Resp.BulkArray("pong", ""), c.Command("PING")); // still subscribed to z
        Assert.Equal(Confirmation("unsubscribe", K("z"), 0), c.Command("UNSUBSCRIBE"));
        Assert.Equal(Resp.Pong, c.Command("PING"));
        Assert.Equal(Resp.Nil, c.Command("GET", K()));
    }

    private static string Id(RawRespClient c) => Regex.Match(c.Command("CLIENT", "ID"), @"\d+").Value;

    [Fact]
    public void Resp3_gets_pushes_and_a_self_publish_comes_before_the_reply()
    {
        using var c = Node.Raw();
        c.Command("HELLO", "3");
        Assert.Equal($">3\r\n$10\r\nssubscribe\r\n{Resp.Bulk(K("ch"))}:1\r\n", c.Command("SSUBSCRIBE", K("ch")));
        Assert.Equal("_\r\n", c.Command("GET", K())); // RESP3 subscribers run any command
        Expect(Resp.Int(1), "SPUBLISH", K("ch"), "hi");
        Assert.Equal($">3\r\n$8\r\nsmessage\r\n{Resp.Bulk(K("ch"))}{Resp.Bulk("hi")}", c.ReadReply());
        Assert.Equal($">3\r\n$8\r\nsmessage\r\n{Resp.Bulk(K("ch"))}{Resp.Bulk("me")}", c.Command("SPUBLISH", K("ch"), "me"));
        Assert.Equal(Resp.Int(1), c.ReadReply());
    }

    [Fact]
    public void Reset_and_closing_the_connection_drop_shard_subscriptions()
    {
        using (var c = Node.Raw())
        {
            c.Command("SSUBSCRIBE", K("a"));
            Assert.Equal("+RESET\r\n", c.Command("RESET"));
            Expect(Resp.Array(Resp.Bulk(K("a")), Resp.Int(0)), "PUBSUB", "SHARDNUMSUB", K("a"));
            Assert.Equal(Resp.Nil, c.Command("GET", K())); // out of subscribe mode
            c.Command("SSUBSCRIBE", K("b"));
            Expect(Resp.Array(Resp.Bulk(K("b")), Resp.Int(1)), "PUBSUB", "SHARDNUMSUB", K("b"));
        }
        Eventually.True(() => Cmd("PUBSUB", "SHARDNUMSUB", K("b")) == Resp.Array(Resp.Bulk(K("b")), Resp.Int(0)), "the closed connection's shard channel is gone");
        Expect(Resp.Array(), "PUBSUB", "SHARDCHANNELS", K("*"));
    }

    [Fact]
    public void Ssubscribe_is_refused_inside_exec_unlike_subscribe()
    {
        using var c = Node.Raw();
        Assert.Equal(Resp.Ok, c.Command("MULTI"));
        Assert.Equal("+QUEUED\r\n", c.Command("SSUBSCRIBE", K("m")));
        Assert.Equal(Resp.Array(Resp.Err("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")), c.Command("EXEC"));
        Expect(Resp.Array(Resp.Bulk(K("m")), Resp.Int(0)), "PUBSUB", "SHARDNUMSUB", K("m"));
    }

    [Fact]
    public void Info_counts_shard_channels()
    {
        using var c = Node.Raw();
        c.Command("SSUBSCRIBE", K("info"));
        var stats = (string)Resp.Parse(Cmd("INFO", "stats"))!;
        var count = Regex.Match(stats, @"\r\npubsubshard_channels:(\d+)\r\n");
        Assert.True(count.Success, "INFO stats has pubsubshard_channels");
        Assert.True(int.Parse(count.Groups[1].Value) >= 1);
    }
}
