using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// Hashes and sets come back from the AOF exactly as they were: after a SIGKILL under <c>appendfsync always</c>,
/// the recovered node has the same DEBUG DIGEST and the same replies, random choices (SPOP) and counters included.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class HashSetRecoveryTests
{
    private static readonly string[][] Reads =
    [
        ["HGETALL", "{r}h"], ["HGETALL", "{r}counters"], ["SMEMBERS", "{r}ints"], ["SCARD", "{r}popped"],
        ["SMEMBERS", "{r}inter"], ["SMEMBERS", "{r}moved"], ["OBJECT", "ENCODING", "{r}big"], ["HLEN", "{r}big"],
        ["OBJECT", "ENCODING", "{r}ints"], ["EXISTS", "{r}emptied"], ["SCARD", "{r}bigset"],
    ];

    [HyperCacheFact]
    public void Hashes_and_sets_survive_SIGKILL_with_the_same_digest()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        string digest;
        List<string> before;
        using (var c = node.Raw())
        {
            void Ok(string expected, params string[] command) => Assert.Equal(expected, c.Command(command));
            Ok(Resp.Int(3), "HSET", "{r}h", "c", "3", "a", "1", "b", "2");
            Ok(Resp.Int(1), "HDEL", "{r}h", "a");
            Ok(Resp.Int(1), "HSETNX", "{r}h", "a", "again");
            Ok(Resp.Int(7), "HINCRBY", "{r}counters", "n", "7");
            Ok(Resp.Bulk("0.3"), "HINCRBYFLOAT", "{r}counters", "f", "0.3");
            c.Command(["HSET", "{r}big", .. Enumerable.Range(0, 600).SelectMany(i => new[] { "f" + i, "v" + i })]);
            Ok(Resp.Int(4), "SADD", "{r}ints", "30", "-1", "7", "1000");
            c.Command(["SADD", "{r}popped", .. Enumerable.Range(0, 300).Select(i => "m" + i)]);
            Assert.Equal(100, Resp.ParseFlatArray(c.Command("SPOP", "{r}popped", "100")).Count);
            c.Command("SPOP", "{r}popped");
            Ok(Resp.Int(2), "SADD", "{r}other", "7", "30");
            Ok(Resp.Int(2), "SINTERSTORE", "{r}inter", "{r}ints", "{r}other");
            Ok(Resp.Int(1), "SMOVE", "{r}ints", "{r}moved", "1000");
            Ok(Resp.Int(2), "SADD", "{r}emptied", "x", "y");
            Ok(Resp.Int(2), "SREM", "{r}emptied", "x", "y", "z");
            c.Command(["SADD", "{r}bigset", .. Enumerable.Range(0, 3000).Select(i => "b" + i)]);
            Assert.Equal(2500, Resp.ParseFlatArray(c.Command("SPOP", "{r}bigset", "2500")).Count);
            Ok(Resp.Int(1), "PEXPIRE", "{r}h", "600000");
            digest = (string)Resp.Parse(c.Command("DEBUG", "DIGEST"))!;
            before = Reads.Select(r => c.Command(r)).ToList();
        }
        Assert.Equal(Resp.BulkArray("c", "3", "b", "2", "a", "again"), before[0]);
        Assert.Equal(Resp.Int(199), before[3]);

        node.Kill9();
        node.Start();
        using (var c = node.Raw())
        {
            Assert.Equal(digest, (string)Resp.Parse(c.Command("DEBUG", "DIGEST"))!);
            Assert.Equal(before, Reads.Select(r => c.Command(r)).ToList());
            var ttl = (long)Resp.Parse(c.Command("PTTL", "{r}h"))!;
            Assert.InRange(ttl, 1, 600_000);
        }
    }
}
