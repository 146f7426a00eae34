using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

[CollectionDefinition(Name)]
public sealed class MigrateCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "migrate";
}

/// <summary>MIGRATE's targets: a server of the same kind as the one under test, and one with a password.</summary>
public sealed class MigrateTargets : IAsyncLifetime
{
    public NodeFixture Plain { get; } = new();
    public PasswordNodeFixture Secured { get; } = new();

    public async Task InitializeAsync()
    {
        await Plain.InitializeAsync();
        await Secured.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Plain.DisposeAsync();
        await Secured.DisposeAsync();
    }
}

/// <summary>
/// MIGRATE from the node under test to another server of the same kind (HyperCache to HyperCache by default;
/// redis-server to redis-server with HYPERCACHE_E2E_TARGET=redis, which checks these expectations): each type with
/// its TTL, COPY, REPLACE, the KEYS form, NOKEY, AUTH/AUTH2, SELECT, the target's errors, IOERR, the socket cache,
/// keyspace events, MULTI and Lua. Replies are Redis 7.0.15's bytes.
/// </summary>
[Collection(MigrateCollection.Name)]
public sealed class MigrateTests(NodeFixture node, MigrateTargets targets) : E2ETest(node), IClassFixture<MigrateTargets>
{
    private const string BusyKey = "-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n";
    private const string WriteError = "-IOERR error or timeout writing to target instance\r\n";

    private string TargetPort => targets.Plain.Port.ToString();

    /// <summary>One value of each type under K(type), those in <paramref name="withTtl"/> with a 100 s TTL.</summary>
    internal static string[] BuildEachType(RawRespClient c, Func<string, string> key, params string[] withTtl)
    {
        c.Command("SET", key("string"), "a string value");
        c.Command(["RPUSH", key("list"), .. Enumerable.Range(0, 300).Select(i => "e" + i)]);
        c.Command(["HSET", key("hash"), .. Enumerable.Range(0, 200).SelectMany(i => new[] { "f" + i, "v" + i })]);
        c.Command("SADD", key("set"), "1", "2", "70000", "x");
        c.Command("ZADD", key("zset"), "1", "a", "2.5", "b", "-inf", "c");
        c.Command("XADD", key("stream"), "1-1", "a", "b");
        c.Command("XADD", key("stream"), "2-1", "c", "d");
        c.Command("XGROUP", "CREATE", key("stream"), "g", "0");
        c.Command("XREADGROUP", "GROUP", "g", "reader", "COUNT", "1", "STREAMS", key("stream"), ">");
        foreach (var type in withTtl) c.Command("PEXPIRE", key(type), "100000");
        return [.. new[] { "string", "list", "hash", "set", "zset", "stream" }.Select(key)];
    }

    private RawRespClient Target() => targets.Plain.Raw();

    [Fact]
    public void Each_type_moves_with_its_ttl_and_is_deleted_here()
    {
        var keys = BuildEachType(Raw, K, "list", "zset", "stream");
        var contents = keys.Select(k => DumpRestoreDifferentialTests.Content(Raw, k)).ToArray();
        Expect(Resp.Ok, ["MIGRATE", "127.0.0.1", TargetPort, "", "0", "5000", "KEYS", .. keys]);
        Expect(Resp.Int(0), ["EXISTS", .. keys]);
        using var target = Target();
        for (int i = 0; i < keys.Length; i++) Assert.Equal(contents[i], DumpRestoreDifferentialTests.Content(target, keys[i]));
        foreach (var k in keys)
        {
            long pttl = long.Parse(target.Command("PTTL", k)[1..^2]);
            if (k.EndsWith("list") || k.EndsWith("zset") || k.EndsWith("stream")) Assert.InRange(pttl, 90_000, 100_000);
            else Assert.Equal(-1, pttl);
        }
    }

