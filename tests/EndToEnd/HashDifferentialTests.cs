using System.Globalization;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// Differential: random hash commands (small field pool, counters at their limits, float increments, HRANDFIELD
/// with every count, HSCAN with MATCH/COUNT, keys of other types) sent to this node and to redis-server; replies
/// (sorted where Redis's order is unspecified) and the final state must match.
/// </summary>
[Collection(DifferentialCollection.Name)]
public sealed class HashDifferentialTests(NodeFixture node) : DifferentialTest(node)
{
    [RedisServerFact]
    public Task Random_hash_commands_reply_as_redis_server_does() => RunAsync(20261126, 4000, Next);

    [RedisServerFact]
    public Task Random_hash_commands_reply_as_redis_server_does_second_seed() => RunAsync(13, 3000, Next);

    [RedisServerFact]
    public Task Random_hash_commands_reply_as_redis_server_does_in_resp3() => RunAsync(47, 2000, Next, resp3: true);

    private static string Field(Random random) => random.Next(12) == 0 ? Pick(random, "", "F", "f\0") : "f" + random.Next(8);

    private static string Value(Random random) => random.Next(3) switch
    {
        0 => Pick(random, "", "10", "-3", "1.5", "9223372036854775807", "-9223372036854775808", "abc", "1e3", "inf", " 2"),
        _ => random.Next(-20, 20).ToString(CultureInfo.InvariantCulture),
    };

    private Step Next(Random random)
    {
        var key = Key(random, 5);
        switch (random.Next(29))
        {
            case 0: case 1: case 2:
                return new(Repeat([Pick(random, "HSET", "HSET", "HMSET"), key], random.Next(1, 4), () => [Field(random), Value(random)]));
            case 3: return new(["HSETNX", key, Field(random), Value(random)]);
            case 4: case 5: return new(["HGET", key, Field(random)]);
            case 6: return new(Repeat(["HMGET", key], random.Next(1, 4), () => [Field(random)]));
            case 7: return new(["HGETALL", key], Compare.UnorderedPairs);
            case 8: return new([Pick(random, "HKEYS", "HVALS"), key], Compare.Unordered);
            case 9: case 10: return new(Repeat(["HDEL", key], random.Next(1, 4), () => [Field(random)]));
            case 11: return new(["HEXISTS", key, Field(random)]);
            case 12: return new(["HLEN", key]);
            case 13: return new(["HSTRLEN", key, Field(random)]);
            case 14: case 15:
                return new(["HINCRBY", key, Field(random), random.Next(3) == 0 ? OddInt(random) : random.Next(-10, 10).ToString(CultureInfo.InvariantCulture)]);
            case 16: case 17:
                return new(["HINCRBYFLOAT", key, Field(random),
                    Pick(random, "0.1", "-1.5", "1e308", "inf", "nan", "abc", "3", "2.5", "-0.25", "", "1e-3")]);
            case 18: case 19:
            {
                List<string> a = ["HRANDFIELD", key];
                if (random.Next(4) > 0) a.Add(random.Next(4) == 0 ? OddInt(random) : random.Next(-6, 7).ToString(CultureInfo.InvariantCulture));
                if (a.Count == 3 && random.Next(2) == 0) a.Add(Pick(random, "WITHVALUES", "withvalues", "BOGUS"));
                return new([.. a], Compare.RandomMembers);
            }
            case 20:
            {
                List<string> a = ["HSCAN", key, "0"];
                if (random.Next(2) == 0) a.AddRange(["MATCH", Pick(random, "f*", "f[1-3]", "*", "x*", "f?")]);
                if (random.Next(2) == 0) a.AddRange(["COUNT", Pick(random, "1", "3", "100", "0", "-1", "x")]);
                return new([.. a], Compare.ScanPairs);
            }
            case 21: return new(["TYPE", key]);
            case 22: return new(["OBJECT", "ENCODING", key]);
            case 23: return new(["DEL", key]);
            // past 128 fields or a 64-byte value: the hashtable encoding
            case 24 when random.Next(6) == 0:
                return new(Repeat(["HSET", key], random.Next(100, 140), () => ["g" + random.Next(150), random.Next(100).ToString(CultureInfo.InvariantCulture)]));
            case 24: return new(["HSET", key, Field(random), new string('v', random.Next(60, 70))]);
            default: return ForeignWrite(random, key);
        }
    }
}
