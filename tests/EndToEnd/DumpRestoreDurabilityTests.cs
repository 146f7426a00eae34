using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>RESTORE is a logged write: it survives SIGKILL (replayed from the log), reaches replicas, and is refused
/// on a full node as Redis refuses it (denyoom).</summary>
[Collection(CrashCollection.Name)]
public sealed class DumpRestoreDurabilityTests
{
    private static readonly string[] Keys = ["str", "list", "hash", "set", "zset", "stream", "replaced"];

    /// <summary>Builds one value of each type under "src:" names and restores each under its own name.</summary>
    private static void RestoreEachType(RawRespClient c)
    {
        c.Command("SET", "src:str", "a string value");
        c.Command(["RPUSH", "src:list", .. Enumerable.Range(0, 3000).Select(i => "e" + i)]);
        c.Command(["HSET", "src:hash", .. Enumerable.Range(0, 700).SelectMany(i => new[] { "f" + i, "v" + i })]);
        c.Command("SADD", "src:set", "1", "2", "70000", "x");
        c.Command("ZADD", "src:zset", "1", "a", "2.5", "b", "-inf", "c");
        c.Command("XADD", "src:stream", "1-1", "a", "b");
        c.Command("XADD", "src:stream", "2-1", "c", "d");
        c.Command("XGROUP", "CREATE", "src:stream", "g", "0");
        Assert.StartsWith("*1", c.Command("XREADGROUP", "GROUP", "g", "reader", "COUNT", "1", "STREAMS", "src:stream", ">"));
        c.Command("SET", "replaced", "old");
        foreach (var key in Keys[..6])
            Assert.Equal(Resp.Ok, c.Command("RESTORE", key, key == "zset" ? "600000" : "0", DumpRestoreDifferentialTests.Payload(c, "src:" + key)));
        Assert.Equal(Resp.Ok, c.Command("RESTORE", "replaced", "0", DumpRestoreDifferentialTests.Payload(c, "src:hash"), "REPLACE"));
        Assert.Equal(Resp.Int(6), c.Command("DEL", "src:str", "src:list", "src:hash", "src:set", "src:zset", "src:stream", "nothing"));
    }

    private static string State(NodeProcess node)
    {
        using var c = node.Raw();
        return string.Join("\n", Keys.Select(k => DumpRestoreDifferentialTests.Content(c, k))) + "\n" + c.Command("DEBUG", "DIGEST");
    }

    [HyperCacheFact]
    public void Restored_values_replay_after_SIGKILL()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        using (var c = node.Raw()) RestoreEachType(c);
        var before = State(node);
        Assert.Contains("hash:f0\u0000v0", before);
        Assert.Contains("1-1 reader 1", before); // the stream's pending entry

        node.Kill9();
        node.Start();
        Assert.Equal(before, State(node));
        using var after = node.Raw();
        Assert.InRange(long.Parse(after.Command("PTTL", "zset")[1..^2]), 1, 600_000);
        Assert.Equal(Resp.Simple("hash"), after.Command("TYPE", "replaced"));
    }

    [HyperCacheFact]
    public void A_replica_receives_restored_values()
    {
        using var primary = ReplicationNodes.Create();
        using var replica = ReplicationNodes.Create();
        primary.Start();
        replica.Start();
        ReplicationNodes.Follow(replica, primary);
        using (var c = primary.Raw()) RestoreEachType(c);
        ReplicationNodes.WaitConverged(primary, replica);
        Assert.Equal(State(primary), State(replica));
    }

    [HyperCacheFact]
    public void A_full_node_refuses_restore_with_the_oom_error()
    {
        using var node = new NodeProcess(appendFsync: "everysec", extraArgs: ["--maxmemory", "300000", "--maxmemory-policy", "noeviction"]);
        node.Start();
        using var c = node.Raw();
        c.Command("SET", "small", "v");
        var payload = DumpRestoreDifferentialTests.Payload(c, "small");
        int written = 0;
        while (c.Command("SET", "k" + written, new string('v', 1000)) == Resp.Ok) written++;
        Assert.Equal(Resp.Err("OOM command not allowed when used memory > 'maxmemory'."), c.Command("RESTORE", "r", "0", payload));
        Assert.Equal(Resp.Int(0), c.Command("EXISTS", "r"));
    }
}