    [Fact]
    public void Copy_keeps_the_key_here_and_replace_overwrites_the_target()
    {
        Cmd("SET", K(), "v1");
        Expect(Resp.Ok, "MIGRATE", "127.0.0.1", TargetPort, K(), "0", "5000", "COPY");
        Expect(Resp.Bulk("v1"), "GET", K());
        Cmd("SET", K(), "v2");
        Expect(BusyKey, "MIGRATE", "127.0.0.1", TargetPort, K(), "0", "5000");
        Expect(Resp.Bulk("v2"), "GET", K()); // kept: the target refused it
        Expect(Resp.Ok, "MIGRATE", "127.0.0.1", TargetPort, K(), "0", "5000", "REPLACE");
        Expect(Resp.Int(0), "EXISTS", K());
        using var target = Target();
        Assert.Equal(Resp.Bulk("v2"), target.Command("GET", K()));
        // COPY and REPLACE together; options are case-insensitive.
        Cmd("SET", K(), "v3");
        Expect(Resp.Ok, "MIGRATE", "127.0.0.1", TargetPort, K(), "0", "5000", "replace", "copy");
        Expect(Resp.Bulk("v3"), "GET", K());
        Assert.Equal(Resp.Bulk("v3"), target.Command("GET", K()));
    }

    [Fact]
    public void Keys_form_moves_the_keys_that_exist_and_nokey_when_none_does()
    {
        Cmd("SET", K("a"), "1");
        Cmd("SET", K("c"), "3");
        Expect(Resp.Ok, "MIGRATE", "127.0.0.1", TargetPort, "", "0", "5000", "KEYS", K("a"), K("missing"), K("c"));
        Expect(Resp.Int(0), "EXISTS", K("a"), K("c"));
        using var target = Target();
        Assert.Equal(Resp.BulkArray("1", null, "3"), target.Command("MGET", K("a"), K("missing"), K("c")));
        Expect(Resp.Simple("NOKEY"), "MIGRATE", "127.0.0.1", TargetPort, "", "0", "5000", "KEYS", K("a"), K("missing"));
        Expect(Resp.Simple("NOKEY"), "MIGRATE", "127.0.0.1", TargetPort, K("a"), "0", "5000");
        Expect(Resp.Simple("NOKEY"), "MIGRATE", "127.0.0.1", TargetPort, "", "0", "5000"); // the key "" does not exist
        Expect(Resp.Simple("NOKEY"), "MIGRATE", "127.0.0.1", TargetPort, "", "0", "5000", "KEYS");
    }

    [Fact]
    public void Argument_errors_are_redis_s()
    {
        Cmd("SET", K(), "v");
        const string Syntax = "-ERR syntax error\r\n";
        Expect(Resp.WrongArity("migrate"), "MIGRATE", "127.0.0.1", TargetPort, K(), "0");
        Expect(Syntax, "MIGRATE", "127.0.0.1", TargetPort, K(), "0", "5000", "NOSUCH");
        Expect(Syntax, "MIGRATE", "127.0.0.1", TargetPort, K(), "0", "5000", "AUTH");
        Expect(Syntax, "MIGRATE", "127.0.0.1", TargetPort, K(), "0", "5000", "AUTH2", "user");
        Expect("-ERR When using MIGRATE KEYS option, the key argument must be set to the empty string\r\n",
            "MIGRATE", "127.0.0.1", TargetPort, K(), "0", "5000", "KEYS", K());
        // The options come first, then the timeout, then the database.
        Expect(Syntax, "MIGRATE", "127.0.0.1", TargetPort, K(), "x", "y", "NOSUCH");
        Expect("-ERR value is not an integer or out of range\r\n", "MIGRATE", "127.0.0.1", TargetPort, K(), "0", "1.5");
        Expect("-ERR value is not an integer or out of range\r\n", "MIGRATE", "127.0.0.1", TargetPort, K(), "x", "5000");
        // A bad port is not an argument error: as C's atoi reads it, then a connection error.
        Expect("-IOERR error or timeout connecting to the client\r\n", "MIGRATE", "127.0.0.1", "-5", K(), "0", "1000");
        Expect("-IOERR error or timeout connecting to the client\r\n", "MIGRATE", "", TargetPort, K(), "0", "1000");
        Expect(Resp.Bulk("v"), "GET", K());
    }

