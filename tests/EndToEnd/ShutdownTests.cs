using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>SHUTDOWN as Redis 7.0: no reply, the connection closes, the process exits 0, and every acknowledged write
/// is there after the restart (the log is committed first, even under appendfsync everysec).</summary>
public sealed class ShutdownTests
{
    private static readonly TimeSpan ExitDeadline = TimeSpan.FromSeconds(30);

    [HyperCacheFact]
    public void Shutdown_commits_the_log_closes_the_connection_and_exits()
    {
        using var node = new NodeProcess(appendFsync: "everysec");
        node.Start();
        using (var c = node.Raw())
        {
            for (int i = 0; i < 200; i++) Assert.Equal(Resp.Ok, c.Command("SET", "k" + i, "v" + i));
            c.Send(RawRespClient.Encode("SHUTDOWN", "NOSAVE"));
            Assert.Equal("", c.ReadUntilClosed(ExitDeadline)); // no reply
        }
        Assert.Equal(0, node.WaitForExit(ExitDeadline));

        node.Start();
        using var after = node.Raw();
        Assert.Equal(Resp.Int(200), after.Command("DBSIZE"));
        Assert.Equal(Resp.Bulk("v199"), after.Command("GET", "k199"));
    }

    [HyperCacheFact]
    public void Shutdown_save_writes_a_snapshot_first()
    {
        using var node = new NodeProcess(appendFsync: "everysec");
        node.Start();
        using (var c = node.Raw())
        {
            Assert.Equal(Resp.Int(1), c.Command("HSET", "h", "f", "v"));
            c.Send(RawRespClient.Encode("SHUTDOWN", "SAVE", "NOW"));
            Assert.Equal("", c.ReadUntilClosed(ExitDeadline));
        }
        Assert.Equal(0, node.WaitForExit(ExitDeadline));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(node.DataDir, "snapshots")));

        node.Start();
        using var after = node.Raw();
        Assert.Equal(Resp.Bulk("v"), after.Command("HGET", "h", "f"));
    }

    [HyperCacheFact]
    public void Bad_shutdown_arguments_are_refused_and_the_node_keeps_serving()
    {
        using var node = new NodeProcess(appendFsync: "everysec");
        node.Start();
        using var c = node.Raw();
        Assert.Equal(Resp.SyntaxError, c.Command("SHUTDOWN", "SAVE", "NOSAVE"));
        Assert.Equal(Resp.SyntaxError, c.Command("SHUTDOWN", "LATER"));
        Assert.Equal(Resp.Err("ERR No shutdown in progress."), c.Command("SHUTDOWN", "ABORT"));
        Assert.Equal(Resp.Ok, c.Command("MULTI"));
        Assert.Equal(Resp.Err("ERR Command not allowed inside a transaction"), c.Command("SHUTDOWN"));
        Assert.StartsWith("-EXECABORT", c.Command("EXEC"));
        Assert.Equal(Resp.Pong, c.Command("PING"));
        Assert.True(node.IsRunning);
    }

    /// <summary>As Redis, SIGHUP (a closed terminal) does not stop the node; .NET's default ended the process at once,
    /// without the shutdown that commits the log.</summary>
    [HyperCacheFact]
    public void Sighup_is_ignored()
    {
        using var node = new NodeProcess(appendFsync: "everysec");
        node.Start();
        using var c = node.Raw();
        Assert.Equal(Resp.Ok, c.Command("SET", "k", "v"));
        // Started under nohup (SIGHUP ignored, and children inherit that), the node never sees the signal: the
        // kernel drops it, so there is nothing to log, and nothing that could stop the node either.
        bool inheritedIgnore = (SignalMask(node.Pid, "SigIgn") & 1) != 0;
        node.Signal(1); // SIGHUP
        if (!inheritedIgnore)
            Eventually.True(() => node.LogTail(1000).Contains("SIGHUP ignored"), "the node said it ignored SIGHUP");
        Assert.True(node.IsRunning);
        Assert.Equal(Resp.Bulk("v"), c.Command("GET", "k"));
        Assert.Equal(0, node.Terminate(ExitDeadline)); // SIGTERM still stops it, cleanly
    }

    /// <summary>A signal mask of a process (SigIgn, SigCgt...) from /proc: bit n-1 is signal n.</summary>
    private static ulong SignalMask(int pid, string name)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(name + ":", StringComparison.Ordinal));
        return Convert.ToUInt64(line[(name.Length + 1)..].Trim(), 16);
    }
}
