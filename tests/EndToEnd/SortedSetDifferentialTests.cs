using System.Globalization;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// Differential: random sorted-set commands (ZADD with NX/XX/GT/LT/CH/INCR, scores inf/-inf/1e308/nan/exclusive,
/// lex ranges, ZRANGE with BYSCORE/BYLEX/REV/LIMIT/WITHSCORES, set algebra with WEIGHTS/AGGREGATE, pops, ZRANDMEMBER,
/// ZSCAN, keys of other types) sent to this node and to redis-server; replies and the final state must match.
/// </summary>
[Collection(DifferentialCollection.Name)]
public sealed class SortedSetDifferentialTests(NodeFixture node) : DifferentialTest(node)
{
    [RedisServerFact]
    public Task Random_sorted_set_commands_reply_as_redis_server_does() => RunAsync(20261126, 4000, Next);

    [RedisServerFact]
    public Task Random_sorted_set_commands_reply_as_redis_server_does_second_seed() => RunAsync(19, 3000, Next);

    [RedisServerFact]
    public Task Random_sorted_set_commands_reply_as_redis_server_does_in_resp3() => RunAsync(59, 2000, Next, resp3: true);

    /// <summary>With sets past 128 members or with a 64-byte member (Redis's skiplist encoding), and without any
    /// way to make a -0 score: Redis keeps -0 in a skiplist, we store 0 (docs/decisions.md, "Differences from
    /// Redis 7.0 (found by differential tests)").</summary>
    [RedisServerFact]
    public Task Random_commands_on_big_sorted_sets_reply_as_redis_server_does()
    {
        _big = true;
        return RunAsync(29, 3000, Next);
    }

    private bool _big;

    private static string Member(Random random) => random.Next(12) == 0 ? Pick(random, "", "A", "m\0", "10") : "m" + random.Next(7);

    /// <summary>k4 mostly gets score 0, so lex ranges over it (which need equal scores) are compared often.</summary>
    private string Score(Random random, string key) => key == "k4" && random.Next(8) > 0 ? "0" : Score(random);

    private string Score(Random random) => random.Next(4) switch
    {
        0 => Pick(random, "inf", "-inf", "+inf", "1e308", "-1e308", "nan", "abc", "1.5", "0.1", _big ? "0" : "-0", "", " 1", "1e-320", "(1", "0x10", "1e400"),
        _ => random.Next(-5, 6).ToString(CultureInfo.InvariantCulture),
    };

    private static string Bound(Random random) => random.Next(4) switch
    {
        0 => Pick(random, "-inf", "+inf", "inf", "(-inf", "(1.5", "(0", "nan", "x", "(", "1e308", "(x"),
        1 => "(" + random.Next(-5, 6).ToString(CultureInfo.InvariantCulture),
        _ => random.Next(-5, 6).ToString(CultureInfo.InvariantCulture),
    };

    private static string LexBound(Random random) => random.Next(5) switch
    {
        0 => Pick(random, "-", "+", "m", "", "[", "(", "[m\0"),
        1 => "(m" + random.Next(7),
        _ => "[m" + random.Next(7),
    };

    private static string Index(Random random) => random.Next(4) == 0 ? OddInt(random) : random.Next(-8, 8).ToString(CultureInfo.InvariantCulture);

    private string[] Keys(Random random) => Repeat([], random.Next(1, 4), () => [Key(random, 5)]);

    /// <summary>A lex-range command, compared only while the key's scores are all equal (see <see cref="Step.LexKey"/>).</summary>
    private static Step Lex(string[] args, string key) => new(args, LexKey: key);

