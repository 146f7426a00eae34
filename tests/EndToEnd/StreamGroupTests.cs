using HyperCache.EndToEnd.Tests.Infrastructure;
using StackExchange.Redis;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// Stream consumer groups: XGROUP, XREADGROUP (BLOCK too), XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO GROUPS and
/// CONSUMERS, through StackExchange.Redis and as raw replies and errors, with Redis 7.0.15's exact bytes (the suite
/// passes against both targets; XINFO CONSUMERS's "inactive" is Redis 7.2's and checked on HyperCache only).
/// </summary>
[Collection(StreamsCollection.Name)]
public sealed class StreamGroupTests(NodeFixture node) : E2ETest(node)
{
    private const string NullArray = "*-1\r\n";

    private IDatabase Db => Node.Db();

    private static string Entry(string id, params string[] fields) => Resp.Array(Resp.Bulk(id), Resp.BulkArray(fields));

    /// <summary>Entries 1-1..n-1, each with field f and value v{i}.</summary>
    private void Fill(string key, int n)
    {
        for (int i = 1; i <= n; i++) Expect(Resp.Bulk($"{i}-1"), "XADD", key, $"{i}-1", "f", "v" + i);
    }

    [Fact]
    public void A_consumer_group_reads_acknowledges_and_reports_through_the_client_library()
    {
        var key = K();
        Fill(key, 3);
        Assert.True(Db.StreamCreateConsumerGroup(key, "g", "0-0", createStream: false));
        var first = Db.StreamReadGroup(key, "g", "alice", ">", count: 2);
        Assert.Equal(["1-1", "2-1"], first.Select(e => (string)e.Id!));
        Assert.Equal("v1", (string)first[0]["f"]!);
        var rest = Db.StreamReadGroup(key, "g", "bob", ">");
        Assert.Equal(["3-1"], rest.Select(e => (string)e.Id!));
        Assert.Empty(Db.StreamReadGroup(key, "g", "bob", ">"));

        var pending = Db.StreamPending(key, "g");
        Assert.Equal(3, pending.PendingMessageCount);
        Assert.Equal(("1-1", "3-1"), ((string)pending.LowestPendingMessageId!, (string)pending.HighestPendingMessageId!));
        Assert.Equal(["alice:2", "bob:1"], pending.Consumers.Select(c => $"{c.Name}:{c.PendingMessageCount}"));
        var messages = Db.StreamPendingMessages(key, "g", 10, "alice");
        Assert.Equal(["1-1", "2-1"], messages.Select(m => (string)m.MessageId!));
        Assert.All(messages, m => Assert.Equal(1, m.DeliveryCount));

        Assert.Equal(1, Db.StreamAcknowledge(key, "g", "1-1"));
        Assert.Equal(0, Db.StreamAcknowledge(key, "g", "1-1"));
        var history = Db.StreamReadGroup(key, "g", "alice", "0-0");
        Assert.Equal(["2-1"], history.Select(e => (string)e.Id!));
        Assert.Equal(2, Db.StreamPendingMessages(key, "g", 10, "alice").Single().DeliveryCount);

        var group = Db.StreamGroupInfo(key).Single();
        Assert.Equal(("g", 2, 2, "3-1"), (group.Name, group.ConsumerCount, group.PendingMessageCount, (string?)group.LastDeliveredId));
        Assert.Equal((3L, 0L), (group.EntriesRead, group.Lag));
        var consumers = Db.StreamConsumerInfo(key, "g");
        Assert.Equal(["alice:1", "bob:1"], consumers.Select(c => $"{c.Name}:{c.PendingMessageCount}"));
        Assert.Equal(1, Db.StreamInfo(key).ConsumerGroupCount);
    }

