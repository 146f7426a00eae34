using System.Globalization;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>notify-keyspace-events turns the whole server's notifications on: these tests get a server of their own.</summary>
[CollectionDefinition(Name)]
public sealed class KeyspaceNotificationCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "keyspace-notifications";
}

/// <summary>
/// Keyspace notifications (notify-keyspace-events): the flags and their canonical form, the K and E channels, the
/// events each class of command publishes (named as Redis names them, only when something changed), new, keymiss,
/// expired (lazy and active) and evicted. Each test subscribes a raw connection and reads the exact pushes; a
/// message the test publishes itself after the commands ("the fence") proves nothing else came before it.
/// </summary>
[Collection(KeyspaceNotificationCollection.Name)]
public sealed class KeyspaceNotificationTests(NodeFixture node) : E2ETest(node)
{
    private const string Setting = "notify-keyspace-events";

    private string Space(string name) => $"__keyspace@0__:{K(name)}";

    private string SpacePattern => $"__keyspace@0__:{Prefix}*";

    private void Notify(string flags) => Expect(Resp.Ok, "CONFIG", "SET", Setting, flags);

    /// <summary>A connection pattern-subscribed to the keyspace channels of this test's keys.</summary>
    private RawRespClient Listen()
    {
        var listener = Node.Raw();
        Assert.Equal(Resp.Array(Resp.Bulk("psubscribe"), Resp.Bulk(SpacePattern), Resp.Int(1)), listener.Command("PSUBSCRIBE", SpacePattern));
        return listener;
    }

    /// <summary>The next pushes are exactly these (event, key name) keyspace events, then nothing but the fence.</summary>
    private void ExpectEvents(RawRespClient listener, params (string Event, string Key)[] events)
    {
        var expected = events.Select(e => Resp.BulkArray("pmessage", SpacePattern, Space(e.Key), e.Event)).ToList();
        var actual = events.Select(_ => listener.ReadReply()).ToList();
        Assert.Equal(expected.Select(RawRespClient.Escape), actual.Select(RawRespClient.Escape));
        ExpectFence(listener);
    }

    private void ExpectFence(RawRespClient listener)
    {
        Expect(Resp.Int(1), "PUBLISH", Space("fence"), "fence");
        Assert.Equal(RawRespClient.Escape(Resp.BulkArray("pmessage", SpacePattern, Space("fence"), "fence")), RawRespClient.Escape(listener.ReadReply()));
    }

    public override void Dispose()
    {
        try
        {
            Cmd("CONFIG", "SET", Setting, "");
        }
        finally
        {
            base.Dispose();
        }
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("KEA", "AKE")]
    [InlineData("KEg$", "g$KE")]
    [InlineData("Egx", "gxE")]
    [InlineData("xgE", "gxE")]
    [InlineData("KElshz", "lshzKE")]
    [InlineData("g$lshzxetdK", "AK")]
    [InlineData("Km", "Km")]
    [InlineData("En", "nE")]
    [InlineData("KA$", "AK")]
    public void Config_get_answers_the_canonical_form(string given, string canonical)
    {
        Notify(given);
        Expect(Resp.BulkArray(Setting, canonical), "CONFIG", "GET", Setting);
    }

    [Fact]
    public void An_unknown_class_letter_is_refused_and_the_setting_kept()
    {
        Notify("Kg");
        Expect(Resp.Err($"ERR CONFIG SET failed (possibly related to argument '{Setting}') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'."),
            "CONFIG", "SET", Setting, "KgZ");
        Expect(Resp.BulkArray(Setting, "gK"), "CONFIG", "GET", Setting);
    }

    [Fact]
    public void Off_by_default_nothing_is_published()
    {
        Expect(Resp.BulkArray(Setting, ""), "CONFIG", "GET", Setting);
        using var listener = Listen();
        Expect(Resp.Ok, "SET", K("a"), "1");
        Expect(Resp.Int(1), "DEL", K("a"));
        Expect(Resp.Nil, "GET", K("a"));
        ExpectFence(listener);
    }

