using HyperCache.EndToEnd.Tests.Infrastructure;
using StackExchange.Redis;

namespace HyperCache.EndToEnd.Tests;

/// <summary>SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, PUBSUB CHANNELS|NUMSUB|NUMPAT.</summary>
[Collection(PubSubCollection.Name)]
public sealed class PubSubTests(NodeFixture node) : E2ETest(node)
{
    private static string Push(params string[] items) => Resp.BulkArray(items);

    private static string Confirmation(string kind, string? name, long count) =>
        Resp.Array(Resp.Bulk(kind), Resp.Bulk(name), Resp.Int(count));

    [Fact]
    public void A_subscriber_receives_what_another_client_publishes()
    {
        using var subscriber = Node.Raw();
        Assert.Equal(Confirmation("subscribe", K("ch"), 1), subscriber.Command("SUBSCRIBE", K("ch")));
        Expect(Resp.Int(1), "PUBLISH", K("ch"), "hello");
        Assert.Equal(Push("message", K("ch"), "hello"), subscriber.ReadReply());
        Expect(Resp.Int(0), "PUBLISH", K("other"), "nobody");
        Expect(Resp.Int(1), "PUBLISH", K("ch"), "bin\0\r\n\u00ff");
        Assert.Equal(Push("message", K("ch"), "bin\0\r\n\u00ff"), subscriber.ReadReply());
    }

    [Fact]
    public void Subscribing_to_several_channels_confirms_each_with_a_running_count()
    {
        using var subscriber = Node.Raw();
        subscriber.Send(RawRespClient.Encode("SUBSCRIBE", K("a"), K("b"), K("a")));
        Assert.Equal(Confirmation("subscribe", K("a"), 1), subscriber.ReadReply());
        Assert.Equal(Confirmation("subscribe", K("b"), 2), subscriber.ReadReply());
        Assert.Equal(Confirmation("subscribe", K("a"), 2), subscriber.ReadReply());
        subscriber.Send(RawRespClient.Encode("PSUBSCRIBE", K("p*")));
        Assert.Equal(Confirmation("psubscribe", K("p*"), 3), subscriber.ReadReply());
        subscriber.Send(RawRespClient.Encode("UNSUBSCRIBE", K("b"), K("never")));
        Assert.Equal(Confirmation("unsubscribe", K("b"), 2), subscriber.ReadReply());
        Assert.Equal(Confirmation("unsubscribe", K("never"), 2), subscriber.ReadReply());
        Assert.Equal(Confirmation("punsubscribe", K("p*"), 1), subscriber.Command("PUNSUBSCRIBE"));
        Assert.Equal(Confirmation("unsubscribe", K("a"), 0), subscriber.Command("UNSUBSCRIBE"));
        // Nothing left: one confirmation with a nil name.
        Assert.Equal(Confirmation("unsubscribe", null, 0), subscriber.Command("UNSUBSCRIBE"));
        Assert.Equal(Confirmation("punsubscribe", null, 0), subscriber.Command("PUNSUBSCRIBE"));
        // And the connection is an ordinary one again.
        Assert.Equal(Resp.Nil, subscriber.Command("GET", K("x")));
    }

    [Fact]
    public void Pattern_subscribers_get_pmessage_and_each_match_counts()
    {
        using var subscriber = Node.Raw();
        Assert.Equal(Confirmation("psubscribe", K("news.*"), 1), subscriber.Command("PSUBSCRIBE", K("news.*")));
        Assert.Equal(Confirmation("subscribe", K("news.tech"), 2), subscriber.Command("SUBSCRIBE", K("news.tech")));
        Expect(Resp.Int(2), "PUBLISH", K("news.tech"), "both");
        var first = subscriber.ReadReply();
        var second = subscriber.ReadReply();
        Assert.Equal(
            new[] { Push("message", K("news.tech"), "both"), Push("pmessage", K("news.*"), K("news.tech"), "both") }.Order(),
            new[] { first, second }.Order());
        Expect(Resp.Int(1), "PUBLISH", K("news.sport"), "pattern only");
        Assert.Equal(Push("pmessage", K("news.*"), K("news.sport"), "pattern only"), subscriber.ReadReply());
        Expect(Resp.Int(0), "PUBLISH", K("weather"), "none");
    }