    [Fact]
    public void Claims_move_pending_entries_through_the_client_library()
    {
        var key = K();
        Fill(key, 4);
        Db.StreamCreateConsumerGroup(key, "g", "0-0");
        Db.StreamReadGroup(key, "g", "alice", ">");
        Assert.Empty(Db.StreamClaim(key, "g", "bob", 3_600_000, ["1-1"])); // not idle for an hour
        var claimed = Db.StreamClaim(key, "g", "bob", 0, ["1-1", "2-1"]);
        Assert.Equal(["1-1", "2-1"], claimed.Select(e => (string)e.Id!));
        Assert.Equal(["3-1"], Db.StreamClaimIdsOnly(key, "g", "carol", 0, ["3-1"]).Select(id => (string)id!));
        var byOwner = Db.StreamPendingMessages(key, "g", 10, RedisValue.Null).ToDictionary(m => (string)m.MessageId!);
        Assert.Equal(("bob", 2), ((string)byOwner["1-1"].ConsumerName!, byOwner["1-1"].DeliveryCount));
        Assert.Equal(("carol", 1), ((string)byOwner["3-1"].ConsumerName!, byOwner["3-1"].DeliveryCount)); // JUSTID

        Db.StreamDelete(key, ["2-1"]);
        var auto = Db.StreamAutoClaim(key, "g", "dave", 0, "0-0", count: 2);
        Assert.Equal(["1-1"], auto.ClaimedEntries.Select(e => (string)e.Id!));
        Assert.Equal(["2-1"], auto.DeletedIds.Select(id => (string)id!)); // gone from the stream: dropped from the PEL
        Assert.Equal("3-1", (string?)auto.NextStartId);
        var next = Db.StreamAutoClaim(key, "g", "dave", 0, auto.NextStartId, count: 10);
        Assert.Equal(["3-1", "4-1"], next.ClaimedEntries.Select(e => (string)e.Id!));
        Assert.Equal("0-0", (string?)next.NextStartId);
        Assert.Equal(["dave:3"], Db.StreamPending(key, "g").Consumers.Select(c => $"{c.Name}:{c.PendingMessageCount}"));
    }

    [Fact]
    public void Xgroup_subcommands_and_their_errors()
    {
        const string needsKey = "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.";
        Expect(Resp.Err(needsKey), "XGROUP", "CREATE", K(), "g", "$");
        Expect(Resp.Int(0), "EXISTS", K());
        Expect(Resp.Ok, "XGROUP", "CREATE", K(), "g", "$", "MKSTREAM");
        Expect(Resp.Err("BUSYGROUP Consumer Group name already exists"), "XGROUP", "CREATE", K(), "g", "$");
        Expect(Resp.Err("ERR Invalid stream ID specified as stream command argument"), "XGROUP", "CREATE", K(), "h", "-");
        Expect(Resp.Err("ERR value for ENTRIESREAD must be positive or -1"), "XGROUP", "CREATE", K(), "h", "0", "ENTRIESREAD", "-5");
        Expect(Resp.Err("ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP."), "XGROUP", "CREATE", K(), "h", "0", "FOO");
        Expect(Resp.Err($"NOGROUP No such consumer group 'nog' for key name '{K()}'"), "XGROUP", "SETID", K(), "nog", "0");
        Expect(Resp.Err($"NOGROUP No such consumer group 'nog' for key name '{K()}'"), "XGROUP", "CREATECONSUMER", K(), "nog", "c");
        Expect(Resp.Err(needsKey), "XGROUP", "DESTROY", K("missing"), "g");
        Expect(Resp.Int(1), "XGROUP", "CREATECONSUMER", K(), "g", "c");
        Expect(Resp.Int(0), "XGROUP", "CREATECONSUMER", K(), "g", "c");
        Fill(K(), 2);
        Expect(Resp.Ok, "XGROUP", "SETID", K(), "g", "0");
        Cmd("XREADGROUP", "GROUP", "g", "c", "STREAMS", K(), ">");
        Expect(Resp.Int(2), "XGROUP", "DELCONSUMER", K(), "g", "c");
        Expect(Resp.Int(0), "XGROUP", "DELCONSUMER", K(), "g", "c");
        Expect(Resp.Ok, "XGROUP", "SETID", K(), "g", "$", "ENTRIESREAD", "2");
        Expect(Resp.Array(Resp.Array(Resp.Bulk("name"), Resp.Bulk("g"), Resp.Bulk("consumers"), Resp.Int(0), Resp.Bulk("pending"), Resp.Int(0),
            Resp.Bulk("last-delivered-id"), Resp.Bulk("2-1"), Resp.Bulk("entries-read"), Resp.Int(2), Resp.Bulk("lag"), Resp.Int(0))),
            "XINFO", "GROUPS", K());
        Expect(Resp.Int(1), "XGROUP", "DESTROY", K(), "g");
        Expect(Resp.Int(0), "XGROUP", "DESTROY", K(), "g");
        Expect(Resp.EmptyArray, "XINFO", "GROUPS", K());
        Expect(Resp.Ok, "SET", K("str"), "x");
        Expect(Resp.WrongType, "XGROUP", "CREATE", K("str"), "g", "0");
        Assert.StartsWith("*17\r\n+XGROUP <subcommand>", Cmd("XGROUP", "HELP"));
    }

