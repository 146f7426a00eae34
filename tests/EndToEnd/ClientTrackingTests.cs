using System.Globalization;
using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

[CollectionDefinition(Name)]
public sealed class TrackingCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "tracking";
}

/// <summary>
/// Server-assisted client-side caching (CLIENT TRACKING, CACHING, TRACKINGINFO, GETREDIR), each scenario run
/// against HyperCache and against redis-server 7.0.15 with the same expectations, byte for byte. Invalidations a
/// writer on another connection causes arrive asynchronously: a test reads them as they come (with a deadline) and,
/// to show that something was NOT sent, makes a later write that is sent and checks it is the next message.
/// The tracking table is node-wide, so these tests have a server of their own.
/// </summary>
[Collection(TrackingCollection.Name)]
public sealed class ClientTrackingTests(NodeFixture node, RedisReference redis) : E2ETest(node), IClassFixture<RedisReference>
{
    [Fact] public void Default_mode_invalidates_each_read_key_once() => DefaultMode(Node);
    [RedisServerFact] public void Default_mode_invalidates_each_read_key_once_on_redis() => DefaultMode(redis.Server);

    [Fact] public void Writes_by_a_transaction_a_script_and_the_client_itself_invalidate() => TransactionsAndScripts(Node);
    [RedisServerFact] public void Writes_by_a_transaction_a_script_and_the_client_itself_invalidate_on_redis() => TransactionsAndScripts(redis.Server);

    [Fact] public void A_script_that_reads_tracks_its_declared_keys() => ScriptReads(Node);
    [RedisServerFact] public void A_script_that_reads_tracks_its_declared_keys_on_redis() => ScriptReads(redis.Server);

    [Fact] public void Lowering_the_table_limit_evicts_at_once() => LowerLimit(Node);
    [RedisServerFact] public void Lowering_the_table_limit_evicts_at_once_on_redis() => LowerLimit(redis.Server);

    [Fact] public void A_flush_sends_a_null_invalidation_to_every_tracking_client() => Flush(Node);
    [RedisServerFact] public void A_flush_sends_a_null_invalidation_to_every_tracking_client_on_redis() => Flush(redis.Server);

    [Fact] public void Expiry_invalidates_a_read_key() => Expiry(Node);
    [RedisServerFact] public void Expiry_invalidates_a_read_key_on_redis() => Expiry(redis.Server);

    [Fact] public void An_eviction_before_a_read_is_told_before_its_reply() => EvictionBeforeRead(Node);
    [RedisServerFact] public void An_eviction_before_a_read_is_told_before_its_reply_on_redis() => EvictionBeforeRead(redis.Server);

    [Fact] public void Optin_and_optout_follow_client_caching() => OptInOut(Node);
    [RedisServerFact] public void Optin_and_optout_follow_client_caching_on_redis() => OptInOut(redis.Server);

    [Fact] public void Noloop_skips_the_clients_own_writes() => NoLoop(Node);
    [RedisServerFact] public void Noloop_skips_the_clients_own_writes_on_redis() => NoLoop(redis.Server);

    [Fact] public void Bcast_invalidates_every_key_under_a_prefix() => Bcast(Node);
    [RedisServerFact] public void Bcast_invalidates_every_key_under_a_prefix_on_redis() => Bcast(redis.Server);

    [Fact] public void Redirect_to_a_resp2_subscriber_and_a_broken_redirect() => Redirect(Node);
    [RedisServerFact] public void Redirect_to_a_resp2_subscriber_and_a_broken_redirect_on_redis() => Redirect(redis.Server);

    [Fact] public void Reads_of_every_type_and_movable_keys_are_tracked() => Types(Node);
    [RedisServerFact] public void Reads_of_every_type_and_movable_keys_are_tracked_on_redis() => Types(redis.Server);

    [Fact] public void A_client_side_cache_keeps_no_stale_value_under_concurrent_writes() => NoStaleValues(Node);
    [RedisServerFact] public void A_client_side_cache_keeps_no_stale_value_under_concurrent_writes_on_redis() => NoStaleValues(redis.Server);