    [Fact]
    public void A_resp2_subscriber_may_only_use_subscription_commands_ping_quit_and_reset()
    {
        using var subscriber = Node.Raw();
        subscriber.Command("SUBSCRIBE", K("ch"));
        Assert.Equal(Resp.Err("ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"),
            subscriber.Command("GET", K("k")));
        Assert.Equal(Resp.Err("ERR Can't execute 'config|get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"),
            subscriber.Command("CONFIG", "GET", "maxclients"));
        Assert.Equal(Resp.Err("ERR unknown command 'NOSUCH', with args beginning with: "), subscriber.Command("NOSUCH"));
        Assert.Equal(Resp.BulkArray("pong", ""), subscriber.Command("PING"));
        Assert.Equal(Resp.BulkArray("pong", "hi"), subscriber.Command("PING", "hi"));
        Assert.Equal(Resp.Simple("RESET"), subscriber.Command("RESET"));
        Assert.Equal(Resp.Nil, subscriber.Command("GET", K("k")));
        Expect(Resp.Int(0), "PUBLISH", K("ch"), "after reset");
    }

    [Fact]
    public void Pubsub_introspection()
    {
        using var a = Node.Raw();
        using var b = Node.Raw();
        var numpat = long.Parse(Cmd("PUBSUB", "NUMPAT")[1..^2]);
        a.Command("SUBSCRIBE", K("x"));
        b.Command("SUBSCRIBE", K("x"));
        b.Command("SUBSCRIBE", K("y"));
        b.Command("PSUBSCRIBE", K("*"));
        Assert.Equal([K("x"), K("y")], Resp.ParseFlatArray(Cmd("PUBSUB", "CHANNELS", K("*"))).Order());
        Expect(Resp.BulkArray(K("y")), "PUBSUB", "CHANNELS", K("y"));
        Expect(Resp.Array(Resp.Bulk(K("x")), Resp.Int(2), Resp.Bulk(K("y")), Resp.Int(1), Resp.Bulk(K("z")), Resp.Int(0)),
            "PUBSUB", "NUMSUB", K("x"), K("y"), K("z"));
        Expect(Resp.EmptyArray, "PUBSUB", "NUMSUB");
        Expect(Resp.Int(numpat + 1), "PUBSUB", "NUMPAT");
        var stats = Cmd("INFO", "stats");
        Assert.Contains($"pubsub_patterns:{numpat + 1}\r\n", stats);
        Assert.Matches(@"pubsub_channels:[1-9]\d*\r\n", stats);
        Expect(Resp.Err("ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP."), "PUBSUB", "CHANNELS", "a", "b");
        Expect(Resp.Err("ERR unknown subcommand 'FOO'. Try PUBSUB HELP."), "PUBSUB", "FOO");
        Expect(Resp.WrongArity("publish"), "PUBLISH", K("x"));
    }

    [Fact]
    public void A_closed_subscriber_is_forgotten()
    {
        using (var subscriber = Node.Raw())
        {
            subscriber.Command("SUBSCRIBE", K("gone"));
            Expect(Resp.Array(Resp.Bulk(K("gone")), Resp.Int(1)), "PUBSUB", "NUMSUB", K("gone"));
        }
        Eventually.True(() => Cmd("PUBSUB", "NUMSUB", K("gone")) == Resp.Array(Resp.Bulk(K("gone")), Resp.Int(0)), "NUMSUB drops to 0");
        Expect(Resp.Int(0), "PUBLISH", K("gone"), "x");
    }

