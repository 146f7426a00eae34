using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// CONFIG SET of hash-max-listpack-entries / -value, set-max-intset-entries and zset-max-listpack-entries / -value
/// is in force, as in Redis (its own hash, set, zset and keyspace tests lower them to reach the other encoding):
/// each step runs on redis-server and here, and OBJECT ENCODING, the replies whose order the encoding decides
/// (a listpack hash's insertion order, an intset's numeric order) and CONFIG GET must agree.
/// </summary>
[Collection(ServerSettingsCollection.Name)]
public sealed class EncodingConfigTests(NodeFixture node) : E2ETest(node)
{
    private static readonly string[] Defaults =
    [
        "hash-max-listpack-entries", "512", "hash-max-listpack-value", "64", "set-max-intset-entries", "512",
        "zset-max-listpack-entries", "128", "zset-max-listpack-value", "64",
    ];

    [RedisServerFact]
    public async Task Lowered_and_raised_thresholds_convert_as_in_redis()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        void Both(params string[] command) => SideBySide.Same(reference, Cmd, command);
        void Encoding(string key) => Both("OBJECT", "ENCODING", key);
        try
        {
            Both("CONFIG", "SET", "hash-max-listpack-entries", "4", "hash-max-listpack-value", "8");
            Both("CONFIG", "GET", "hash-max-ziplist-entries");        // the old name is the same setting
            Both("HSET", K("h"), "f4", "1", "f3", "2", "f2", "3", "f1", "4");
            Encoding(K("h"));
            Both("HGETALL", K("h"));                                  // insertion order
            Both("HSET", K("h"), "f5", "5");                          // one field too many
            Encoding(K("h"));
            Both("HDEL", K("h"), "f5", "f4");
            Encoding(K("h"));                                         // never back
            Both("HSET", K("long"), "f", "123456789");                // a value past 8 bytes
            Encoding(K("long"));
            Both("HSET", K("float"), "f", "1");
            Both("HINCRBYFLOAT", K("float"), "f", "0.0001");          // "1.0001": 6 bytes, still a listpack
            Encoding(K("float"));
            Both("HINCRBYFLOAT", K("float"), "f", "0.000000001");     // "1.000100001": past 8
            Encoding(K("float"));
            Both("CONFIG", "SET", "hash-max-listpack-entries", "1000", "hash-max-listpack-value", "300");
            var fields = new List<string> { "HSET", K("wide") };
            for (int i = 600; i > 0; i--) fields.AddRange([$"field:{i}", new string('v', i % 7 == 0 ? 280 : 10)]);
            Both([.. fields]);
            Encoding(K("wide"));                                      // listpack: 600 fields, values up to 280 bytes
            Both("HGETALL", K("wide"));
            Both("HSET", K("wide"), "f", new string('x', 301));
            Encoding(K("wide"));

            Both("CONFIG", "SET", "set-max-intset-entries", "3");
            Both("SADD", K("s"), "30", "-2", "10");
            Encoding(K("s"));
            Both("SMEMBERS", K("s"));                                 // numeric order
            Both("SADD", K("s"), "7");
            Encoding(K("s"));

            Both("CONFIG", "SET", "zset-max-listpack-entries", "0");
            Both("ZADD", K("z0"), "1", "a");
            Encoding(K("z0"));                                        // a skiplist from the first member
            Both("CONFIG", "SET", "zset-max-listpack-entries", "3", "zset-max-listpack-value", "3");
            Both("ZADD", K("z"), "1", "a", "2", "b", "3", "c");
            Encoding(K("z"));
            Both("ZADD", K("z"), "4", "d");
            Encoding(K("z"));
            Both("ZADD", K("zl"), "1", "abcd");                       // a member past 3 bytes
            Encoding(K("zl"));
            Both("CONFIG", "SET", "zset-max-listpack-entries", "1");
            Both("ZRANGESTORE", K("zdst"), K("z"), "0", "-1");        // a stored result follows the limits too
            Encoding(K("zdst"));
            Both("ZRANGESTORE", K("zone"), K("z"), "0", "0");
            Encoding(K("zone"));
            Both("CONFIG", "GET", "zset-max-listpack-value");
        }
        finally
        {
            Assert.Equal(Resp.Ok, Cmd(["CONFIG", "SET", .. Defaults]));
        }
        // The defaults again: a new hash of 5 fields is a listpack.
        Both(["CONFIG", "SET", .. Defaults]);
        Both("HSET", K("again"), "a", "1", "b", "2", "c", "3", "d", "4", "e", "5");
        Encoding(K("again"));
    }
}