    [Fact]
    public void A_busykey_among_several_moves_the_others_and_replies_the_target_s_error()
    {
        using var target = Target();
        target.Command("SET", K("taken"), "theirs");
        Cmd("SET", K("free"), "mine1");
        Cmd("SET", K("taken"), "mine2");
        Expect(BusyKey, "MIGRATE", "127.0.0.1", TargetPort, "", "0", "5000", "KEYS", K("taken"), K("free"));
        Expect(Resp.BulkArray("mine2", null), "MGET", K("taken"), K("free")); // the acknowledged one went
        Assert.Equal(Resp.BulkArray("theirs", "mine1"), target.Command("MGET", K("taken"), K("free")));
    }

    [Fact]
    public void Auth_and_auth2_reach_a_target_with_a_password()
    {
        string port = targets.Secured.Port.ToString();
        Cmd("SET", K(), "v");
        Expect("-ERR Target instance replied with error: NOAUTH Authentication required.\r\n", "MIGRATE", "127.0.0.1", port, K(), "0", "5000");
        Expect("-ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled.\r\n",
            "MIGRATE", "127.0.0.1", port, K(), "0", "5000", "AUTH", "wrong");
        Expect(Resp.Bulk("v"), "GET", K());
        Expect(Resp.Ok, "MIGRATE", "127.0.0.1", port, K(), "0", "5000", "AUTH", PasswordNodeFixture.Secret);
        Cmd("SET", K("2"), "w");
        Expect(Resp.Ok, "MIGRATE", "127.0.0.1", port, K("2"), "0", "5000", "AUTH2", "default", PasswordNodeFixture.Secret);
        Expect(Resp.Int(0), "EXISTS", K(), K("2"));
        using var target = targets.Secured.AuthenticatedRaw();
        Assert.Equal(Resp.BulkArray("v", "w"), target.Command("MGET", K(), K("2")));
    }

    [Fact]
    public void The_destination_database_is_selected_and_a_bad_one_is_the_target_s_error()
    {
        using var target = Target();
        Cmd("SET", K(), "in3");
        Expect(Resp.Ok, "MIGRATE", "127.0.0.1", TargetPort, K(), "3", "5000");
        Cmd("SET", K(), "in0");
        Expect(Resp.Ok, "MIGRATE", "127.0.0.1", TargetPort, K(), "0", "5000"); // the cached socket must SELECT again
        Assert.Equal(Resp.Bulk("in0"), target.Command("GET", K()));
        target.Command("SELECT", "3");
        Assert.Equal(Resp.Bulk("in3"), target.Command("GET", K()));
        Cmd("SET", K(), "nowhere");
        Expect("-ERR Target instance replied with error: ERR DB index is out of range\r\n", "MIGRATE", "127.0.0.1", TargetPort, K(), "-1", "5000");
        Expect(Resp.Bulk("nowhere"), "GET", K());
        // The source's own database is the one its keys are read from.
        Cmd("SELECT", "2");
        Cmd("SET", K("db2"), "x");
        Expect(Resp.Ok, "MIGRATE", "127.0.0.1", TargetPort, K("db2"), "0", "5000");
        Expect(Resp.Int(0), "EXISTS", K("db2"));
        target.Command("SELECT", "0");
        Assert.Equal(Resp.Bulk("x"), target.Command("GET", K("db2")));
    }

