using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>Sorted sets come back from the AOF after a SIGKILL exactly as they were (DEBUG DIGEST, scores,
/// encodings, TTLs): every Z* write is an event that replays to the same state.</summary>
[Collection(CrashCollection.Name)]
public sealed class SortedSetRestartTests
{
    [HyperCacheFact]
    public void Sorted_sets_survive_SIGKILL_and_replay_to_the_same_digest()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        string digest, ranges;
        using (var c = node.Raw())
        {
            var add = new List<string> { "ZADD", "big" };
            for (int i = 0; i < 500; i++) add.AddRange([(i * 0.5).ToString(System.Globalization.CultureInfo.InvariantCulture), "m" + i]);
            c.Command(add.ToArray());
            c.Command("ZINCRBY", "big", "0.1", "m1");
            c.Command("ZADD", "big", "GT", "CH", "1000", "m2", "-5", "m3");
            c.Command("ZPOPMAX", "big", "3");
            c.Command("ZPOPMIN", "big");
            c.Command("ZREM", "big", "m10", "m11");
            c.Command("ZREMRANGEBYSCORE", "big", "(20", "30");
            c.Command("ZREMRANGEBYRANK", "big", "-10", "-5");
            c.Command("ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d");
            c.Command("ZREMRANGEBYLEX", "lex", "[b", "(d");
            c.Command("ZUNIONSTORE", "union", "2", "big", "lex", "WEIGHTS", "2", "1");
            c.Command("PEXPIRE", "union", "600000");
            c.Command("ZINTERSTORE", "inter", "2", "big", "union", "AGGREGATE", "MAX");
            c.Command("ZDIFFSTORE", "diff", "2", "big", "inter");
            c.Command("ZRANGESTORE", "top", "big", "+inf", "(100", "BYSCORE", "REV", "LIMIT", "0", "10");
            c.Command("ZADD", "gone", "1", "x");
            c.Command("ZPOPMIN", "gone");
            digest = c.Command("DEBUG", "DIGEST");
            ranges = Snapshot(c);
        }
        node.Kill9();
        node.Start();
        using (var c = node.Raw())
        {
            Assert.Equal(digest, c.Command("DEBUG", "DIGEST"));
            Assert.Equal(ranges, Snapshot(c));
            Assert.Equal(Resp.Int(0), c.Command("EXISTS", "gone"));
            Assert.Equal(Resp.Bulk("skiplist"), c.Command("OBJECT", "ENCODING", "big"));
            Assert.NotEqual(Resp.Int(-1), c.Command("PTTL", "union"));
        }
    }

    private static string Snapshot(RawRespClient c)
        => string.Concat(new[] { "big", "lex", "union", "inter", "diff", "top" }.Select(k => c.Command("ZRANGE", k, "0", "-1", "WITHSCORES")));
}