    [Fact]
    public void K_publishes_on_the_keys_channel_and_E_on_the_events_channel()
    {
        using var listener = Node.Raw();
        listener.Command("PSUBSCRIBE", SpacePattern);
        Assert.Equal(Resp.Array(Resp.Bulk("subscribe"), Resp.Bulk("__keyevent@0__:set"), Resp.Int(2)), listener.Command("SUBSCRIBE", "__keyevent@0__:set"));
        string onKey = Resp.BulkArray("pmessage", SpacePattern, Space("a"), "set");
        string onEvent = Resp.BulkArray("message", "__keyevent@0__:set", K("a"));

        Notify("E$");
        Expect(Resp.Ok, "SET", K("a"), "1");
        Assert.Equal(RawRespClient.Escape(onEvent), RawRespClient.Escape(listener.ReadReply()));
        ExpectFence(listener);

        Notify("K$");
        Expect(Resp.Ok, "SET", K("a"), "2");
        Assert.Equal(RawRespClient.Escape(onKey), RawRespClient.Escape(listener.ReadReply()));
        ExpectFence(listener);

        Notify("KE$");
        Expect(Resp.Ok, "SET", K("a"), "3");
        Assert.Equal(RawRespClient.Escape(onKey), RawRespClient.Escape(listener.ReadReply()));
        Assert.Equal(RawRespClient.Escape(onEvent), RawRespClient.Escape(listener.ReadReply()));
        ExpectFence(listener);

        Notify("KE"); // channels but no class: nothing
        Expect(Resp.Ok, "SET", K("a"), "4");
        ExpectFence(listener);
    }

    [Fact]
    public void Generic_commands()
    {
        Notify("Kg");
        using var listener = Listen();
        Expect(Resp.Ok, "SET", K("a"), "1");
        Expect(Resp.Int(1), "EXPIRE", K("a"), "100");
        Expect(Resp.Int(1), "PERSIST", K("a"));
        Expect(Resp.Ok, "RENAME", K("a"), K("b"));
        Expect(Resp.Int(1), "COPY", K("b"), K("c"));
        Expect(Resp.Int(2), "DEL", K("b"), K("c"), K("missing"));
        Expect(Resp.Ok, "SET", K("d"), "1");
        Expect(Resp.Int(1), "EXPIRE", K("d"), "-1"); // a time in the past deletes
        Expect(Resp.Ok, "SET", K("e"), "1");
        Expect(Resp.Bulk("1"), "GETDEL", K("e"));
        ExpectEvents(listener, ("expire", "a"), ("persist", "a"), ("rename_from", "a"), ("rename_to", "b"), ("copy_to", "c"),
            ("del", "b"), ("del", "c"), ("del", "d"), ("del", "e"));
    }

    [Fact]
    public void String_commands()
    {
        Notify("K$");
        using var listener = Listen();
        Expect(Resp.Ok, "SET", K("a"), "1");
        Expect(Resp.Int(2), "INCR", K("a"));
        Expect(Resp.Int(0), "DECRBY", K("a"), "2");
        Expect(Resp.Bulk("1.5"), "INCRBYFLOAT", K("a"), "1.5");
        Expect(Resp.Int(4), "APPEND", K("a"), "x");
        Expect(Resp.Int(4), "SETRANGE", K("a"), "0", "y");
        Expect(Resp.Ok, "MSET", K("b"), "1", K("c"), "2");
        Expect(Resp.Bulk("y.5x"), "GETSET", K("a"), "z");
        Expect(Resp.Int(0), "SETBIT", K("d"), "3", "1");
        Expect(Resp.Int(1), "SETNX", K("e"), "1");
        Expect(Resp.Int(0), "SETNX", K("e"), "2");
        ExpectEvents(listener, ("set", "a"), ("incrby", "a"), ("incrby", "a"), ("incrbyfloat", "a"), ("append", "a"), ("setrange", "a"),
            ("set", "b"), ("set", "c"), ("set", "a"), ("setbit", "d"), ("set", "e"));
    }

    [Fact]
    public void Set_with_a_time_to_live_publishes_set_then_expire()
    {
        Notify("K$g");
        using var listener = Listen();
        Expect(Resp.Ok, "SET", K("a"), "1", "EX", "100");
        Expect(Resp.Ok, "SETEX", K("b"), "100", "1");
        Expect(Resp.Ok, "SET", K("a"), "2", "KEEPTTL");
        ExpectEvents(listener, ("set", "a"), ("expire", "a"), ("set", "b"), ("expire", "b"), ("set", "a"));
    }