    [Fact]
    public void Xreadgroup_errors_in_the_order_redis_checks_them()
    {
        Fill(K(), 1);
        Expect(Resp.Ok, "XGROUP", "CREATE", K(), "g", "0");
        Expect(Resp.Err($"NOGROUP No such key '{K()}' or consumer group 'nog' in XREADGROUP with GROUP option"),
            "XREADGROUP", "GROUP", "nog", "c", "STREAMS", K(), ">");
        Expect(Resp.Err($"NOGROUP No such key '{K("missing")}' or consumer group 'g' in XREADGROUP with GROUP option"),
            "XREADGROUP", "GROUP", "g", "c", "STREAMS", K(), K("missing"), ">", ">");
        Expect(Resp.Err("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."),
            "XREADGROUP", "GROUP", "g", "c", "STREAMS", K(), "$");
        Expect(Resp.Err("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."),
            "XREADGROUP", "GROUP", "g", "c", "STREAMS", K(), ">", K());
        Expect(Resp.Err("ERR Missing GROUP option for XREADGROUP"), "XREADGROUP", "COUNT", "1", "NOACK", "STREAMS", K(), ">");
        Expect(Resp.Err("ERR Invalid stream ID specified as stream command argument"), "XREADGROUP", "GROUP", "g", "c", "STREAMS", K(), "x");
        Expect(Resp.SyntaxError, "XREADGROUP", "GROUP", "g", "c", "FOO", "STREAMS", K(), ">");
        Expect(Resp.Ok, "SET", K("str"), "x");
        Expect(Resp.WrongType, "XREADGROUP", "GROUP", "g", "c", "STREAMS", K("str"), ">");
        // Nothing was read by the failed calls; a history read answers the stream even when empty.
        Expect(Resp.Array(Resp.Array(Resp.Bulk(K()), Resp.EmptyArray)), "XREADGROUP", "GROUP", "g", "c", "STREAMS", K(), "0");
        Expect(Resp.Array(Resp.Array(Resp.Bulk(K()), Resp.Array(Entry("1-1", "f", "v1")))), "XREADGROUP", "GROUP", "g", "c", "STREAMS", K(), ">");
        Expect(NullArray, "XREADGROUP", "GROUP", "g", "c", "STREAMS", K(), ">");
    }

    [Fact]
    public void A_pending_entry_deleted_from_the_stream_comes_back_as_nil_fields()
    {
        Fill(K(), 2);
        Expect(Resp.Ok, "XGROUP", "CREATE", K(), "g", "0");
        Cmd("XREADGROUP", "GROUP", "g", "c", "STREAMS", K(), ">");
        Expect(Resp.Int(1), "XDEL", K(), "1-1");
        Expect(Resp.Array(Resp.Array(Resp.Bulk(K()), Resp.Array(Resp.Array(Resp.Bulk("1-1"), NullArray), Entry("2-1", "f", "v2")))),
            "XREADGROUP", "GROUP", "g", "c", "STREAMS", K(), "0");
        Expect(Resp.Int(1), "XTRIM", K(), "MAXLEN", "0");
        Expect(Resp.Array(Resp.Int(2), Resp.Bulk("1-1"), Resp.Bulk("2-1"), Resp.Array(Resp.BulkArray("c", "2"))), "XPENDING", K(), "g");
    }