    private Step Next(Random random)
    {
        var key = random.Next(6) == 0 ? "k4" : Key(random, 5);
        switch (random.Next(37))
        {
            case 0: case 1: case 2: case 3: case 4:
            {
                List<string> a = ["ZADD", key];
                for (int n = random.Next(4); n > 0; n--) a.Add(Pick(random, "NX", "XX", "GT", "LT", "CH", "INCR", "ch", "gt"));
                int pairs = random.Next(1, 4);
                for (int n = 0; n < pairs; n++) a.AddRange([Score(random, key), Member(random)]);
                return new([.. a]);
            }
            case 5: return new(["ZINCRBY", key, key == "k4" ? "0" : Score(random), Member(random)]);
            case 6: case 7: return new(Repeat(["ZREM", key], random.Next(1, 4), () => [Member(random)]));
            case 8: return new(["ZCARD", key]);
            case 9: return new(["ZSCORE", key, Member(random)]);
            case 10: return new(Repeat(["ZMSCORE", key], random.Next(1, 4), () => [Member(random)]));
            case 11: return new(["ZCOUNT", key, Bound(random), Bound(random)]);
            case 12: return Lex(["ZLEXCOUNT", key, LexBound(random), LexBound(random)], key);
            // No WITHSCORE, nor a mutated argument count: ZRANK accepts Redis 7.2's WITHSCORE (docs/decisions.md, "Sorted sets")
            case 13: return new([Pick(random, "ZRANK", "ZREVRANK"), key, Member(random)], Mutable: false);
            case 14: case 15: case 16:
            {
                List<string> a = [Pick(random, "ZRANGE", "ZRANGE", "ZRANGESTORE")];
                if (a[0] == "ZRANGESTORE") a.Add(Key(random, 5));
                a.Add(key);
                int by = random.Next(3);
                if (by == 0) a.AddRange([Index(random), Index(random)]);
                else if (by == 1) a.AddRange([Bound(random), Bound(random), "BYSCORE"]);
                else a.AddRange([LexBound(random), LexBound(random), "BYLEX"]);
                if (random.Next(3) == 0) a.Add("REV");
                if (random.Next(3) == 0) a.AddRange(["LIMIT", random.Next(-1, 3).ToString(CultureInfo.InvariantCulture), random.Next(-1, 4).ToString(CultureInfo.InvariantCulture)]);
                if (random.Next(2) == 0) a.Add("WITHSCORES");
                if (random.Next(20) == 0) a.Add(Pick(random, "BYSCORE", "BOGUS", "LIMIT"));
                return by == 2 ? Lex([.. a], key) : new([.. a]);
            }
            case 17: case 18:
            {
                bool lex = random.Next(2) == 0;
                List<string> a = [lex ? Pick(random, "ZRANGEBYLEX", "ZREVRANGEBYLEX") : Pick(random, "ZRANGEBYSCORE", "ZREVRANGEBYSCORE"), key];
                a.AddRange(lex ? [LexBound(random), LexBound(random)] : [Bound(random), Bound(random)]);
                if (!lex && random.Next(2) == 0) a.Add("WITHSCORES");
                if (random.Next(3) == 0) a.AddRange(["LIMIT", Index(random), Index(random)]);
                return lex ? Lex([.. a], key) : new([.. a]);
            }
            case 19: return new(random.Next(2) == 0 ? ["ZREVRANGE", key, Index(random), Index(random), "WITHSCORES"] : ["ZREVRANGE", key, Index(random), Index(random)]);
            case 20: return new(["ZREMRANGEBYRANK", key, Index(random), Index(random)]);
            case 21: return new(["ZREMRANGEBYSCORE", key, Bound(random), Bound(random)]);
            case 22: return Lex(["ZREMRANGEBYLEX", key, LexBound(random), LexBound(random)], key);
            case 23: case 24:
                return new(random.Next(2) == 0 ? [Pick(random, "ZPOPMIN", "ZPOPMAX"), key] : [Pick(random, "ZPOPMIN", "ZPOPMAX"), key, random.Next(4) == 0 ? OddInt(random) : random.Next(0, 4).ToString(CultureInfo.InvariantCulture)]);
            case 25: case 26:
            {
                List<string> a = ["ZRANDMEMBER", key];
                if (random.Next(4) > 0) a.Add(random.Next(4) == 0 ? OddInt(random) : random.Next(-6, 7).ToString(CultureInfo.InvariantCulture));
                if (a.Count == 3 && random.Next(2) == 0) a.Add(Pick(random, "WITHSCORES", "BOGUS"));
                return new([.. a], Compare.RandomMembers);
            }
            case 27:
            {
                List<string> a = ["ZSCAN", key, "0"];
                if (random.Next(2) == 0) a.AddRange(["MATCH", Pick(random, "m*", "m[1-3]", "*", "x*")]);
                if (random.Next(2) == 0) a.AddRange(["COUNT", Pick(random, "1", "3", "100", "0", "x")]);
                return new([.. a], Compare.ScanPairs);
            }
            case 28: case 29: case 30:
            {
                var op = Pick(random, "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE", "ZUNION", "ZINTER", "ZDIFF", "ZINTERCARD");
                var keys = Keys(random);
                List<string> a = [op];
                if (op.EndsWith("STORE")) a.Add(Key(random, 5));
                a.Add(random.Next(8) == 0 ? Pick(random, "0", "-1", "x", "7") : keys.Length.ToString(CultureInfo.InvariantCulture));
                a.AddRange(keys);
                if (op == "ZINTERCARD")
                {
                    if (random.Next(2) == 0) a.AddRange(["LIMIT", Pick(random, "0", "1", "2", "-1", "x")]);
                    return new([.. a]);
                }
                if (op != "ZDIFF" && op != "ZDIFFSTORE" && random.Next(2) == 0)
                {
                    a.Add("WEIGHTS");
                    foreach (var _ in keys) a.Add(_big ? Pick(random, "1", "2", "inf", "0.5", "x") : Pick(random, "1", "2", "-1", "0", "inf", "0.5", "x", "nan"));
                }
                if (op != "ZDIFF" && op != "ZDIFFSTORE" && random.Next(2) == 0) a.AddRange(["AGGREGATE", Pick(random, "SUM", "MIN", "MAX", "sum", "AVG")]);
                if (!op.EndsWith("STORE") && random.Next(2) == 0) a.Add("WITHSCORES");
                return new([.. a]);
            }
            case 31:
            {
                List<string> a = ["ZMPOP", random.Next(8) == 0 ? Pick(random, "0", "-1", "x", "5") : random.Next(1, 3).ToString(CultureInfo.InvariantCulture)];
                a.Add(key);
                if (a[1] == "2") a.Add(Key(random, 5));
                a.Add(Pick(random, "MIN", "MAX", "min", "MID"));
                if (random.Next(2) == 0) a.AddRange(["COUNT", random.Next(3) == 0 ? OddInt(random) : random.Next(1, 4).ToString(CultureInfo.InvariantCulture)]);
                return new([.. a]);
            }
            // blocking pops on sets that may be empty: a tiny timeout, so an empty key answers nil at once
            case 32 when random.Next(2) == 0:
                return new([Pick(random, "BZPOPMIN", "BZPOPMAX"), key, Key(random, 5), Pick(random, "0.01", "-1", "x")]);
            case 32:
                return new(["BZMPOP", Pick(random, "0.01", "-1"), "2", key, Key(random, 5), Pick(random, "MIN", "MAX"), "COUNT", Pick(random, "1", "3", "0", "x")]);
            case 35: return new(["TYPE", key]);
            case 33: return new(["OBJECT", "ENCODING", key]);
            case 34: return new(["DEL", key]);
            case 36 when !_big || random.Next(3) == 0: return new(["ZRANGE", key, "0", "-1", "WITHSCORES"]);
            // past 128 members or a 64-byte member: the skiplist encoding
            case 36 when random.Next(5) == 0:
                return new(Repeat(["ZADD", key], random.Next(100, 140), () => [key == "k4" ? "0" : random.Next(-50, 50).ToString(CultureInfo.InvariantCulture), "n" + random.Next(150)]));
            case 36: return new(["ZADD", key, Score(random, key), new string('m', random.Next(60, 70))]);
            default: return ForeignWrite(random, key);
        }
    }
}