    [Fact]
    public void A_port_with_nothing_listening_fails_fast_with_ioerr()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        string port = ((IPEndPoint)listener.LocalEndpoint).Port.ToString();
        listener.Stop(); // a port nobody listens on
        Cmd("SET", K(), "v");
        var clock = Stopwatch.StartNew();
        // Redis 7.0 connects without waiting, so a refused connection shows at its first write.
        Expect(WriteError, "MIGRATE", "127.0.0.1", port, K(), "0", "10000");
        Assert.True(clock.ElapsedMilliseconds < 5000, $"took {clock.ElapsedMilliseconds} ms");
        Expect(WriteError, "MIGRATE", "127.0.0.1", port, K(), "0", long.MaxValue.ToString()); // any timeout is taken
        Expect(Resp.Bulk("v"), "GET", K());
    }

    [Fact]
    public void A_target_that_does_not_answer_times_out_with_ioerr_reading_and_keeps_the_key()
    {
        using var silent = new FakeTarget((stream, _, token) =>
        {
            FakeTarget.ReadUntil(stream, "RESTORE", 1);
            token.WaitHandle.WaitOne(); // never answers; ends with the fake
        });
        Cmd("SET", K(), "v");
        var clock = Stopwatch.StartNew();
        Expect("-IOERR error or timeout reading to target instance\r\n", "MIGRATE", "127.0.0.1", silent.Port.ToString(), K(), "0", "300");
        Assert.InRange(clock.ElapsedMilliseconds, 250, 5000);
        Assert.Equal(1, silent.Accepted); // a timeout is not retried
        Expect(Resp.Bulk("v"), "GET", K());
    }

    /// <summary>Clients connected to the target that last ran RESTORE: MIGRATE's cached sockets.</summary>
    private static List<string> MigrateConnections(RawRespClient target)
        => [.. ((string)Resp.Parse(target.Command("CLIENT", "LIST"))!).Split('\n').Where(l => l.Contains("cmd=restore")).Select(l => l.Split(' ')[0])];

    [Fact]
    public void The_socket_is_cached_reused_then_closed_when_idle_and_a_stale_one_is_replaced()
    {
        using var target = Target();
        Cmd("SET", K("1"), "a");
        Expect(Resp.Ok, "MIGRATE", "127.0.0.1", TargetPort, K("1"), "0", "5000");
        var first = MigrateConnections(target);
        Assert.Single(first);
        Cmd("SET", K("2"), "b");
        Expect(Resp.Ok, "MIGRATE", "127.0.0.1", TargetPort, K("2"), "0", "5000");
        Assert.Equal(first, MigrateConnections(target)); // the same connection

        // Closed by the target: the next MIGRATE finds it stale and retries once on a new one.
        Assert.Equal(Resp.Int(1), target.Command("CLIENT", "KILL", "ID", first[0]["id=".Length..]));
        Cmd("SET", K("3"), "c");
        Expect(Resp.Ok, "MIGRATE", "127.0.0.1", TargetPort, K("3"), "0", "5000");
        Assert.Equal(Resp.BulkArray("a", "b", "c"), target.Command("MGET", K("1"), K("2"), K("3")));
        var second = MigrateConnections(target);
        Assert.Single(second);
        Assert.NotEqual(first, second);

        // Idle for 10 s, the cached socket is closed.
        Eventually.True(() => MigrateConnections(target).Count == 0, "the idle MIGRATE socket closed", TimeSpan.FromSeconds(25));
    }

    [Fact]
    public void A_stale_socket_the_target_dropped_is_retried_once()
    {
        int served = 0;
        using var flaky = new FakeTarget((stream, index, token) =>
        {
            // The first connection reads the request and closes without a reply (a target that restarted).
            var request = FakeTarget.ReadUntil(stream, "RESTORE", 1);
            if (index == 0) return;
            Assert.StartsWith("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*4\r\n$7\r\nRESTORE\r\n", request);
            Interlocked.Increment(ref served);
            stream.Write("+OK\r\n+OK\r\n"u8);
            token.WaitHandle.WaitOne();
        });
        Cmd("SET", K(), "v");
        Expect(Resp.Ok, "MIGRATE", "127.0.0.1", flaky.Port.ToString(), K(), "0", "5000");
        Assert.Equal(2, flaky.Accepted);
        Assert.Equal(1, served);
        Expect(Resp.Int(0), "EXISTS", K());
    }

    [Fact]
    public void Keyspace_events_see_a_del_per_moved_key()
    {
        Cmd("CONFIG", "SET", "notify-keyspace-events", "Eg");
        try
        {
            using var listener = Node.Raw();
            listener.Command("SUBSCRIBE", "__keyevent@0__:del");
            Cmd("SET", K("a"), "1");
            Cmd("SET", K("b"), "2");
            Expect(Resp.Ok, "MIGRATE", "127.0.0.1", TargetPort, "", "0", "5000", "KEYS", K("a"), K("b"));
            Assert.Equal(Resp.BulkArray("message", "__keyevent@0__:del", K("a")), listener.ReadReply());
            Assert.Equal(Resp.BulkArray("message", "__keyevent@0__:del", K("b")), listener.ReadReply());
            Cmd("SET", K("c"), "3");
            Expect(Resp.Ok, "MIGRATE", "127.0.0.1", TargetPort, K("c"), "0", "5000", "COPY"); // COPY deletes nothing
            Cmd("DEL", K("c"));
            Assert.Equal(Resp.BulkArray("message", "__keyevent@0__:del", K("c")), listener.ReadReply());
        }
        finally
        {
            Cmd("CONFIG", "SET", "notify-keyspace-events", "");
        }
    }

    [Fact]
    public void Migrate_runs_inside_multi_and_from_lua()
    {
        Cmd("SET", K("m"), "1");
        Cmd("SET", K("l"), "2");
        Cmd("MULTI");
        Expect(Resp.Simple("QUEUED"), "MIGRATE", "127.0.0.1", TargetPort, K("m"), "0", "5000");
        Cmd("EXISTS", K("m"));
        Expect("*2\r\n+OK\r\n:0\r\n", "EXEC");
        Expect(Resp.Ok, "EVAL", "return redis.call('MIGRATE', '127.0.0.1', ARGV[1], KEYS[1], '0', '5000')", "1", K("l"), TargetPort);
        Expect(Resp.Int(0), "EXISTS", K("l"));
        using var target = Target();
        Assert.Equal(Resp.BulkArray("1", "2"), target.Command("MGET", K("m"), K("l")));
    }

    /// <summary>Redis blocks on a MIGRATE to itself until the timeout; here the target answers, so the keys move to
    /// another database of this node, and to their own database they stay (they were restored onto themselves).</summary>
    [HyperCacheFact]
    public void A_migrate_to_this_node_moves_between_databases_and_keeps_keys_restored_onto_themselves()
    {
        string self = Node.Port.ToString();
        Cmd("SET", K(), "v");
        Expect(BusyKey, "MIGRATE", "127.0.0.1", self, K(), "0", "5000");
        Expect(Resp.Ok, "MIGRATE", "127.0.0.1", self, K(), "0", "5000", "REPLACE");
        Expect(Resp.Bulk("v"), "GET", K());
        Expect(Resp.Ok, "MIGRATE", "127.0.0.1", self, K(), "4", "5000");
        Expect(Resp.Int(0), "EXISTS", K());
        Cmd("SELECT", "4");
        Expect(Resp.Bulk("v"), "GET", K());
        Cmd("DEL", K());
    }

    [Fact]
    public void Monitor_shows_auth_and_auth2_arguments_redacted()
    {
        using var monitor = Node.Raw();
        Assert.Equal(Resp.Ok, monitor.Command("MONITOR"));
        Cmd("MIGRATE", "127.0.0.1", TargetPort, K(), "0", "1000", "COPY", "AUTH", "secret");
        Cmd("MIGRATE", "127.0.0.1", TargetPort, "", "0", "1000", "AUTH2", "user", "secret", "KEYS", K(), "AUTH");
        var line = monitor.ReadReply();
        Assert.True(line.EndsWith($"\"MIGRATE\" \"127.0.0.1\" \"{TargetPort}\" \"{K()}\" \"0\" \"1000\" \"COPY\" \"AUTH\" \"(redacted)\"\r\n"), line);
        Assert.EndsWith($"\"AUTH2\" \"(redacted)\" \"(redacted)\" \"KEYS\" \"{K()}\" \"AUTH\"\r\n", monitor.ReadReply());
    }

    [Fact]
    public void Restore_asking_is_restore_and_asking_needs_a_cluster()
    {
        Cmd("SET", K(), "v");
        var payload = DumpRestoreDifferentialTests.Payload(Raw, K());
        Expect(Resp.Ok, "RESTORE-ASKING", K("copy"), "0", payload);
        Expect(Resp.Bulk("v"), "GET", K("copy"));
        Expect("-BUSYKEY Target key name already exists.\r\n", "RESTORE-ASKING", K("copy"), "0", payload);
        Expect(Resp.Ok, "RESTORE-ASKING", K("copy"), "0", payload, "REPLACE");
        Expect(Resp.WrongArity("restore-asking"), "RESTORE-ASKING", K("copy"), "0");
        Expect("-ERR This instance has cluster support disabled\r\n", "ASKING");
        Expect(Resp.WrongArity("asking"), "ASKING", "x");
    }
}
