using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>Lists survive a SIGKILL under appendfsync always, pops served to blocked clients included: the restarted
/// node replays the AOF to the same lists and the same DEBUG DIGEST.</summary>
[Collection(CrashCollection.Name)]
public sealed class ListDurabilityTests
{
    [HyperCacheFact]
    public void Lists_and_served_blocking_pops_replay_after_SIGKILL()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        var keys = Enumerable.Range(0, 6).Select(i => $"list:{i}").ToArray();
        var random = new Random(11);
        using (var c = node.Raw())
        {
            for (int i = 0; i < 600; i++)
            {
                string key = keys[random.Next(keys.Length)], other = keys[random.Next(keys.Length)];
                string side = random.Next(2) == 0 ? "LEFT" : "RIGHT";
                string[] command = random.Next(9) switch
                {
                    0 or 1 or 2 => ["RPUSH", key, $"r{i}", $"x{i % 5}"],
                    3 => ["LPUSH", key, $"l{i}"],
                    4 => ["LPOP", key, random.Next(1, 3).ToString()],
                    5 => ["LMOVE", key, other, side, side == "LEFT" ? "RIGHT" : "LEFT"],
                    6 => ["LREM", key, random.Next(-1, 2).ToString(), $"x{random.Next(5)}"],
                    7 => ["LTRIM", key, random.Next(0, 2).ToString(), "-2"],
                    _ => ["LINSERT", key, "BEFORE", $"x{random.Next(5)}", $"i{i}"],
                };
                Assert.False(c.Command(command).StartsWith('-'), string.Join(' ', command));
            }

            // Two clients blocked on an empty key, then woken by one push: both served pops are in the log.
            using var first = node.Raw();
            using var second = node.Raw();
            bool Blocked(int n) => ((string?)Resp.Parse(c.Command("INFO", "clients")) ?? "").Contains($"blocked_clients:{n}\r\n");
            first.Send(RawRespClient.Encode("BLPOP", "waited", "0"));
            Eventually.True(() => Blocked(1), "the first client is blocked");
            second.Send(RawRespClient.Encode("BLMOVE", "waited", "moved", "LEFT", "RIGHT", "0"));
            Eventually.True(() => Blocked(2), "both are blocked");
            Assert.Equal(Resp.Int(3), c.Command("RPUSH", "waited", "a", "b", "c"));
            Assert.Equal(Resp.BulkArray("waited", "a"), first.ReadReply());
            Assert.Equal(Resp.Bulk("b"), second.ReadReply());
        }

        var before = Snapshot(node, [.. keys, "waited", "moved"]);
        node.Kill9();
        node.Start();
        var after = Snapshot(node, [.. keys, "waited", "moved"]);
        Assert.Equal(before, after);
        Assert.Contains("waited=c;", after);
        Assert.Contains("moved=b;", after);
    }

    private static string Snapshot(NodeProcess node, string[] keys)
    {
        using var c = node.Raw();
        var text = new System.Text.StringBuilder();
        foreach (var key in keys)
            text.Append(key).Append('=').AppendJoin(',', Resp.ParseFlatArray(c.Command("LRANGE", key, "0", "-1"))).Append(';');
        return text.Append(" digest=").Append(Resp.Parse(c.Command("DEBUG", "DIGEST"))).ToString();
    }
}
