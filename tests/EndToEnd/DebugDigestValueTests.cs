using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>DEBUG DIGEST-VALUE gives redis-server 7.0.15's digest for the same value, for every type and encoding
/// Redis would pick (small and large hashes, sets, sorted sets, lists), with and without a TTL.</summary>
[Collection(DifferentialCollection.Name)]
public sealed class DebugDigestValueTests(NodeFixture node) : E2ETest(node)
{
    [RedisServerFact]
    public async Task Each_value_s_digest_is_redis_server_s()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        foreach (var c in new[] { reference, Raw })
        {
            MigrateTests.BuildEachType(c, name => K("dv:" + name), "list", "zset");
            c.Command(["HSET", K("dv:big-hash"), .. Enumerable.Range(0, 600).SelectMany(i => new[] { "f" + i, new string('v', i % 80) })]);
            c.Command(["SADD", K("dv:intset"), .. Enumerable.Range(0, 50).Select(i => (i * 7 - 100).ToString())]);
            c.Command(["SADD", K("dv:big-set"), .. Enumerable.Range(0, 700).Select(i => "m" + i)]);
            c.Command(["ZADD", K("dv:big-zset"), .. Enumerable.Range(0, 300).SelectMany(i => new[] { (i * 0.1 - 3).ToString("R", System.Globalization.CultureInfo.InvariantCulture), "m" + i })]);
            c.Command("ZADD", K("dv:odd-scores"), "1e20", "a", "-0.000001", "b", "inf", "c", "0.1", "d");
            c.Command("SET", K("dv:int"), "12345");
            c.Command("PFADD", K("dv:hll"), "a", "b", "c");
            c.Command("SET", K("dv:ttl"), "v", "EX", "1000");
        }
        string[] keys = ["string", "list", "hash", "set", "zset", "stream", "big-hash", "intset", "big-set", "big-zset", "odd-scores", "int", "hll", "ttl", "missing"];
        foreach (var key in keys.Select(k => K("dv:" + k)))
        {
            string theirs = reference.Command("DEBUG", "DIGEST-VALUE", key);
            Assert.Matches(@"^\*1\r\n\+[0-9a-f]{40}\r\n$", theirs);
            Assert.True(theirs == Cmd("DEBUG", "DIGEST-VALUE", key), $"{key}: redis-server {theirs.TrimEnd()}, this node {Cmd("DEBUG", "DIGEST-VALUE", key).TrimEnd()}");
        }
        Assert.Equal(reference.Command("DEBUG", "DIGEST-VALUE"), Cmd("DEBUG", "DIGEST-VALUE"));
        Assert.Equal(reference.Command("DEBUG", "DIGEST-VALUE", K("dv:string"), K("dv:list")), Cmd("DEBUG", "DIGEST-VALUE", K("dv:string"), K("dv:list")));
    }
}