    /// <summary>The options, their errors and TRACKINGINFO, against redis-server in RESP2 and RESP3 (client IDs
    /// differ between the servers, so the script refers to ids it learned).</summary>
    [RedisServerFact]
    public void Options_errors_and_trackinginfo_reply_as_redis_7_0_15()
    {
        var differences = new List<string>();
        foreach (int protocol in new[] { 2, 3 })
        {
            var transcripts = new List<List<string>>();
            foreach (var server in new[] { redis.Server, Node })
            {
                using var a = server.Raw();
                using var other = server.Raw();
                string otherId = Id(other);
                a.Command("HELLO", protocol.ToString(CultureInfo.InvariantCulture));
                var transcript = new List<string>();
                foreach (var line in OptionScript(otherId))
                    transcript.Add(string.Join(' ', line.Select(arg => arg == otherId ? "<id>" : arg)) + " -> " + a.Command(line).Replace($":{otherId}\r\n", ":<id>\r\n"));
                transcripts.Add(transcript);
            }
            for (int i = 0; i < transcripts[0].Count; i++)
                if (transcripts[0][i] != transcripts[1][i])
                    differences.Add($"RESP{protocol}\n  redis: {RawRespClient.Escape(transcripts[0][i])}\n  ours:  {RawRespClient.Escape(transcripts[1][i])}");
        }
        Assert.True(differences.Count == 0, $"{differences.Count} replies differ from redis-server's:\n" + string.Join("\n", differences));
    }

    private static string[][] OptionScript(string otherId) =>
    [
        ["CLIENT", "TRACKINGINFO"], ["CLIENT", "GETREDIR"], ["CLIENT", "TRACKING", "ON"], ["CLIENT", "TRACKINGINFO"], ["CLIENT", "GETREDIR"],
        ["CLIENT", "TRACKING", "OFF"], ["CLIENT", "TRACKING"], ["CLIENT", "TRACKING", "MAYBE"], ["CLIENT", "TRACKING", "ON", "PREFIX", "a"],
        ["CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a", "PREFIX", "ab"], ["CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "ab", "PREFIX", "a"],
        ["CLIENT", "TRACKING", "on", "bcast", "prefix", "a", "prefix", "a"], ["CLIENT", "TRACKING", "ON", "OPTIN", "OPTOUT"],
        ["CLIENT", "TRACKING", "ON", "BCAST", "OPTIN"], ["CLIENT", "TRACKING", "ON", "OPTOUT", "BCAST"], ["CLIENT", "TRACKING", "ON", "PREFIX", "a", "OPTIN", "OPTOUT"],
        ["CLIENT", "TRACKING", "ON", "REDIRECT", "999999"], ["CLIENT", "TRACKING", "ON", "REDIRECT", "abc"], ["CLIENT", "TRACKING", "ON", "REDIRECT"],
        ["CLIENT", "TRACKING", "ON", "REDIRECT", "0"], ["CLIENT", "TRACKING", "ON", "REDIRECT", "-1"], ["CLIENT", "TRACKING", "ON", "PREFIX"],
        ["CLIENT", "TRACKING", "ON", "FOO"], ["CLIENT", "TRACKING", "OFF", "FOO"], ["CLIENT", "TRACKING", "OFF", "BCAST", "PREFIX", "q"],
        ["CLIENT", "TRACKING", "ON", "REDIRECT", otherId, "REDIRECT", otherId],
        ["CLIENT", "CACHING", "YES"], ["CLIENT", "CACHING", "MAYBE"], ["CLIENT", "CACHING"], ["CLIENT", "CACHING", "YES", "x"],
        ["CLIENT", "TRACKING", "ON", "OPTIN"], ["CLIENT", "CACHING", "NO"], ["CLIENT", "CACHING", "yes"], ["CLIENT", "TRACKINGINFO"],
        ["CLIENT", "TRACKINGINFO"], ["PING"], ["CLIENT", "TRACKINGINFO"], ["CLIENT", "CACHING", "MAYBE"],
        ["CLIENT", "TRACKING", "ON", "OPTOUT"], ["CLIENT", "TRACKING", "ON", "BCAST"], ["CLIENT", "TRACKING", "ON"], ["CLIENT", "TRACKINGINFO"],
        ["CLIENT", "TRACKING", "OFF"], ["CLIENT", "TRACKING", "ON", "OPTOUT"], ["CLIENT", "CACHING", "YES"], ["CLIENT", "CACHING", "NO"],
        ["CLIENT", "TRACKINGINFO"], ["CLIENT", "TRACKING", "ON", "OPTIN"], ["CLIENT", "TRACKING", "OFF"],
        ["CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "x", "PREFIX", "y", "NOLOOP"], ["CLIENT", "TRACKINGINFO"],
        ["CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "xy"], ["CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "x"],
        ["CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "z"], ["CLIENT", "TRACKINGINFO"], ["CLIENT", "TRACKING", "ON", "BCAST"],
        ["CLIENT", "TRACKINGINFO"], ["CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "w"], ["CLIENT", "TRACKING", "ON"], ["CLIENT", "TRACKING", "OFF"],
        ["CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", ""], ["CLIENT", "TRACKINGINFO"], ["CLIENT", "TRACKING", "OFF"],
        ["CLIENT", "TRACKING", "ON", "REDIRECT", otherId, "NOLOOP"], ["CLIENT", "TRACKINGINFO"], ["CLIENT", "GETREDIR"],
        ["CLIENT", "TRACKING", "ON"], ["CLIENT", "GETREDIR"], ["CLIENT", "TRACKING", "OFF"], ["CLIENT", "TRACKINGINFO"],
        ["CLIENT", "TRACKINGINFO", "x"], ["CLIENT", "GETREDIR", "x"],
    ];

    [Fact]
    public void Client_list_shows_the_tracking_flags_and_redirect()
    {
        using var a = Node.Raw();
        using var r = Node.Raw();
        string rid = Id(r);
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "ON", "BCAST", "REDIRECT", rid));
        string info = a.Command("CLIENT", "INFO");
        Assert.Matches(@"\bflags=tB\b", info);
        Assert.Matches($@"\bredir={rid}\b", info);
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "OFF"));
        Assert.Matches(@"\bflags=N\b.*\bredir=-1\b", a.Command("CLIENT", "INFO"));
    }

