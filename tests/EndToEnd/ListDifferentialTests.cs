using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// Differential: random list commands (pushes and pops with counts, odd indexes, LPOS with RANK/COUNT/MAXLEN,
/// moves between lists, non-blocking forms of the blocking pops, keys of other types) sent to this node and to
/// redis-server; replies and the final state must match.
/// </summary>
[Collection(DifferentialCollection.Name)]
public sealed class ListDifferentialTests(NodeFixture node) : DifferentialTest(node)
{
    [RedisServerFact]
    public Task Random_list_commands_reply_as_redis_server_does() => RunAsync(20261126, 4000, Next);

    [RedisServerFact]
    public Task Random_list_commands_reply_as_redis_server_does_second_seed() => RunAsync(11, 3000, Next);

    [RedisServerFact]
    public Task Random_list_commands_reply_as_redis_server_does_in_resp3() => RunAsync(43, 2000, Next, resp3: true);

    private static string Element(Random random) => random.Next(10) == 0 ? Pick(random, "", "1", "-1", "a\0b") : "e" + random.Next(6);

    private static string Index(Random random) => random.Next(4) == 0 ? OddInt(random) : random.Next(-12, 12).ToString();

    private static string Side(Random random) => Pick(random, "LEFT", "RIGHT", "left", "MIDDLE");

    private static string Count(Random random) => random.Next(3) == 0 ? OddInt(random) : random.Next(0, 6).ToString();

    private Step Next(Random random)
    {
        var key = Key(random, 5);
        switch (random.Next(30))
        {
            case 0: case 1: case 2: case 3:
                return new(Repeat([Pick(random, "LPUSH", "RPUSH", "LPUSH", "RPUSH", "LPUSHX", "RPUSHX"), key], random.Next(1, 5), () => [Element(random)]));
            case 4: case 5:
                return new(random.Next(3) == 0 ? [Pick(random, "LPOP", "RPOP"), key, Count(random)] : [Pick(random, "LPOP", "RPOP"), key]);
            case 6: return new(["LLEN", key]);
            case 7: case 8: return new(["LRANGE", key, Index(random), Index(random)]);
            case 9: return new(["LINDEX", key, Index(random)]);
            case 10: return new(["LSET", key, Index(random), Element(random)]);
            case 11: return new(["LINSERT", key, Pick(random, "BEFORE", "AFTER", "after", "ABOVE"), Element(random), Element(random)]);
            case 12: case 13: return new(["LREM", key, random.Next(4) == 0 ? OddInt(random) : random.Next(-3, 4).ToString(), Element(random)]);
            case 14: return new(["LTRIM", key, Index(random), Index(random)]);
            case 15: case 16:
            {
                List<string> a = ["LPOS", key, Element(random)];
                for (int n = random.Next(4); n > 0; n--)
                {
                    a.AddRange(random.Next(4) switch
                    {
                        0 => ["RANK", random.Next(3) == 0 ? Pick(random, "0", "-9223372036854775808", "x") : random.Next(-4, 5).ToString()],
                        1 => ["COUNT", random.Next(3) == 0 ? Pick(random, "-1", "x") : random.Next(0, 4).ToString()],
                        2 => ["MAXLEN", random.Next(3) == 0 ? Pick(random, "-1", "x") : random.Next(0, 6).ToString()],
                        _ => [Pick(random, "BOGUS", "RANK")],
                    });
                }
                return new([.. a]);
            }
            case 17: return new(["LMOVE", key, Key(random, 5), Side(random), Side(random)]);
            case 18: return new(["RPOPLPUSH", key, Key(random, 5)]);
            case 19: case 20:
            {
                List<string> a = ["LMPOP", random.Next(8) == 0 ? Pick(random, "0", "-1", "x", "5") : random.Next(1, 4).ToString()];
                int keys = random.Next(1, 4);
                for (int n = 0; n < keys; n++) a.Add(Key(random, 5));
                a.Add(Pick(random, "LEFT", "RIGHT", "right", "UP"));
                if (random.Next(2) == 0) a.AddRange(["COUNT", Count(random)]);
                return new([.. a]);
            }
            // blocking pops on lists that may be empty: a tiny timeout, so an empty key answers nil at once
            case 21: return new([Pick(random, "BLPOP", "BRPOP"), key, Key(random, 5), Pick(random, "0.01", "-1", "x", "0.001")]);
            case 22: return new(["BLMOVE", key, Key(random, 5), Side(random), Side(random), Pick(random, "0.01", "-1")]);
            case 23: return new(["BRPOPLPUSH", key, Key(random, 5), "0.01"]);
            case 24: return new(["BLMPOP", Pick(random, "0.01", "-1"), "2", key, Key(random, 5), Pick(random, "LEFT", "RIGHT"), "COUNT", Count(random)]);
            case 25: return new(["TYPE", key]);
            case 26: return new(["OBJECT", "ENCODING", key]);
            case 27 when random.Next(2) == 0: return new(["DEL", key]);
            case 27: return new(Repeat(["RPUSH", key], random.Next(100, 200), () => [Element(random)]));
            default: return ForeignWrite(random, key);
        }
    }
}
