using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>Redis 7.0's CONFIG parameters that HyperCache has no use for: CONFIG GET knows every one redis-server
/// 7.0.15 lists, CONFIG SET checks them as Redis does, and refuses, with the reason, a value HyperCache would not
/// behave as (RDB saves on a schedule, TLS, Redis Cluster, min-replicas-to-write).</summary>
[Collection(DifferentialCollection.Name)]
public sealed class ConfigCompatTests(NodeFixture node) : E2ETest(node)
{
    [RedisServerFact]
    public async Task Config_get_star_names_every_parameter_redis_server_has()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        var theirs = Names(reference.Command("CONFIG", "GET", "*"));
        var ours = Names(Cmd("CONFIG", "GET", "*"));
        Assert.Empty(theirs.Except(ours).Order());
    }

    [RedisServerFact]
    public async Task Config_set_of_parameters_without_effect_here_replies_as_redis_server()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        string[][] lines =
        [
            ["lazyfree-lazy-eviction", "yes"], ["lazyfree-lazy-eviction", "maybe"], ["daemonize", "no"], ["daemonize", "yes"],
            ["hash-max-listpack-entries", "1024"], ["hash-max-listpack-entries", "abc"], ["hash-max-listpack-entries", "1kb"],
            ["hash-max-listpack-value", "1kb"], ["repl-backlog-size", "2mb"], ["repl-diskless-load", "bogus"],
            ["repl-diskless-load", "SWAPDB"], ["tcp-keepalive", "60"], ["save", ""], ["save", "abc"], ["save", "900"],
            ["stop-writes-on-bgsave-error", "no"], ["oom-score-adj", "Relative"], ["propagation-error-behavior", "x"],
            ["sanitize-dump-payload", "clients"], ["list-max-listpack-size", "-3"], ["tls-port", "0"],
            ["min-replicas-to-write", "0"], ["replica-read-only", "yes"], ["cluster-enabled", "no"],
            ["lfu-log-factor", "20", "lfu-decay-time", "2"],
            // Sizes: k, m and g are 1000s, kb, mb and gb 1024s (then back to the defaults, for the other tests).
            ["proto-max-bulk-len", "2m"], ["proto-max-bulk-len", "3mb"], ["client-query-buffer-limit", "1g"],
            ["proto-max-bulk-len", "512mb", "client-query-buffer-limit", "1gb"],
            // Old names: one setting with the new one.
            ["slave-priority", "7"], ["hash-max-ziplist-entries", "99"],
            // The encoding thresholds are in force here (EncodingConfigTests): negative ones refused as Redis does,
            // then back to the defaults.
            ["hash-max-listpack-entries", "-1"], ["zset-max-listpack-value", "-1"],
            ["hash-max-listpack-entries", "512", "hash-max-listpack-value", "64"],
        ];
        foreach (var line in lines)
        {
            string[] command = ["CONFIG", "SET", .. line];
            Assert.True(reference.Command(command) == Cmd(command), $"{string.Join(' ', command)}: redis {reference.Command(command).TrimEnd()}, ours {Cmd(command).TrimEnd()}");
            for (int i = 0; i < line.Length; i += 2)
                Assert.Equal(reference.Command("CONFIG", "GET", line[i]), Cmd("CONFIG", "GET", line[i]));
        }
        foreach (var pattern in new[] { "*priority*", "hash-max-*" })
            Assert.Equal(Sorted(reference.Command("CONFIG", "GET", pattern)), Sorted(Cmd("CONFIG", "GET", pattern)));
    }

    [Fact]
    public void Config_set_refuses_with_the_reason_what_would_not_behave_as_set()
    {
        foreach (var (name, value, reason) in new[]
        {
            ("save", "900 1", "no RDB files are written on a schedule here"),
            ("stop-writes-on-bgsave-error", "yes", "writes never stop for a failed snapshot here"),
            ("tls-port", "6380", "no TLS here"),
            ("cluster-node-timeout", "5000", "no Redis Cluster mode here"),
            ("min-replicas-to-write", "1", "writes are not refused by replica count here"),
            ("replica-serve-stale-data", "no", "a replica always serves what it has applied"),
        })
        {
            string reply = Cmd("CONFIG", "SET", name, value);
            Assert.True(reply.StartsWith($"-ERR CONFIG SET failed (possibly related to argument '{name}') - not supported by HyperCache: {reason}", StringComparison.Ordinal), reply);
        }
        Assert.Equal(Resp.BulkArray("save", ""), Cmd("CONFIG", "GET", "save"));
        // A size past 2^63 is an error reply, not a dropped connection (it closed the connection before).
        Assert.Equal(Resp.Err("ERR CONFIG SET failed (possibly related to argument 'repl-backlog-size') - argument couldn't be parsed into an integer"),
            Cmd("CONFIG", "SET", "repl-backlog-size", "99999999999gb"));
        Assert.Equal(Resp.Pong, Cmd("PING"));
        // A setting of ours that needs a restart: its current value is a no-op, another is refused as Redis refuses an
        // immutable one; nothing of a refused CONFIG SET is applied.
        var appendonly = Resp.ParseFlatArray(Cmd("CONFIG", "GET", "appendonly"))[1]!;
        Expect(Resp.Ok, "CONFIG", "SET", "appendonly", appendonly);
        Expect(Resp.Err("ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"),
            "CONFIG", "SET", "tcp-keepalive", "77", "databases", "3");
        Assert.NotEqual(Resp.BulkArray("tcp-keepalive", "77"), Cmd("CONFIG", "GET", "tcp-keepalive"));
    }

    /// <summary>CONFIG GET's name/value pairs in name order (Redis answers in dict order).</summary>
    private static string Sorted(string reply)
    {
        var items = Resp.ParseFlatArray(reply);
        return string.Join(" ", Enumerable.Range(0, items.Count / 2).Select(i => items[2 * i] + "=" + items[2 * i + 1]).Order(StringComparer.Ordinal));
    }

    private static HashSet<string> Names(string reply) =>
        Resp.ParseFlatArray(reply).Where((_, i) => i % 2 == 0).Select(n => n!).ToHashSet();
}