    [Fact]
    public void Xack_xpending_xclaim_and_xautoclaim_errors()
    {
        Fill(K(), 2);
        Expect(Resp.Ok, "XGROUP", "CREATE", K(), "g", "0");
        Expect(Resp.Int(0), "XACK", K("missing"), "g", "1-1");
        Expect(Resp.Int(0), "XACK", K(), "nog", "x"); // the group is looked up before the IDs are parsed
        Expect(Resp.Err("ERR Invalid stream ID specified as stream command argument"), "XACK", K(), "g", "x");
        Expect(Resp.Err($"NOGROUP No such key '{K()}' or consumer group 'nog'"), "XPENDING", K(), "nog");
        Expect(Resp.Array(Resp.Int(0), Resp.Nil, Resp.Nil, NullArray), "XPENDING", K(), "g");
        Expect(Resp.SyntaxError, "XPENDING", K(), "g", "-", "+");
        Expect(Resp.SyntaxError, "XPENDING", K(), "g", "IDLE", "10", "-", "+");
        Expect(Resp.NotInteger, "XPENDING", K(), "g", "-", "+", "x");
        Expect(Resp.Err($"NOGROUP No such key '{K()}' or consumer group 'nog'"), "XCLAIM", K(), "nog", "c", "0", "1-1");
        Expect(Resp.Err("ERR Invalid min-idle-time argument for XCLAIM"), "XCLAIM", K(), "g", "c", "x", "1-1");
        Expect(Resp.Err("ERR Unrecognized XCLAIM option 'FOO'"), "XCLAIM", K(), "g", "c", "0", "1-1", "FOO");
        Expect(Resp.Err("ERR Invalid IDLE option argument for XCLAIM"), "XCLAIM", K(), "g", "c", "0", "1-1", "IDLE", "x");
        Expect(Resp.Err("ERR COUNT must be > 0"), "XAUTOCLAIM", K(), "g", "c", "0", "0", "COUNT", "0");
        Expect(Resp.Err("ERR Invalid min-idle-time argument for XAUTOCLAIM"), "XAUTOCLAIM", K(), "g", "c", "x", "0");
        Expect(Resp.Err($"NOGROUP No such key '{K()}' or consumer group 'nog'"), "XAUTOCLAIM", K(), "nog", "c", "0", "0");
        Expect(Resp.Ok, "SET", K("str"), "x");
        foreach (var command in new[] { new[] { "XACK", K("str"), "g", "1-1" }, ["XPENDING", K("str"), "g"], ["XCLAIM", K("str"), "g", "c", "0", "1-1"],
                     ["XAUTOCLAIM", K("str"), "g", "c", "0", "0"], ["XINFO", "GROUPS", K("str")] })
            Expect(Resp.WrongType, command);
        Expect(Resp.Err("ERR no such key"), "XINFO", "GROUPS", K("missing"));
        Expect(Resp.Err($"NOGROUP No such consumer group 'nog' for key name '{K()}'"), "XINFO", "CONSUMERS", K(), "nog");

        // FORCE adds an entry nobody had; LASTID moves the group; RETRYCOUNT sets the count.
        Expect(Resp.Array(Resp.Bulk("2-1")), "XCLAIM", K(), "g", "c", "0", "2-1", "FORCE", "RETRYCOUNT", "7", "LASTID", "5-0", "JUSTID");
        var line = Cmd("XPENDING", K(), "g", "-", "+", "10");
        Assert.StartsWith("*1\r\n*4\r\n$3\r\n2-1\r\n$1\r\nc\r\n:", line);
        Assert.EndsWith("\r\n:7\r\n", line);
        Expect(Resp.Array(Resp.Bulk("0-0"), Resp.Array(Resp.Bulk("2-1")), Resp.EmptyArray), "XAUTOCLAIM", K(), "g", "d", "0", "0", "JUSTID");
        Assert.Contains(Resp.Bulk("5-0"), Cmd("XINFO", "GROUPS", K()));
    }

    [Fact]
    public void Group_writes_leave_watch_alone_but_mkstream_creates_a_watched_key()
    {
        Fill(K(), 1);
        Expect(Resp.Ok, "XGROUP", "CREATE", K(), "g", "0");
        using var other = Node.Raw();
        Expect(Resp.Ok, "WATCH", K(), K("new"));
        other.Command("XREADGROUP", "GROUP", "g", "c", "STREAMS", K(), ">");
        other.Command("XACK", K(), "g", "1-1");
        other.Command("XGROUP", "SETID", K(), "g", "0");
        Expect(Resp.Ok, "MULTI");
        Expect(Resp.Simple("QUEUED"), "PING");
        Expect(Resp.Array(Resp.Pong), "EXEC"); // as Redis 7.0: not a write of the key for WATCH
        Expect(Resp.Ok, "WATCH", K("new"));
        Assert.Equal(Resp.Ok, other.Command("XGROUP", "CREATE", K("new"), "g", "$", "MKSTREAM"));
        Expect(Resp.Ok, "MULTI");
        Expect(Resp.Simple("QUEUED"), "PING");
        Expect(NullArray, "EXEC");
    }