    [Fact]
    public void A_subscriber_that_stops_reading_is_disconnected_past_the_pubsub_output_limit()
    {
        // Redis's client-output-buffer-limit for pub/sub: 32 MB hard. 96 MB of messages to a subscriber that reads
        // nothing (and takes little into its socket): the node drops it rather than hold them all.
        using var subscriber = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp)
        {
            ReceiveBufferSize = 4096,
        };
        subscriber.Connect("127.0.0.1", Node.Port);
        subscriber.Send(System.Text.Encoding.ASCII.GetBytes(RawRespClient.Encode("SUBSCRIBE", K("slow"))));
        Eventually.True(() => Cmd("PUBSUB", "NUMSUB", K("slow")) == Resp.Array(Resp.Bulk(K("slow")), Resp.Int(1)), "subscribed");
        var message = new string('m', 4096);
        var batch = new System.Text.StringBuilder();
        for (var i = 0; i < 1000; i++) batch.Append(RawRespClient.Encode("PUBLISH", K("slow"), message));
        string pipeline = batch.ToString();
        for (var round = 0; round < 24; round++)
        {
            Raw.Send(pipeline);
            for (var i = 0; i < 1000; i++) Raw.ReadReply(); // 1 while subscribed, 0 once dropped
        }
        Eventually.True(() => Cmd("PUBSUB", "NUMSUB", K("slow")) == Resp.Array(Resp.Bulk(K("slow")), Resp.Int(0)), "the slow subscriber is dropped");
        Assert.Equal("+PONG\r\n", Raw.Command("PING"));
    }

    [Fact]
    public void Many_messages_arrive_complete_and_in_order()
    {
        using var subscriber = Node.Raw();
        subscriber.Command("SUBSCRIBE", K("seq"));
        const int count = 2000;
        var batch = new System.Text.StringBuilder();
        for (var i = 0; i < count; i++) batch.Append(RawRespClient.Encode("PUBLISH", K("seq"), "m" + i));
        Raw.Send(batch.ToString());
        for (var i = 0; i < count; i++) Assert.Equal(Resp.Int(1), Raw.ReadReply());
        for (var i = 0; i < count; i++) Assert.Equal(Push("message", K("seq"), "m" + i), subscriber.ReadReply());
    }

    [Fact]
    public async Task Messages_and_the_subscribers_own_replies_never_interleave_inside_a_frame()
    {
        // RESP3: the subscriber keeps sending commands while another client publishes; every frame it reads must be
        // whole (a push or a reply), and all of both must arrive.
        using var subscriber = Node.Raw();
        Assert.StartsWith("%7", subscriber.Command("HELLO", "3"));
        subscriber.Command("SUBSCRIBE", K("mix"));
        const int messages = 3000, pings = 3000;
        var payload = new string('p', 300);
        var publishing = Task.Run(() =>
        {
            using var publisher = Node.Raw();
            for (var i = 0; i < messages; i++) publisher.Send(RawRespClient.Encode("PUBLISH", K("mix"), payload + i));
            for (var i = 0; i < messages; i++) Assert.Equal(Resp.Int(1), publisher.ReadReply());
        });
        var sending = Task.Run(() =>
        {
            for (var i = 0; i < pings; i++) subscriber.Send(RawRespClient.Encode("ECHO", "e" + i));
        });
        int seenMessages = 0, seenEchoes = 0;
        while (seenMessages < messages || seenEchoes < pings)
        {
            var frame = subscriber.ReadReply();
            if (frame.StartsWith(">3\r\n$7\r\nmessage\r\n", StringComparison.Ordinal))
            {
                Assert.EndsWith($"{payload}{seenMessages}\r\n", frame);
                seenMessages++;
            }
            else
            {
                Assert.Equal(Resp.Bulk("e" + seenEchoes), frame);
                seenEchoes++;
            }
        }
        await publishing;
        await sending;
    }

    [Fact]
    public void Subscribers_that_vanish_while_messages_flow_leave_the_server_healthy()
    {
        for (var round = 0; round < 5; round++)
        {
            // The previous round's subscriber closed its socket; until the server has noticed, PUBLISH counts it too.
            Eventually.True(() => Cmd("PUBSUB", "NUMSUB", K("flood")) == Resp.Array(Resp.Bulk(K("flood")), Resp.Int(0)),
                "the previous subscriber is gone");
            var subscriber = Node.Raw();
            subscriber.Command("SUBSCRIBE", K("flood"));
            var batch = new System.Text.StringBuilder();
            for (var i = 0; i < 500; i++) batch.Append(RawRespClient.Encode("PUBLISH", K("flood"), new string('x', 1000)));
            Raw.Send(batch.ToString());
            subscriber.Dispose(); // gone without reading or unsubscribing
            for (var i = 0; i < 500; i++) Assert.Matches(@"^:[01]\r\n$", Raw.ReadReply());
        }
        Eventually.True(() => Cmd("PUBSUB", "NUMSUB", K("flood")) == Resp.Array(Resp.Bulk(K("flood")), Resp.Int(0)), "all gone");
        Node.AssertAlive();
    }

    [Fact]
    public void Stack_exchange_redis_subscriber_receives_messages()
    {
        var received = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var subscriber = Node.Redis.GetSubscriber();
        var channel = RedisChannel.Literal(K("se"));
        subscriber.Subscribe(channel, (_, message) => received.Enqueue(message!));
        Eventually.True(() => Cmd("PUBLISH", K("se"), "one") == Resp.Int(1), "subscription registered");
        Eventually.True(() => received.Contains("one"), "message delivered to the handler");
        Assert.Equal(1, subscriber.Publish(channel, "two"));
        Eventually.True(() => received.Contains("two"), "message published by SE.Redis delivered");
        subscriber.Unsubscribe(channel);
        Eventually.True(() => Cmd("PUBLISH", K("se"), "three") == Resp.Int(0), "unsubscribed");
    }
}
