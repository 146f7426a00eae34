using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// One log, one process: a second node, or an offline `hypercache replay`, on a running node's data directory stops
/// with a clear error instead of opening the same FasterLog and writing over the first one's pages and commits.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class DataDirectoryLockTests
{
    [HyperCacheFact]
    public void A_second_process_on_a_running_nodes_data_directory_is_refused_and_the_node_goes_on()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        using var c = node.Raw();
        Assert.Equal(Resp.Ok, c.Command("SET", "k", "v"));

        using (var second = new NodeProcess(node.DataDir))
        {
            var e = Assert.Throws<InvalidOperationException>(second.Start);
            Assert.Contains("exited with code 1", e.ToString());
            Assert.Contains("is open in another process", second.LogTail());
        }
        var replay = HyperCacheCli.Run("replay", "--data-dir", node.DataDir);
        Assert.NotEqual(0, replay.Exit);
        Assert.Contains("is open in another process", replay.Err);

        Assert.Equal(Resp.Ok, c.Command("SET", "k2", "v2"));
        Assert.Equal(Resp.Bulk("v"), c.Command("GET", "k"));
        node.Kill9(); // the kernel drops a dead process's lock: a restart opens the log
        node.Start();
        using var after = node.Raw();
        Assert.Equal(Resp.Bulk("v2"), after.Command("GET", "k2"));
    }
}