    [Fact]
    public void Xinfo_consumers_reports_idle_and_inactive_times()
    {
        Fill(K(), 1);
        Expect(Resp.Ok, "XGROUP", "CREATE", K(), "g", "0");
        Expect(Resp.Int(1), "XGROUP", "CREATECONSUMER", K(), "g", "lazy");
        Cmd("XREADGROUP", "GROUP", "g", "busy", "STREAMS", K(), ">");
        var reply = Cmd("XINFO", "CONSUMERS", K(), "g");
        var busy = Db.StreamConsumerInfo(K(), "g").Single(c => c.Name == "busy");
        Assert.Equal(1, busy.PendingMessageCount);
        Assert.InRange(busy.IdleTimeInMilliseconds, 0, 60_000);
        if (Node.IsRedis) return; // Redis 7.0.15 has no "inactive" field (7.2 added it)
        Assert.StartsWith("*2\r\n*8\r\n$4\r\nname\r\n$4\r\nbusy\r\n$7\r\npending\r\n:1\r\n$4\r\nidle\r\n:", reply);
        Assert.Contains("$8\r\ninactive\r\n:-1\r\n", reply); // lazy never read anything
    }

    [Fact]
    public void Xreadgroup_block_is_woken_by_an_xadd_and_delivers_into_the_pel()
    {
        Expect(Resp.Ok, "XGROUP", "CREATE", K(), "g", "$", "MKSTREAM");
        using var blocked = Block("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", K(), ">");
        Expect(Resp.Bulk("1-1"), "XADD", K(), "1-1", "f", "v1");
        Assert.Equal(Resp.Array(Resp.Array(Resp.Bulk(K()), Resp.Array(Entry("1-1", "f", "v1")))), blocked.ReadReply());
        Expect(Resp.Array(Resp.Int(1), Resp.Bulk("1-1"), Resp.Bulk("1-1"), Resp.Array(Resp.BulkArray("c", "1"))), "XPENDING", K(), "g");
        Eventually.True(() => BlockedClients() == 0, "nobody is blocked any more");
    }

    [Fact]
    public void Xreadgroup_block_hears_nogroup_or_unblocked_when_its_group_or_key_goes_or_is_overwritten_and_times_out_with_a_null_array()
    {
        Expect(Resp.Ok, "XGROUP", "CREATE", K(), "g", "$", "MKSTREAM");
        using var blocked = Block("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", K(), ">");
        Expect(Resp.Int(1), "XGROUP", "DESTROY", K(), "g");
        Assert.Equal(Resp.Err("NOGROUP the consumer group this client was blocked on no longer exists"), blocked.ReadReply());
        Expect(Resp.Ok, "XGROUP", "CREATE", K(), "g", "$");
        using (var deleted = Block("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", K(), ">"))
        {
            Expect(Resp.Int(1), "DEL", K());
            Assert.Equal(Resp.Err("UNBLOCKED the stream key no longer exists"), deleted.ReadReply());
        }
        Expect(Resp.Ok, "XGROUP", "CREATE", K(), "g", "$", "MKSTREAM");
        using (var overwritten = Block("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", K(), ">"))
        {
            Expect(Resp.Ok, "SET", K(), "a string now"); // as Redis: a stream overwritten is a stream gone
            Assert.Equal(Resp.Err("UNBLOCKED the stream key no longer exists"), overwritten.ReadReply());
        }
        Expect(Resp.Int(1), "DEL", K());
        Expect(Resp.Ok, "XGROUP", "CREATE", K(), "g", "$", "MKSTREAM");
        Expect(NullArray, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "50", "STREAMS", K(), ">");
        Expect(Resp.Ok, "MULTI");
        Expect(Resp.Simple("QUEUED"), "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", K(), ">");
        Expect(Resp.Array(NullArray), "EXEC");
    }
}
