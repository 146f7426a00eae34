using System.Globalization;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// Differential: random keyspace commands (expiry with NX/XX/GT/LT and far-future or past times, PERSIST, RENAME,
/// COPY, KEYS and SCAN with MATCH/TYPE, RANDOMKEY, over keys of every type) sent to this node and to redis-server;
/// replies (TTLs within a tolerance, sorted where the order is unspecified) and the final state must match.
/// </summary>
[Collection(DifferentialCollection.Name)]
public sealed class KeyspaceDifferentialTests(NodeFixture node) : DifferentialTest(node)
{
    [RedisServerFact]
    public Task Random_keyspace_commands_reply_as_redis_server_does() => RunAsync(20261126, 4000, Next);

    [RedisServerFact]
    public Task Random_keyspace_commands_reply_as_redis_server_does_second_seed() => RunAsync(23, 3000, Next);

    [RedisServerFact]
    public Task Random_keyspace_commands_reply_as_redis_server_does_in_resp3() => RunAsync(61, 2000, Next, resp3: true);

    /// <summary>Relative seconds that never run out mid-test, or that delete at once (zero, negative), or overflow.</summary>
    private static string Seconds(Random random) => random.Next(4) switch
    {
        0 => Pick(random, "0", "-1", "-100", "x", "", "1.5", "9223372036854775807", "9223372036854775", "-9223372036854775808"),
        _ => random.Next(100_000, 10_000_000).ToString(CultureInfo.InvariantCulture),
    };

    private static string At(Random random) => random.Next(3) switch
    {
        0 => Pick(random, "0", "1", "-1", "x", "9223372036854775807"),
        _ => (4_102_444_800L + random.Next(0, 1000)).ToString(CultureInfo.InvariantCulture),
    };

    private static string[] Flags(Random random) =>
        random.Next(3) == 0 ? [Pick(random, "NX", "XX", "GT", "LT", "nx", "BOGUS")] : random.Next(15) == 0 ? ["NX", "XX"] : [];

    private Step Next(Random random)
    {
        var key = Key(random);
        switch (random.Next(31))
        {
            case 0: case 1: case 2: case 3: return ForeignWrite(random, key);
            case 4: return new(Repeat([Pick(random, "DEL", "UNLINK")], random.Next(1, 3), () => [Key(random)]));
            case 5: return new(Repeat([Pick(random, "EXISTS", "TOUCH")], random.Next(1, 4), () => [Key(random)]));
            case 6: case 7: return new(["EXPIRE", key, Seconds(random), .. Flags(random)]);
            case 8: return new(["PEXPIRE", key, random.Next(3) == 0 ? Seconds(random) : random.Next(100_000_000, 1_000_000_000).ToString(CultureInfo.InvariantCulture), .. Flags(random)]);
            case 9: return new(["EXPIREAT", key, At(random), .. Flags(random)]);
            case 10: return new(["PEXPIREAT", key, random.Next(2) == 0 ? At(random) : (4_102_444_800_000L + random.Next(0, 100_000)).ToString(CultureInfo.InvariantCulture), .. Flags(random)]);
            case 11: return new(["TTL", key], Compare.Seconds);
            case 12: return new(["PTTL", key], Compare.Millis);
            case 13: return new(["EXPIRETIME", key], Compare.Seconds);
            case 14: return new(["PEXPIRETIME", key], Compare.Millis);
            case 15: return new(["PERSIST", key]);
            case 16: return new(["TYPE", key]);
            case 17: return new([Pick(random, "RENAME", "RENAMENX"), key, Key(random)]);
            case 18:
            {
                List<string> a = ["COPY", key, Key(random)];
                if (random.Next(2) == 0) a.Add(Pick(random, "REPLACE", "replace", "BOGUS"));
                if (random.Next(5) == 0) a.AddRange(["DB", Pick(random, "0", "1", "x")]);
                return new([.. a]);
            }
            case 19: return new(["KEYS", Pick(random, "*", "k*", "k[0-2]", "k?", "x*", "k[^1]", "*1", "k\\1")], Compare.Unordered);
            case 20:
            {
                List<string> a = ["SCAN", "0"];
                if (random.Next(2) == 0) a.AddRange(["MATCH", Pick(random, "k*", "k[1-3]", "*", "x*")]);
                if (random.Next(2) == 0) a.AddRange(["COUNT", Pick(random, "1", "3", "100", "0", "x")]);
                if (random.Next(2) == 0) a.AddRange(["TYPE", Pick(random, "string", "list", "set", "zset", "hash", "nosuch")]);
                return new([.. a], Compare.Scan);
            }
            case 21: return new(["RANDOMKEY"], Compare.RandomKey);
            case 22: return new(["DBSIZE"]);
            // no REFCOUNT: Redis counts its own allocation details (docs/decisions.md, "Differences from Redis 7.0")
            case 23: return new(["OBJECT", Pick(random, "ENCODING", "encoding", "NOSUCH"), key]);
            case 24: return new([Pick(random, "GET", "LLEN", "SCARD", "HLEN", "ZCARD"), key]);
            case 25: return new(["SET", key, "v", Pick(random, "EX", "PX"), random.Next(2) == 0 ? "100000" : "200000000"]);
            case 26: return new(["GETEX", key, "PERSIST"]);
            case 27: return new(["SET", key, "v" + random.Next(3), "KEEPTTL"]);
            // Strings Redis leaves raw whatever they hold (APPEND, SETRANGE; a HLL), for OBJECT ENCODING. Not SETBIT:
            // one that changes no bit leaves the encoding as it was here (docs/decisions.md, "Differences from Redis 7.0").
            case 28: return random.Next(3) switch
            {
                0 => new(["SETRANGE", key, random.Next(3).ToString(CultureInfo.InvariantCulture), Pick(random, "1", "x", "")]),
                1 => new(["APPEND", key, Pick(random, "5", "")]),
                _ => new(["PFADD", key, "e"]),
            };
            // int, embstr (up to 44 bytes) and raw strings, for OBJECT ENCODING.
            default: return new(["SET", key, Pick(random, "123", "-5", "007", "9223372036854775808", new string('e', 44), new string('r', 45), "1.5")]);
        }
    }
}
