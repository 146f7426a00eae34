using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// MIGRATE between this node and a real redis-server 7.0.15, both ways (values compared by content, and by
/// Redis's DEBUG DIGEST-VALUE against the same value built on Redis itself), and MIGRATE's replies compared byte for
/// byte with redis-server's for the same command lines.
/// </summary>
[Collection(MigrateCollection.Name)]
public sealed class MigrateDifferentialTests(NodeFixture node) : E2ETest(node)
{
    [RedisServerFact]
    public async Task Values_migrated_to_redis_server_arrive_whole()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        var keys = MigrateTests.BuildEachType(Raw, K, "hash", "zset");
        var contents = keys.Select(k => DumpRestoreDifferentialTests.Content(Raw, k)).ToArray();
        // The same values built by Redis itself, for their digests.
        MigrateTests.BuildEachType(reference, name => K(name) + ":redis", "hash", "zset"); // a TTL counts in a digest
        Expect(Resp.Ok, ["MIGRATE", "127.0.0.1", redis.Port.ToString(), "", "0", "5000", "KEYS", .. keys]);
        Expect(Resp.Int(0), ["EXISTS", .. keys]);
        for (int i = 0; i < keys.Length; i++)
        {
            Assert.Equal(contents[i], DumpRestoreDifferentialTests.Content(reference, keys[i]));
            if (!keys[i].EndsWith("stream")) // a stream's digest covers its consumers' seen times
                Assert.Equal(reference.Command("DEBUG", "DIGEST-VALUE", keys[i] + ":redis"), reference.Command("DEBUG", "DIGEST-VALUE", keys[i]));
        }
        Assert.InRange(long.Parse(reference.Command("PTTL", K("zset"))[1..^2]), 90_000, 100_000);
        Assert.Equal(Resp.Int(-1), reference.Command("PTTL", K("list")));
    }

    [RedisServerFact]
    public async Task Redis_server_s_migrate_into_this_node_arrives_whole()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        var keys = MigrateTests.BuildEachType(reference, K, "set", "stream");
        var contents = keys.Select(k => DumpRestoreDifferentialTests.Content(reference, k)).ToArray();
        string port = Node.Port.ToString();
        Assert.Equal(Resp.Ok, reference.Command(["MIGRATE", "127.0.0.1", port, "", "0", "5000", "COPY", "KEYS", .. keys]));
        for (int i = 0; i < keys.Length; i++) Assert.Equal(contents[i], DumpRestoreDifferentialTests.Content(Raw, keys[i]));
        Assert.InRange(long.Parse(Cmd("PTTL", K("set"))[1..^2]), 90_000, 100_000);
        // Our BUSYKEY reaches Redis's client as Redis's own would; REPLACE then moves them.
        Assert.Equal("-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n",
            reference.Command("MIGRATE", "127.0.0.1", port, keys[0], "0", "5000"));
        Assert.Equal(Resp.Ok, reference.Command(["MIGRATE", "127.0.0.1", port, "", "0", "5000", "REPLACE", "KEYS", .. keys]));
        Assert.Equal(Resp.Int(0), reference.Command(["EXISTS", .. keys]));
        for (int i = 0; i < keys.Length; i++) Assert.Equal(contents[i], DumpRestoreDifferentialTests.Content(Raw, keys[i]));
        // And back to Redis: the same digests as Redis's own values.
        MigrateTests.BuildEachType(reference, name => K(name) + ":redis", "set", "stream");
        Expect(Resp.Ok, ["MIGRATE", "127.0.0.1", redis.Port.ToString(), "", "0", "5000", "KEYS", .. keys]);
        foreach (var key in keys.Where(k => !k.EndsWith("stream")))
            Assert.Equal(reference.Command("DEBUG", "DIGEST-VALUE", key + ":redis"), reference.Command("DEBUG", "DIGEST-VALUE", key));
    }

    [RedisServerFact]
    public async Task Replies_match_redis_server_s()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        // Each side migrates to a second redis-server, the same target for both.
        await using var target = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        using var other = target.Raw();
        string to = target.Port.ToString();
        // "!" first: the target already holds {k} (BUSYKEY).
        string[][] lines =
        [
            ["MIGRATE", "127.0.0.1", to, "{k}", "0"],
            ["MIGRATE", "127.0.0.1", to, "{k}", "0", "5000", "BOGUS"],
            ["MIGRATE", "127.0.0.1", to, "{k}", "0", "5000", "AUTH"],
            ["MIGRATE", "127.0.0.1", to, "{k}", "0", "5000", "AUTH2", "u"],
            ["MIGRATE", "127.0.0.1", to, "{k}", "0", "5000", "KEYS", "{k}"],
            ["MIGRATE", "127.0.0.1", to, "{k}", "x", "5000"],
            ["MIGRATE", "127.0.0.1", to, "{k}", "0", "x"],
            ["MIGRATE", "127.0.0.1", to, "{k}", "x", "y", "BOGUS"],
            ["MIGRATE", "127.0.0.1", to, "{missing}", "0", "5000"],
            ["MIGRATE", "127.0.0.1", to, "", "0", "5000", "KEYS"],
            ["MIGRATE", "127.0.0.1", to, "", "0", "5000", "KEYS", "{missing}"],
            ["MIGRATE", "127.0.0.1", "-5", "{k}", "0", "100"],
            ["MIGRATE", "", to, "{k}", "0", "100"],
            ["MIGRATE", "127.0.0.1", to, "{k}", "99", "5000"],
            ["MIGRATE", "127.0.0.1", to, "{k}", "0", "5000", "AUTH", "pw"],
            ["MIGRATE", "127.0.0.1", to, "{k}", "0", "5000", "AUTH2", "default", "pw"],
            ["MIGRATE", "127.0.0.1", to, "{k}", "0", "5000", "COPY"],
            ["MIGRATE", "127.0.0.1", to, "{k}", "0", "0", "REPLACE"],
            ["MIGRATE", "127.0.0.1", to, "{k}", "0", "9223372036854775807"],
            ["MIGRATE", "127.0.0.1", to + "abc", "{k}", "0", "-5"],
            ["!", "MIGRATE", "127.0.0.1", to, "{k}", "0", "5000"],
            ["!", "MIGRATE", "127.0.0.1", to, "{k}", "0", "5000", "REPLACE"],
            ["!", "MIGRATE", "127.0.0.1", to, "", "0", "5000", "KEYS", "{k}", "{k2}"],
            ["MIGRATE", "127.0.0.1", to, "", "0", "5000", "COPY", "REPLACE", "KEYS", "{k}", "{k2}", "{k}"],
        ];
        foreach (var line in lines)
        {
            bool busy = line[0] == "!";
            string[] command = [.. line.Skip(busy ? 1 : 0).Select(a => a.StartsWith('{') ? K(a[1..^1]) : a)];
            var replies = new List<string>();
            foreach (var source in new[] { reference, Raw })
            {
                // The same start for each: the source holds both keys, the target none (or {k} when busy).
                other.Command("DEL", K("k"), K("k2"));
                if (busy) other.Command("SET", K("k"), "there");
                source.Command("DEL", K("k"), K("k2"));
                source.Command("SET", K("k"), "v");
                source.Command("SET", K("k2"), "w");
                replies.Add(source.Command(command) + " | source " + source.Command("MGET", K("k"), K("k2")) + " | target " + other.Command("MGET", K("k"), K("k2")));
            }
            Assert.True(replies[0] == replies[1], $"{string.Join(' ', line)}:\nredis {RawRespClient.Escape(replies[0])}\nours  {RawRespClient.Escape(replies[1])}");
        }
    }
}
