using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>Streams come back after a SIGKILL exactly as they were, from the AOF alone and from a snapshot plus the
/// log after it: entries, the last generated ID, entries-added and max-deleted-entry-id (XINFO STREAM), TTLs, and
/// consumer groups with their consumers and pending entries.</summary>
[Collection(CrashCollection.Name)]
public sealed class StreamRestartTests
{
    [HyperCacheFact]
    public void Streams_survive_SIGKILL_from_the_log_and_from_a_snapshot()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        string digest, state;
        using (var c = node.Raw())
        {
            for (int i = 0; i < 1500; i++) c.Command("XADD", "big", "*", "n", i.ToString(), "pad", new string('p', i % 20));
            c.Command("XDEL", "big", "0-1", LastId(c, "big"));
            c.Command("XTRIM", "big", "MAXLEN", "1200");
            c.Command("XADD", "small", "5-*", "a", "1");
            c.Command("XADD", "small", "MINID", "6", "5-*", "a", "2");
            c.Command("XADD", "gone", "1-1", "a", "1");
            c.Command("XDEL", "gone", "1-1");
            c.Command("COPY", "small", "copy");
            c.Command("PEXPIRE", "copy", "600000");
            Assert.Equal(Resp.Ok, c.Command("SAVE"));
            // After the snapshot: the log's tail must replay on top of it.
            c.Command("XADD", "big", "MAXLEN", "1000", "*", "after", "snapshot");
            c.Command("XADD", "small", "9-9", "b", "2");
            digest = c.Command("DEBUG", "DIGEST");
            state = Snapshot(c);
        }
        node.Kill9();
        node.Start();
        using (var c = node.Raw())
        {
            Assert.Equal(digest, c.Command("DEBUG", "DIGEST"));
            Assert.Equal(state, Snapshot(c));
            Assert.Equal(Resp.Int(1000), c.Command("XLEN", "big"));
            Assert.Equal(Resp.Int(0), c.Command("XLEN", "gone"));
            Assert.Equal(Resp.Simple("stream"), c.Command("TYPE", "gone"));
            Assert.NotEqual(Resp.Int(-1), c.Command("PTTL", "copy"));
            Assert.Equal(Resp.Err("ERR The ID specified in XADD is equal or smaller than the target stream top item"),
                c.Command("XADD", "gone", "1-1", "a", "1"));
        }
    }

    [HyperCacheFact]
    public void Consumer_groups_survive_SIGKILL_from_the_log_and_from_a_snapshot()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        string digest, state;
        using (var c = node.Raw())
        {
            for (int i = 1; i <= 30; i++) c.Command("XADD", "s", $"{i}-1", "n", i.ToString());
            c.Command("XGROUP", "CREATE", "s", "g", "0");
            c.Command("XGROUP", "CREATE", "s", "late", "$");
            c.Command("XREADGROUP", "GROUP", "g", "a", "COUNT", "10", "STREAMS", "s", ">");
            c.Command("XREADGROUP", "GROUP", "g", "b", "COUNT", "5", "STREAMS", "s", ">");
            c.Command("XACK", "s", "g", "1-1", "2-1");
            c.Command("XDEL", "s", "4-1");
            Assert.Equal(Resp.Ok, c.Command("SAVE"));
            // After the snapshot: the log's tail must replay on top of it.
            c.Command("XCLAIM", "s", "g", "b", "0", "3-1", "RETRYCOUNT", "4");
            c.Command("XAUTOCLAIM", "s", "g", "c", "0", "5-1", "COUNT", "2");
            c.Command("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", "0");
            c.Command("XGROUP", "CREATECONSUMER", "s", "late", "idle");
            c.Command("XGROUP", "CREATE", "s", "new", "10-1", "MKSTREAM");
            c.Command("XGROUP", "CREATE", "fresh", "g", "$", "MKSTREAM");
            digest = c.Command("DEBUG", "DIGEST");
            state = GroupState(c);
        }
        node.Kill9();
        node.Start();
        using (var c = node.Raw())
        {
            Assert.Equal(digest, c.Command("DEBUG", "DIGEST"));
            Assert.Equal(state, GroupState(c));
            Assert.Contains("$3\r\n3-1\r\n$1\r\nb\r\n", c.Command("XPENDING", "s", "g", "3-1", "3-1", "1"));
            Assert.EndsWith(":4\r\n", c.Command("XPENDING", "s", "g", "3-1", "3-1", "1"));
            Assert.Equal(Resp.Int(1), c.Command("XGROUP", "DESTROY", "fresh", "g"));
        }
    }

    /// <summary>What the groups hold, without the times (idle times move on while the node restarts).</summary>
    private static string GroupState(RawRespClient c)
        => c.Command("XINFO", "GROUPS", "s") + c.Command("XPENDING", "s", "g") + c.Command("XPENDING", "s", "late")
            + c.Command("XINFO", "GROUPS", "fresh") + c.Command("XINFO", "STREAM", "s");

    private static string LastId(RawRespClient c, string key)
        => (string)((List<object?>)((List<object?>)Resp.Parse(c.Command("XREVRANGE", key, "+", "-", "COUNT", "1"))!)[0]!)[0]!;

    private static string Snapshot(RawRespClient c)
        => string.Concat(new[] { "big", "small", "gone", "copy" }.Select(k => c.Command("XRANGE", k, "-", "+") + c.Command("XINFO", "STREAM", k)));
}
