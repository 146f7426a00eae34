using System.Globalization;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// Differential: random set commands (integer and text members, so both encodings, set algebra and its STORE
/// forms, SINTERCARD LIMIT, SPOP and SRANDMEMBER with every count, SSCAN, keys of other types) sent to this node and
/// to redis-server; replies (sorted where Redis's order is unspecified) and the final state must match.
/// </summary>
[Collection(DifferentialCollection.Name)]
public sealed class SetDifferentialTests(NodeFixture node) : DifferentialTest(node)
{
    [RedisServerFact]
    public Task Random_set_commands_reply_as_redis_server_does() => RunAsync(20261126, 4000, Next);

    [RedisServerFact]
    public Task Random_set_commands_reply_as_redis_server_does_second_seed() => RunAsync(17, 3000, Next);

    [RedisServerFact]
    public Task Random_set_commands_reply_as_redis_server_does_in_resp3() => RunAsync(53, 2000, Next, resp3: true);

    private static string Member(Random random) => random.Next(3) switch
    {
        0 => random.Next(-3, 10).ToString(CultureInfo.InvariantCulture),
        1 => Pick(random, "", "007", "-0", "1.5", "9223372036854775807", "9223372036854775808", "m\0"),
        _ => "m" + random.Next(8),
    };

    private string[] Keys(Random random) => Repeat([], random.Next(1, 4), () => [Key(random, 5)]);

    private Step Next(Random random)
    {
        var key = Key(random, 5);
        switch (random.Next(30))
        {
            case 0: case 1: case 2: case 3: return new(Repeat(["SADD", key], random.Next(1, 5), () => [Member(random)]));
            case 4: case 5: return new(Repeat(["SREM", key], random.Next(1, 4), () => [Member(random)]));
            case 6: return new(["SMEMBERS", key], Compare.Unordered);
            case 7: return new(["SISMEMBER", key, Member(random)]);
            case 8: return new(Repeat(["SMISMEMBER", key], random.Next(1, 4), () => [Member(random)]));
            case 9: return new(["SCARD", key]);
            case 10: case 11:
                return new(random.Next(3) == 0 ? ["SPOP", key] : ["SPOP", key, random.Next(4) == 0 ? OddInt(random) : random.Next(0, 5).ToString(CultureInfo.InvariantCulture)], Compare.Spop);
            case 12: case 13:
                return new(random.Next(4) == 0 ? ["SRANDMEMBER", key]
                    : ["SRANDMEMBER", key, random.Next(4) == 0 ? OddInt(random) : random.Next(-8, 9).ToString(CultureInfo.InvariantCulture)], Compare.RandomMembers);
            case 14: return new(["SMOVE", key, Key(random, 5), Member(random)]);
            case 15: case 16: return new([Pick(random, "SINTER", "SUNION", "SDIFF"), .. Keys(random)], Compare.Unordered);
            case 17: case 18: return new([Pick(random, "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"), Key(random, 5), .. Keys(random)]);
            case 19:
            {
                var keys = Keys(random);
                List<string> a = ["SINTERCARD", random.Next(6) == 0 ? Pick(random, "0", "-1", "x", "9") : keys.Length.ToString(CultureInfo.InvariantCulture), .. keys];
                if (random.Next(2) == 0) a.AddRange(["LIMIT", random.Next(3) == 0 ? Pick(random, "-1", "x") : random.Next(0, 4).ToString(CultureInfo.InvariantCulture)]);
                return new([.. a]);
            }
            case 20:
            {
                List<string> a = ["SSCAN", key, "0"];
                if (random.Next(2) == 0) a.AddRange(["MATCH", Pick(random, "m*", "[1-3]", "*", "x*", "?")]);
                if (random.Next(2) == 0) a.AddRange(["COUNT", Pick(random, "1", "3", "100", "0", "x")]);
                return new([.. a], Compare.Scan);
            }
            case 21: return new(["TYPE", key]);
            case 22: return new(["OBJECT", "ENCODING", key]);
            case 23: return new(["DEL", key]);
            // past 512 integers (intset) or 128 texts: the big encodings
            case 24 when random.Next(6) == 0:
                return new(Repeat(["SADD", key], random.Next(120, 530), () => [random.Next(2) == 0 ? random.Next(0, 600).ToString(CultureInfo.InvariantCulture) : "t" + random.Next(200)]));
            case 24: return new(["SADD", key, new string('x', random.Next(60, 70))]);
            default: return ForeignWrite(random, key);
        }
    }
}