    [Fact]
    public void List_commands_and_the_del_of_an_emptied_list()
    {
        Notify("Klg");
        using var listener = Listen();
        Expect(Resp.Int(3), "RPUSH", K("l"), "a", "b", "c");
        Expect(Resp.Int(4), "LPUSH", K("l"), "z");
        Expect(Resp.Bulk("z"), "LPOP", K("l"));
        Expect(Resp.Bulk("c"), "RPOP", K("l"));
        Expect(Resp.Int(3), "LINSERT", K("l"), "BEFORE", "a", "q");
        Expect(Resp.Ok, "LSET", K("l"), "0", "w");
        Expect(Resp.Int(1), "LREM", K("l"), "0", "w");
        Expect(Resp.Ok, "LTRIM", K("l"), "0", "0");
        Expect(Resp.Bulk("a"), "LMOVE", K("l"), K("m"), "LEFT", "RIGHT");
        Expect(Resp.Bulk("a"), "RPOP", K("m"));
        ExpectEvents(listener, ("rpush", "l"), ("lpush", "l"), ("lpop", "l"), ("rpop", "l"), ("linsert", "l"), ("lset", "l"),
            ("lrem", "l"), ("ltrim", "l"), ("rpush", "m"), ("lpop", "l"), ("del", "l"), ("rpop", "m"), ("del", "m"));
    }

    [Fact]
    public void Hash_commands()
    {
        Notify("Khg");
        using var listener = Listen();
        Expect(Resp.Int(1), "HSET", K("h"), "f", "1");
        Expect(Resp.Int(0), "HSETNX", K("h"), "f", "2");
        Expect(Resp.Int(1), "HSETNX", K("h"), "g", "2");
        Expect(Resp.Int(3), "HINCRBY", K("h"), "f", "2");
        Expect(Resp.Bulk("3.5"), "HINCRBYFLOAT", K("h"), "f", "0.5");
        Expect(Resp.Int(2), "HDEL", K("h"), "f", "g");
        ExpectEvents(listener, ("hset", "h"), ("hset", "h"), ("hincrby", "h"), ("hincrbyfloat", "h"), ("hdel", "h"), ("del", "h"));
    }

    [Fact]
    public void Set_commands()
    {
        Notify("Ksg");
        using var listener = Listen();
        Expect(Resp.Int(2), "SADD", K("s"), "a", "b");
        Expect(Resp.Int(1), "SREM", K("s"), "a");
        Expect(Resp.Int(1), "SMOVE", K("s"), K("t"), "b");
        Expect(Resp.Int(1), "SADD", K("u"), "b");
        Expect(Resp.Int(1), "SINTERSTORE", K("v"), K("t"), K("u"));
        Expect(Resp.Int(1), "SUNIONSTORE", K("v"), K("t"));
        Expect(Resp.Int(0), "SDIFFSTORE", K("v"), K("t"), K("u"));
        Expect(Resp.Bulk("b"), "SPOP", K("t"));
        ExpectEvents(listener, ("sadd", "s"), ("srem", "s"), ("srem", "s"), ("del", "s"), ("sadd", "t"), ("sadd", "u"),
            ("sinterstore", "v"), ("sunionstore", "v"), ("del", "v"), ("spop", "t"), ("del", "t"));
    }

    [Fact]
    public void Sorted_set_commands()
    {
        Notify("Kzg");
        using var listener = Listen();
        Expect(Resp.Int(2), "ZADD", K("z"), "1", "a", "2", "b");
        Expect(Resp.Bulk("2"), "ZINCRBY", K("z"), "1", "a");
        Expect(Resp.Int(1), "ZREM", K("z"), "b");
        Expect(Resp.Int(1), "ZADD", K("z"), "5", "c");
        Expect(Resp.Int(1), "ZREMRANGEBYSCORE", K("z"), "5", "5");
        Expect(Resp.Int(1), "ZUNIONSTORE", K("w"), "1", K("z"));
        Expect(Resp.BulkArray("a", "2"), "ZPOPMIN", K("z"));
        Expect(Resp.Int(1), "ZRANGESTORE", K("x"), K("w"), "0", "-1");
        Expect(Resp.Int(1), "ZREMRANGEBYRANK", K("x"), "0", "0");
        ExpectEvents(listener, ("zadd", "z"), ("zincr", "z"), ("zrem", "z"), ("zadd", "z"), ("zremrangebyscore", "z"),
            ("zunionstore", "w"), ("zpopmin", "z"), ("del", "z"), ("zrangestore", "x"), ("zremrangebyrank", "x"), ("del", "x"));
    }