    /// <summary>StackExchange.Redis has no client-side cache to test with, but it reads the tracking flags of CLIENT
    /// LIST.</summary>
    [Fact]
    public void StackExchange_Redis_reads_the_tracking_flags_of_client_list()
    {
        using var a = Node.Raw();
        using var r = Node.Raw();
        long id = long.Parse(Id(a), CultureInfo.InvariantCulture);
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "ON", "BCAST", "REDIRECT", Id(r)));
        var mine = Node.Server.ClientList().Single(c => c.Id == id);
        Assert.True(mine.Flags.HasFlag(StackExchange.Redis.ClientFlags.KeysTracking));
        Assert.True(mine.Flags.HasFlag(StackExchange.Redis.ClientFlags.BroadcastTracking));
        Assert.False(mine.Flags.HasFlag(StackExchange.Redis.ClientFlags.TrackingTargetInvalid));
    }

    [Fact]
    public void The_table_is_bounded_by_tracking_table_max_keys()
    {
        using var a = Resp3(Node);
        Expect(Resp.Ok, "CONFIG", "SET", "tracking-table-max-keys", "2");
        try
        {
            Expect(Resp.Array(Resp.Bulk("tracking-table-max-keys"), Resp.Bulk("2")), "CONFIG", "GET", "tracking-table-max-keys");
            Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "ON"));
            a.Command("MGET", K("t1"), K("t2"));
            // A third key makes the table evict one of the first two: its reader is told to drop it.
            Assert.Equal("_\r\n", a.Command("GET", K("t3")));
            string evicted = a.ReadReply();
            Assert.True(evicted == Push(K("t1")) || evicted == Push(K("t2")), RawRespClient.Escape(evicted));
        }
        finally
        {
            Expect(Resp.Ok, "CONFIG", "SET", "tracking-table-max-keys", "1000000");
        }
    }

    [Fact]
    public void Info_counts_tracking_clients_keys_items_and_prefixes()
    {
        // The table is dropped once no client tracks: wait for the earlier tests' clients to be gone.
        Eventually.True(() => Cmd("INFO", "clients").Contains("tracking_clients:0\r\n"), "no tracking client left");
        using var a = Resp3(Node);
        using var c = Resp3(Node);
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "ON"));
        Assert.Equal(Resp.Ok, c.Command("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", K("p1"), "PREFIX", K("p2")));
        a.Command("MGET", K("i1"), K("i2"));
        c.Command("CLIENT", "TRACKING", "OFF");
        c.Command("CLIENT", "TRACKING", "ON");
        c.Command("GET", K("i1"));
        string info = Cmd("INFO", "all");
        Assert.Contains("tracking_clients:2\r\n", info);
        Assert.Contains("tracking_total_keys:2\r\n", info);
        Assert.Contains("tracking_total_items:3\r\n", info);
        Assert.Contains("tracking_total_prefixes:0\r\n", info);
        a.Dispose();
        c.Dispose();
        Eventually.True(() => Cmd("INFO", "clients").Contains("tracking_clients:0\r\n"), "tracking clients gone after disconnect");
    }

    [Fact]
    public void Reset_and_disconnect_turn_tracking_off()
    {
        using var a = Resp3(Node);
        using var b = Node.Raw();
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "ON"));
        a.Command("GET", K("r"));
        Assert.Equal("+RESET\r\n", a.Command("RESET"));
        Assert.Contains("off", a.Command("CLIENT", "TRACKINGINFO"));
        b.Command("SET", K("r"), "1");
        Assert.Equal(Resp.Pong, a.Command("PING")); // RESP2 again after RESET, and no push was queued for it
    }

    // ---- scenarios, run against both servers ----

    private void DefaultMode(NodeFixture server)
    {
        using var a = Resp3(server);
        using var b = server.Raw();
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "ON"));
        Assert.Equal("_\r\n", a.Command("GET", K("k1")));
        Assert.Equal("*2\r\n_\r\n_\r\n", a.Command("MGET", K("k2"), K("k3")));
        Assert.Equal("_\r\n", a.Command("HGET", K("h"), "f"));

        Assert.Equal(Resp.Ok, b.Command("SET", K("k1"), "v"));
        Assert.Equal(Push(K("k1")), a.ReadReply());
        Assert.Equal(Resp.Ok, b.Command("SET", K("k1"), "again")); // forgotten after one invalidation
        Assert.Equal(Resp.Ok, b.Command("MSET", K("k2"), "x", K("k3"), "y"));
        Assert.Equal(Push(K("k2")), a.ReadReply());
        Assert.Equal(Push(K("k3")), a.ReadReply());
        Assert.Equal(":1\r\n", b.Command("HSET", K("h"), "f", "v"));
        Assert.Equal(Push(K("h")), a.ReadReply());

        // The table does not tell databases apart (as Redis's).
        Assert.Equal("$5\r\nagain\r\n", a.Command("GET", K("k1")));
        b.Command("SELECT", "1");
        Assert.Equal(Resp.Ok, b.Command("SET", K("k1"), "db1"));
        Assert.Equal(Push(K("k1")), a.ReadReply());
        b.Command("DEL", K("k1"));
        b.Command("SELECT", "0");

        // Its own write: the reply first, then the invalidation.
        Assert.Equal("$5\r\nagain\r\n", a.Command("GET", K("k1")));
        Assert.Equal(Resp.Ok + Push(K("k1")), a.Command("SET", K("k1"), "mine") + a.ReadReply());
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "OFF"));
        b.Command("DEL", K("k1"), K("k2"), K("k3"), K("h"));
    }

    private void TransactionsAndScripts(NodeFixture server)
    {
        using var a = Resp3(server);
        using var b = server.Raw();
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "ON"));
        a.Command("MGET", K("m1"), K("m2"), K("s"));

        b.Command("MULTI");
        b.Command("SET", K("m1"), "1");
        b.Command("INCR", K("m2"));
        Assert.Equal("*2\r\n+OK\r\n:1\r\n", b.Command("EXEC"));
        Assert.Equal(Push(K("m1")), a.ReadReply());
        Assert.Equal(Push(K("m2")), a.ReadReply());

        Assert.Equal(":1\r\n", b.Command("EVAL", "redis.call('set', KEYS[1], 'x') return 1", "1", K("s")));
        Assert.Equal(Push(K("s")), a.ReadReply());

        // Reads inside the client's own EXEC are tracked; its own writes there are sent after EXEC's reply.
        a.Command("MULTI");
        a.Command("GET", K("m1"));
        a.Command("SET", K("m1"), "2");
        Assert.Equal("*2\r\n$1\r\n1\r\n+OK\r\n" + Push(K("m1")), a.Command("EXEC") + a.ReadReply());
        a.Command("GET", K("m1"));
        Assert.Equal(Resp.Ok + Push(K("m1")), a.Command("EVAL", "return redis.call('set', KEYS[1], 'y')", "1", K("m1")) + a.ReadReply());
        b.Command("DEL", K("m1"), K("m2"), K("s"));
    }

    /// <summary>Redis 7.0's rule (its tracking tests' "Tracking only occurs for scripts when a command calls a
    /// read-only command"): a script that reads remembers the keys it declared, whatever it read; one that only
    /// writes or pings, none. Every step that must not invalidate is followed by one that must, whose message has to
    /// be the next one.</summary>
    private void ScriptReads(NodeFixture server)
    {
        using var a = Resp3(server);
        using var b = server.Raw();
        string k1 = K("sk1"), k2 = K("sk2"), other = K("sk3");
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "ON"));
        Assert.Equal("_\r\n", a.Command("EVAL", "redis.call('set', '" + other + "', 'bar')", "2", k1, k2));
        b.Command("MSET", k2, "1", k1, "1");                                    // not tracked: nothing
        Assert.Equal("_\r\n", a.Command("EVAL", "redis.call('get', '" + other + "')", "2", k1, k2));
        b.Command("MSET", k2, "2", k1, "2");
        Assert.Equal(Push(k2), a.ReadReply());
        Assert.Equal(Push(k1), a.ReadReply());
        Assert.Equal("_\r\n", a.Command("EVAL_RO", "redis.call('ping')", "2", k1, k2));
        b.Command("MSET", k2, "3", k1, "3");                                    // a ping reads nothing: nothing
        Assert.Equal("_\r\n", a.Command("EVAL_RO", "redis.call('get', KEYS[1])", "2", k1, k2));
        b.Command("MSET", k2, "4", k1, "4");
        Assert.Equal(Push(k2), a.ReadReply());
        Assert.Equal(Push(k1), a.ReadReply());
        Assert.Equal(Resp.Pong, a.Command("PING"));
        b.Command("DEL", k1, k2, other);
    }

    /// <summary>CONFIG SET tracking-table-max-keys below the table's size forgets keys right away, telling their
    /// readers (Redis's tracking tests wait for that message with nothing else going on).</summary>
    private void LowerLimit(NodeFixture server)
    {
        using var a = Resp3(server);
        using var admin = server.Raw();
        string k1 = K("lim1"), k2 = K("lim2");
        var limit = Resp.ParseFlatArray(admin.Command("CONFIG", "GET", "tracking-table-max-keys"))[1]!;
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "ON"));
        a.Command("MSET", k1, "1", k2, "2");
        a.Command("MGET", k1, k2);
        try
        {
            Assert.Equal(Resp.Ok, admin.Command("CONFIG", "SET", "tracking-table-max-keys", "1"));
            var evicted = a.ReadReply();
            Assert.True(evicted == Push(k1) || evicted == Push(k2), evicted);
        }
        finally
        {
            admin.Command("CONFIG", "SET", "tracking-table-max-keys", limit);
        }
        admin.Command("DEL", k1, k2);
    }

    private void Flush(NodeFixture server)
    {
        using var a = Resp3(server);
        using var bcast = Resp3(server);
        using var b = server.Raw();
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "ON"));
        Assert.Equal(Resp.Ok, bcast.Command("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", K("none:")));
        a.Command("GET", K("f"));
        b.Command("SELECT", "3");
        Assert.Equal(Resp.Ok, b.Command("FLUSHDB")); // another database: still a null invalidation to every tracker
        b.Command("SELECT", "0");
        Assert.Equal(FlushPush, a.ReadReply());
        Assert.Equal(FlushPush, bcast.ReadReply());
        // The table was emptied: a later write of the key sends nothing; the next message is the sentinel's.
        b.Command("SET", K("f"), "1");
        a.Command("GET", K("sentinel"));
        b.Command("SET", K("sentinel"), "1");
        Assert.Equal(Push(K("sentinel")), a.ReadReply());
        // Its own FLUSHALL: after the reply.
        Assert.Equal(Resp.Ok + FlushPush, a.Command("FLUSHALL") + a.ReadReply());
        Assert.Equal(FlushPush, bcast.ReadReply());
    }

    private void Expiry(NodeFixture server)
    {
        using var a = Resp3(server, TimeSpan.FromSeconds(10));
        using var b = server.Raw();
        Assert.Equal(Resp.Ok, b.Command("SET", K("e"), "v", "PX", "200"));
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "ON"));
        Assert.Equal("$1\r\nv\r\n", a.Command("GET", K("e")));
        // Nobody touches the key again: active expiry deletes it and the reader hears of it (within the deadline).
        Assert.Equal(Push(K("e")), a.ReadReply());
    }

    /// <summary>Redis makes room before every command over maxmemory, reads included (its suite's "Tracking
    /// invalidation message of eviction keys should be before response"): the tracking reader of the key the read
    /// evicts gets the invalidation before the read's reply.</summary>
    private void EvictionBeforeRead(NodeFixture server)
    {
        using var a = Resp3(server);
        static long Field(string info, string name) => long.Parse(Regex.Match(info, name + @":(\d+)").Groups[1].Value);
        string memory = a.Command("INFO", "memory");
        long limit = Field(memory, "used_memory") - Field(memory, "mem_not_counted_for_evict") + 100 * 1024;
        string policy = Regex.Match(a.Command("CONFIG", "GET", "maxmemory-policy"), @"\$\d+\r\n([a-z-]+)\r\n$").Groups[1].Value;
        try
        {
            Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "ON"));
            Assert.Equal(Resp.Ok, a.Command("CONFIG", "SET", "maxmemory", limit.ToString(), "maxmemory-policy", "volatile-random"));
            Assert.Equal(Resp.Ok, a.Command("SETEX", K("volatile"), "10000", "x"));
            Assert.Equal("$1\r\nx\r\n", a.Command("GET", K("volatile")));
            a.Command("SETBIT", K("big"), "1600000", "0"); // 200 KB: over the limit from now on
            Assert.Equal(Push(K("volatile")), a.Command("GETBIT", K("big"), "0"));
            Assert.Equal(Resp.Int(0), a.ReadReply());
        }
        finally
        {
            a.Command("CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", policy);
            a.Command("DEL", K("big"));
        }
    }

    private void OptInOut(NodeFixture server)
    {
        using var a = Resp3(server);
        using var b = server.Raw();
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "ON", "OPTIN"));
        a.Command("GET", K("o1"));
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "CACHING", "YES"));
        a.Command("GET", K("o2"));
        a.Command("GET", K("o3")); // CACHING YES covered one command only
        b.Command("MSET", K("o1"), "1", K("o2"), "2", K("o3"), "3");
        Assert.Equal(Push(K("o2")), a.ReadReply());
        // CACHING YES before MULTI covers the whole transaction.
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "CACHING", "YES"));
        a.Command("MULTI");
        a.Command("GET", K("o1"));
        a.Command("GET", K("o3"));
        Assert.Equal("*2\r\n$1\r\n1\r\n$1\r\n3\r\n", a.Command("EXEC"));
        a.Command("GET", K("o2"));
        b.Command("MSET", K("o1"), "1", K("o2"), "2", K("o3"), "3");
        Assert.Equal(Push(K("o1")), a.ReadReply());
        Assert.Equal(Push(K("o3")), a.ReadReply());
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "OFF"));

        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "ON", "OPTOUT"));
        a.Command("GET", K("o1"));
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "CACHING", "NO"));
        a.Command("GET", K("o2"));
        a.Command("GET", K("o3"));
        b.Command("MSET", K("o1"), "1", K("o2"), "2", K("o3"), "3");
        Assert.Equal(Push(K("o1")), a.ReadReply());
        Assert.Equal(Push(K("o3")), a.ReadReply());
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "OFF"));
        b.Command("DEL", K("o1"), K("o2"), K("o3"));
    }

    private void NoLoop(NodeFixture server)
    {
        using var a = Resp3(server);
        using var b = server.Raw();
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "ON", "NOLOOP"));
        a.Command("GET", K("n"));
        Assert.Equal(Resp.Ok, a.Command("SET", K("n"), "mine"));
        Assert.Equal("$4\r\nmine\r\n", a.Command("GET", K("n"))); // no push came before this reply
        b.Command("SET", K("n"), "theirs");
        Assert.Equal(Push(K("n")), a.ReadReply());
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "OFF"));
        b.Command("DEL", K("n"));
    }

    private void Bcast(NodeFixture server)
    {
        using var a = Resp3(server);
        using var b = server.Raw();
        string user = K("user:"), obj = K("obj:");
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", user, "PREFIX", obj, "NOLOOP"));
        b.Command("SET", user + "1", "x");
        Assert.Equal(Push(user + "1"), a.ReadReply());
        b.Command("SET", K("other"), "y");                       // no prefix matches
        a.Command("SET", user + "9", "me");                      // NOLOOP: its own write
        b.Command("MSET", obj + "1", "1", obj + "2", "2");       // one message for the prefix, both keys
        Assert.Equal(Push(obj + "1", obj + "2"), a.ReadReply());
        b.Command("DEL", user + "1", user + "2");
        Assert.Equal(Push(user + "1"), a.ReadReply());           // only keys a write modified
        b.Command("MULTI");              // a transaction's keys: one message per prefix, in prefix order, keys in order, once
        b.Command("SET", user + "4", "1");
        b.Command("SET", obj + "3", "1");
        b.Command("SET", user + "3", "1");
        b.Command("SET", user + "4", "2");
        b.Command("EXEC");
        Assert.Equal(Push(obj + "3"), a.ReadReply());
        Assert.Equal(Push(user + "3", user + "4"), a.ReadReply());
        b.Command("EVAL", "redis.call('set', KEYS[1], '1') redis.call('set', KEYS[2], '1') return 1", "2", user + "5", user + "6");
        Assert.Equal(Push(user + "5", user + "6"), a.ReadReply());
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "OFF"));
        b.Command("SET", user + "1", "x");
        Assert.Equal(Resp.Pong, a.Command("PING"));
        b.Command("DEL", user + "1", user + "3", user + "4", user + "5", user + "6", user + "9", obj + "1", obj + "2", obj + "3", K("other"));
    }

    private void Redirect(NodeFixture server)
    {
        using var a = server.Raw();                 // RESP2: invalidations go to the redirect client
        using var r = server.Raw();
        using var b = server.Raw();
        string rid = Id(r);
        Assert.Equal("*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n", r.Command("SUBSCRIBE", "__redis__:invalidate"));
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "ON", "REDIRECT", rid));
        Assert.Equal(Resp.Int(long.Parse(rid, CultureInfo.InvariantCulture)), a.Command("CLIENT", "GETREDIR"));
        a.Command("GET", K("d"));
        b.Command("SET", K("d"), "x");
        Assert.Equal(Message(Resp.BulkArray(K("d"))), r.ReadReply());
        a.Command("GET", K("d"));
        b.Command("FLUSHALL");
        Assert.Equal(Message("$-1\r\n"), r.ReadReply()); // the null as the RESP2 tracking client would write it
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "OFF"));

        // A RESP3 tracking client whose redirect client went away is told so, once per invalidation it missed.
        using var c = Resp3(server);
        Assert.Equal(Resp.Ok, c.Command("CLIENT", "TRACKING", "ON", "REDIRECT", rid));
        c.Command("GET", K("d"));
        r.Dispose();
        Eventually.True(() => !b.Command("CLIENT", "LIST").Contains($"id={rid} "), "the redirect client is gone");
        b.Command("SET", K("d"), "y");
        Assert.Equal($">2\r\n$21\r\ntracking-redir-broken\r\n:{rid}\r\n", c.ReadReply());
        Assert.Contains("$15\r\nbroken_redirect\r\n", c.Command("CLIENT", "TRACKINGINFO"));
        b.Command("DEL", K("d"));
    }

    private void Types(NodeFixture server)
    {
        using var a = Resp3(server);
        using var b = server.Raw();
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "ON"));
        a.Command("ZUNION", "2", K("z1"), K("z2"));
        a.Command("LRANGE", K("l"), "0", "-1");
        a.Command("EXISTS", K("e1"), K("e2"));
        a.Command("XREAD", "STREAMS", K("x"), "0");
        a.Command("SISMEMBER", K("set"), "m");
        b.Command("ZADD", K("z2"), "1", "m");
        Assert.Equal(Push(K("z2")), a.ReadReply());
        b.Command("RPUSH", K("l"), "a");
        Assert.Equal(Push(K("l")), a.ReadReply());
        b.Command("SET", K("e2"), "1");
        Assert.Equal(Push(K("e2")), a.ReadReply());
        b.Command("XADD", K("x"), "1-1", "f", "v");
        Assert.Equal(Push(K("x")), a.ReadReply());
        b.Command("SADD", K("set"), "m");
        Assert.Equal(Push(K("set")), a.ReadReply());
        b.Command("RENAME", K("e2"), K("z1"));
        Assert.Equal(Push(K("z1")), a.ReadReply());
        b.Command("DEL", K("z1"), K("z2"), K("l"), K("x"), K("set"));
    }

    /// <summary>What client-side caching promises: a client that caches what it read and drops what it is told to
    /// never keeps a value the server no longer has, however writes race its reads (here a writer on another
    /// connection hammers the same keys). The end is a sentinel write after the writer stopped: pushes from one
    /// writer after another arrive in order, so once the sentinel's is read every earlier one was.</summary>
    private void NoStaleValues(NodeFixture server)
    {
        using var a = Resp3(server);
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "ON"));
        var keys = Enumerable.Range(0, 16).Select(i => K("c" + i)).ToArray();
        var cache = new Dictionary<string, string>();
        bool sentinelSeen = false;
        string sentinel = K("sentinel");

        // Reads one message; an invalidation updates the cache and gives null.
        string? Next()
        {
            string message = a.ReadReply();
            const string Head = ">2\r\n$10\r\ninvalidate\r\n";
            if (!message.StartsWith(Head, StringComparison.Ordinal)) return message;
            string rest = message[Head.Length..];
            if (rest == "_\r\n") cache.Clear();
            else
                foreach (var key in Resp.ParseFlatArray(rest))
                {
                    cache.Remove(key!);
                    if (key == sentinel) sentinelSeen = true;
                }
            return null;
        }
        string Reply(params string[] command)
        {
            a.Send(RawRespClient.Encode(command));
            while (true)
                if (Next() is { } reply) return reply;
        }

        using var stop = new CancellationTokenSource();
        using var writing = new ManualResetEventSlim();
        long writes = 0;
        var writer = Task.Run(() =>
        {
            using var b = server.Raw();
            foreach (var key in keys) b.Command("SET", key, "initial");
            var random = new Random(7);
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                b.Command("SET", keys[random.Next(keys.Length)], i.ToString(CultureInfo.InvariantCulture));
                Interlocked.Exchange(ref writes, i + 1);
                if (i == 100) writing.Set();
            }
        });
        Assert.True(writing.Wait(TimeSpan.FromSeconds(10)), "the writer is writing");
        var pick = new Random(11);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        for (int n = 0; (n < 4000 || Interlocked.Read(ref writes) < 2000) && DateTime.UtcNow < deadline; n++)
        {
            string key = keys[pick.Next(keys.Length)];
            if (cache.ContainsKey(key)) Assert.Equal(Resp.Pong, Reply("PING")); // a hit: no read, but hear pushes
            else
            {
                string value = Reply("GET", key);
                if (value.StartsWith('$')) cache[key] = value;
            }
        }
        stop.Cancel();
        writer.Wait();
        Assert.True(Interlocked.Read(ref writes) >= 2000, $"only {writes} writes raced the reads");

        Reply("GET", sentinel);
        using var c = server.Raw();
        c.Command("SET", sentinel, "1");
        while (!sentinelSeen) Next();
        foreach (var (key, value) in cache) Assert.Equal(c.Command("GET", key), value);
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "OFF"));
        c.Command(["DEL", .. keys, sentinel]);
    }

    // ---- helpers ----

    private static RawRespClient Resp3(NodeFixture server, TimeSpan? timeout = null)
    {
        var client = server.Raw(timeout);
        Assert.StartsWith("%", client.Command("HELLO", "3"));
        return client;
    }

    private static string Id(RawRespClient client) => Regex.Match(client.Command("CLIENT", "ID"), @"^:(\d+)").Groups[1].Value;

    private static string Push(params string[] keys) => ">2\r\n$10\r\ninvalidate\r\n" + Resp.BulkArray(keys);

    private const string FlushPush = ">2\r\n$10\r\ninvalidate\r\n_\r\n";

    private static string Message(string payload) => "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n" + payload;
}