    [Fact]
    public void Stream_commands_and_an_emptied_stream_that_stays()
    {
        Notify("Ktg");
        using var listener = Listen();
        Expect(Resp.Bulk("1-1"), "XADD", K("s"), "1-1", "f", "v");
        Expect(Resp.Bulk("2-1"), "XADD", K("s"), "MAXLEN", "1", "2-1", "f", "v");
        Expect(Resp.Int(0), "XDEL", K("s"), "9-9");
        Expect(Resp.Int(1), "XDEL", K("s"), "2-1");
        Expect(Resp.Int(0), "XTRIM", K("s"), "MAXLEN", "0");
        Expect(Resp.Bulk("3-1"), "XADD", K("s"), "3-1", "f", "v");
        Expect(Resp.Int(1), "XTRIM", K("s"), "MINID", "4");
        Expect(Resp.Nil, "XADD", K("none"), "NOMKSTREAM", "*", "f", "v");
        ExpectEvents(listener, ("xadd", "s"), ("xadd", "s"), ("xtrim", "s"), ("xdel", "s"), ("xadd", "s"), ("xtrim", "s"));
    }

    [Fact]
    public void A_transaction_publishes_its_commands_events_in_order()
    {
        Notify("K$lg");
        using var listener = Listen();
        Expect(Resp.Ok, "MULTI");
        Expect(Resp.Simple("QUEUED"), "SET", K("a"), "1");
        Expect(Resp.Simple("QUEUED"), "RPUSH", K("l"), "x");
        Expect(Resp.Simple("QUEUED"), "DEL", K("a"));
        Expect(Resp.Array(Resp.Ok, Resp.Int(1), Resp.Int(1)), "EXEC");
        ExpectEvents(listener, ("set", "a"), ("rpush", "l"), ("del", "a"));
    }

    [Fact]
    public void A_blocked_pop_served_by_a_push_publishes_the_push_then_the_pop()
    {
        Notify("Klg");
        using var listener = Listen();
        using var blocked = Node.Raw();
        blocked.Send(RawRespClient.Encode("BLPOP", K("q"), "5"));
        Eventually.True(() => Cmd("INFO", "clients").Contains("blocked_clients:1\r\n"), "the client blocks");
        Expect(Resp.Int(1), "RPUSH", K("q"), "job");
        Assert.Equal(Resp.BulkArray(K("q"), "job"), blocked.ReadReply());
        ExpectEvents(listener, ("rpush", "q"), ("lpop", "q"), ("del", "q"));
    }

    [Fact]
    public void Writes_that_change_nothing_publish_nothing()
    {
        Notify("KA");
        Expect(Resp.Int(2), "SADD", K("s"), "a", "b");
        Expect(Resp.Int(1), "HSET", K("h"), "f", "1");
        Expect(Resp.Int(1), "ZADD", K("z"), "1", "a");
        Expect(Resp.Int(1), "RPUSH", K("l"), "a");
        Expect(Resp.Ok, "SET", K("k"), "v");
        using var listener = Listen();
        Expect(Resp.Int(0), "SADD", K("s"), "a");
        Expect(Resp.Int(0), "SREM", K("s"), "zz");
        Expect(Resp.Int(0), "SMOVE", K("s"), K("t"), "zz");
        Expect(Resp.Int(0), "HDEL", K("h"), "nope");
        Expect(Resp.Int(0), "ZADD", K("z"), "1", "a");
        Expect(Resp.Int(0), "ZREM", K("z"), "nope");
        Expect(Resp.Int(0), "ZREMRANGEBYSCORE", K("z"), "5", "9");
        Expect(Resp.Int(0), "LREM", K("l"), "0", "nope");
        Expect(Resp.Int(0), "LPUSHX", K("nolist"), "a");
        Expect(Resp.Nil, "LPOP", K("nolist"));
        Expect(Resp.Int(0), "DEL", K("missing"));
        Expect(Resp.Int(0), "EXPIRE", K("missing"), "10");
        Expect(Resp.Int(0), "PERSIST", K("k"));
        Expect(Resp.Int(1), "SETRANGE", K("k"), "0", "");
        Expect(Resp.Int(0), "RENAMENX", K("k"), K("k"));
        ExpectFence(listener);
    }

    [Fact]
    public void New_is_published_when_a_write_creates_the_key()
    {
        Notify("Kn$l");
        using var listener = Listen();
        Expect(Resp.Ok, "SET", K("a"), "1");
        Expect(Resp.Ok, "SET", K("a"), "2");
        Expect(Resp.Int(1), "RPUSH", K("l"), "x");
        Expect(Resp.Int(2), "RPUSH", K("l"), "y");
        ExpectEvents(listener, ("new", "a"), ("set", "a"), ("set", "a"), ("new", "l"), ("rpush", "l"), ("rpush", "l"));
    }

    [Fact]
    public void Restore_publishes_new_and_restore_and_del_when_its_ttl_is_past()
    {
        Expect(Resp.Int(2), "RPUSH", K("src"), "x", "y");
        var payload = (string)Resp.Parse(Cmd("DUMP", K("src")))!;
        Notify("Kgn");
        using var listener = Listen();
        Expect(Resp.Ok, "RESTORE", K("a"), "0", payload);
        Expect(Resp.Ok, "RESTORE", K("a"), "0", payload, "REPLACE");
        Expect(Resp.Ok, "RESTORE", K("a"), "1", payload, "REPLACE", "ABSTTL"); // already expired: the old key goes
        Expect(Resp.Ok, "RESTORE", K("b"), "1", payload, "ABSTTL");            // nothing to delete: nothing published
        ExpectEvents(listener, ("new", "a"), ("restore", "a"), ("new", "a"), ("restore", "a"), ("del", "a"));
    }

    [Fact]
    public void Keymiss_is_published_when_a_read_finds_no_key()
    {
        Notify("Km");
        using var listener = Listen();
        Expect(Resp.Nil, "GET", K("none"));
        Expect(Resp.Ok, "SET", K("a"), "1");
        Expect(Resp.Bulk("1"), "GET", K("a"));
        Expect(Resp.Int(0), "LLEN", K("nolist"));
        Expect(Resp.Int(1), "EXISTS", K("a"), K("b"));
        Expect(Resp.Int(-2), "TTL", K("c"));
        Expect(Resp.Simple("none"), "TYPE", K("d"));
        Expect(Resp.Int(-1), "TTL", K("a"));
        ExpectEvents(listener, ("keymiss", "none"), ("keymiss", "nolist"), ("keymiss", "b"), ("keymiss", "c"), ("keymiss", "d"));
    }

    [Fact]
    public void Expired_from_active_expiry()
    {
        Notify("Kx");
        using var listener = Listen();
        Expect(Resp.Ok, "SET", K("a"), "1", "PX", "50");
        // Nobody touches the key: only the active cycle (hz) can expire it.
        ExpectEvents(listener, ("expired", "a"));
    }

    [Fact]
    public void Expired_from_the_write_that_finds_the_key_expired()
    {
        Notify("Kx$");
        using var listener = Listen();
        Expect(Resp.Ok, "SET", K("a"), "1", "PX", "50");
        Eventually.True(() => Cmd("PTTL", K("a")) == Resp.Int(-2), "the key's time to live runs out");
        Expect(Resp.Ok, "SET", K("a"), "2", "NX");
        // Whether the read, the active cycle or the write deleted it: one "expired", before the write's own event.
        ExpectEvents(listener, ("set", "a"), ("expired", "a"), ("set", "a"));
    }

    [Fact]
    public void Evicted_under_maxmemory()
    {
        Notify("Ee");
        using var listener = Node.Raw();
        Assert.Equal(Resp.Array(Resp.Bulk("subscribe"), Resp.Bulk("__keyevent@0__:evicted"), Resp.Int(1)),
            listener.Command("SUBSCRIBE", "__keyevent@0__:evicted"));
        var value = new string('x', 4000);
        try
        {
            Expect(Resp.Ok, "FLUSHDB"); // only this test's keys, so whichever is evicted is one of them
            Expect(Resp.Ok, "CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
            for (int batch = 0; batch < 10; batch++)
            {
                var args = new List<string> { "MSET" };
                for (int i = 0; i < 50; i++) args.AddRange([K($"v{batch}:{i}"), value]);
                Expect(Resp.Ok, [.. args]);
            }
            long used = long.Parse(Cmd("INFO", "memory").Split("\r\n").First(l => l.StartsWith("used_memory:"))["used_memory:".Length..], CultureInfo.InvariantCulture);
            Expect(Resp.Ok, "CONFIG", "SET", "maxmemory", (used * 3 / 4).ToString(CultureInfo.InvariantCulture));
            Cmd("SET", K("trigger"), value);
            var push = listener.ReadReply();
            var message = Resp.BulkArray("message", "__keyevent@0__:evicted", "");
            Assert.StartsWith(message[..^"$0\r\n\r\n".Length], push);
            Assert.Contains(Prefix, push);
        }
        finally
        {
            Cmd("CONFIG", "SET", "maxmemory", "0");
            Cmd("CONFIG", "SET", "maxmemory-policy", "noeviction");
            Cmd("FLUSHDB");
        }
    }
}
