using HyperCache.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static HyperCache.EndToEnd.Tests.Infrastructure.ReplicationNodes;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// Failover with PSYNC2: primary P with replicas A and B; P dies (SIGKILL), A is promoted (REPLICAOF NO ONE) and B
/// is pointed at A. A keeps P's id as master_replid2, so B, which holds part of P's history that A also holds,
/// continues in A's log without a full sync, also after A restarts; a B ahead of A gets a full sync. Every case ends
/// with equal digests.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class ReplicationFailoverTests(ITestOutputHelper output)
{
    private static readonly string NoId = new('0', 40);

    /// <summary>Two clients running the mixed workload (every type, MULTI/EXEC, TTLs) until done.</summary>
    private static void Write(NodeProcess node, int seed, int ops = 300) =>
        Task.WaitAll(Enumerable.Range(0, 2).Select(w => Task.Run(() => ReplicationTests.Workload(node.Port, seed * 10 + w, ops))).ToArray());

    private static void Promote(NodeProcess node)
    {
        using var c = node.Raw();
        Assert.Equal(Resp.Ok, c.Command("REPLICAOF", "NO", "ONE"));
        Assert.Equal("master", Info(node, "role"));
    }

    private static string Metrics(NodeProcess node)
    {
        using var http = new HttpClient();
        return http.GetStringAsync($"{node.HttpBase}/metrics").Result;
    }

    /// <summary>A follows P (by REPLICAOF, so a restarted A is a primary), B by its flag (a restarted B still
    /// follows P). All three in step after a first workload; returns P's replication id.</summary>
    private static string Trio(NodeProcess p, NodeProcess a, NodeProcess b)
    {
        a.Start();
        Follow(a, p);
        b.Start();
        Eventually.True(() => InfoLong(p, "connected_slaves") == 2, "two replicas connected", Converge);
        string pid = Info(p, "master_replid");
        Assert.Equal(NoId, Info(p, "master_replid2"));
        Assert.Equal("-1", Info(p, "second_repl_offset"));
        Write(p, 1);
        WaitConverged(p, a, b);
        using (var c = p.Raw())
        {
            // Acknowledged = durable on the replica: a SIGKILLed B keeps everything up to here.
            Assert.Equal(Resp.Ok, c.Command("SET", "durable", "1"));
            Assert.Equal(Resp.Int(2), c.Command("WAIT", "2", "20000"));
        }
        WaitConverged(p, a, b);
        return pid;
    }

    /// <summary>B is killed, P goes on with A only, then P is killed: B is behind A, at a point both hold.</summary>
    private static void KillBThenP(NodeProcess p, NodeProcess a, NodeProcess b)
    {
        b.Kill9();
        Write(p, 2);
        WaitConverged(p, a);
        p.Kill9();
    }

    /// <summary>B, pointed at A, converges with A, and neither counted a full sync.</summary>
    private static void ContinuesWithoutFullSync(NodeProcess b, NodeProcess a)
    {
        Follow(b, a);
        WaitConverged(a, b);
        Assert.Equal(0, InfoLong(b, "replica_full_syncs"));
        Assert.Equal(0, InfoLong(a, "sync_full"));
    }

    /// <summary>P started, A created, B created following P (the test starts them); A's and B's last log lines go to
    /// the test output whatever happens.</summary>
    private void WithNodes(Action<NodeProcess, NodeProcess, NodeProcess> test)
    {
        using var p = Create();
        p.Start();
        using var a = Create();
        using var b = Create("everysec", "--replicaof", $"127.0.0.1 {p.Port}");
        try
        {
            test(p, a, b);
        }
        finally
        {
            output.WriteLine(a.LogTail(30));
            output.WriteLine(b.LogTail(30));
        }
    }

    [HyperCacheFact]
    public void PromotedReplica_LetsTheOtherReplicaContinue_WithoutFullSync()
    {
        WithNodes((p, a, b) =>
        {
            string pid = Trio(p, a, b);
            KillBThenP(p, a, b);
            long applied = InfoLong(a, "slave_repl_offset");

            Promote(a);
            Assert.Equal(pid, Info(a, "master_replid2"));
            Assert.NotEqual(pid, Info(a, "master_replid"));
            long second = InfoLong(a, "second_repl_offset");
            Assert.True(second > 0 && second >= applied, $"second_repl_offset {second}, A had applied {applied}");
            Write(a, 3);

            b.Start(); // still follows the dead P until told otherwise
            ContinuesWithoutFullSync(b, a);
            Assert.True(InfoLong(a, "sync_partial_ok") >= 1);
            Assert.Contains("hypercache_replication_full_syncs_total 0", Metrics(a));
            Assert.Equal(Info(a, "master_replid"), Info(b, "master_replid"));

            // B's position is in A's log now: A's writes keep arriving, and a restarted B resumes there.
            Write(a, 4);
            WaitConverged(a, b);
            b.Kill9();
            Write(a, 5);
            b.Start();
            ContinuesWithoutFullSync(b, a);
        });
    }

    [HyperCacheFact]
    public void ReplicaFrozenMidStream_ContinuesAtThePromotedReplica_WithoutFullSync()
    {
        WithNodes((p, a, b) =>
        {
            Trio(p, a, b);
            // B freezes wherever it is in the stream (its batches and A's cut at different places), P goes on.
            bool stop = false;
            var writers = Enumerable.Range(0, 2).Select(w => Task.Run(() => ReplicationTests.Workload(p.Port, 60 + w, 100_000, () => Volatile.Read(ref stop)))).ToArray();
            long from = InfoLong(b, "slave_repl_offset");
            Eventually.True(() => InfoLong(b, "slave_repl_offset") > from + 20_000, "B streaming", Converge);
            Signal("STOP", b.Pid);
            long frozen = InfoLong(a, "slave_repl_offset");
            Eventually.True(() => InfoLong(a, "slave_repl_offset") > frozen + 20_000, "A streaming on", Converge);
            Volatile.Write(ref stop, true);
            Task.WaitAll(writers);
            WaitConverged(p, a);
            p.Kill9();
            b.Kill9();

            Promote(a);
            Write(a, 3);
            b.Start();
            ContinuesWithoutFullSync(b, a);
            Assert.Equal(1, InfoLong(a, "sync_partial_ok"));
            output.WriteLine(a.LogTail(400).Split('\n').LastOrDefault(l => l.Contains("continues here")) ?? "");
        });
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = System.Diagnostics.Process.Start("kill", $"-{signal} {pid}");
        kill.WaitForExit();
    }

    [HyperCacheFact]
    public void PromotedReplicaRestarted_StillLetsTheOtherReplicaContinue()
    {
        WithNodes((p, a, b) =>
        {
            string pid = Trio(p, a, b);
            KillBThenP(p, a, b);
            Promote(a);
            Write(a, 3);
            string second = Info(a, "second_repl_offset");
            a.Kill9();
            a.Start();
            Assert.Equal("master", Info(a, "role"));
            Assert.Equal(pid, Info(a, "master_replid2"));
            Assert.Equal(second, Info(a, "second_repl_offset"));
            Write(a, 4);

            b.Start();
            ContinuesWithoutFullSync(b, a);
            Assert.Equal(1, InfoLong(a, "sync_partial_ok"));
        });
    }

    [HyperCacheFact]
    public void ReplicaAheadOfThePromotedNode_FullSyncs_AndConverges()
    {
        WithNodes((p, a, b) =>
        {
            Trio(p, a, b);
            Promote(a); // while P goes on: B gets P's later writes, which A never sees
            Write(a, 3);
            Write(p, 2);
            WaitConverged(p, b);
            long second = InfoLong(a, "second_repl_offset");
            Eventually.True(() => InfoLong(b, "slave_repl_offset") > second, "B is ahead of A in P's log", Converge);
            p.Kill9();

            Follow(b, a);
            WaitConverged(a, b);
            Assert.Equal(1, InfoLong(b, "replica_full_syncs"));
            Assert.Equal(1, InfoLong(a, "sync_full"));
            Assert.Equal(0, InfoLong(a, "sync_partial_ok"));
        });
    }

    /// <summary>
    /// REPLICAOF inside MULTI/EXEC, as Redis Sentinel sends it. The transaction holds every shard lock; the role change
    /// waits for the follower to stop, and the follower's promotion mark needed those locks: the node hung for good.
    /// Now the change runs as EXEC lets the locks go. The primary keeps writing meanwhile, so the follower is busy.
    /// </summary>
    [HyperCacheFact]
    public void Replicaof_inside_multi_exec_changes_the_role_without_hanging_the_node()
    {
        using var p = Create();
        using var a = Create();
        p.Start();
        a.Start();
        Follow(a, p);
        Eventually.True(() => InfoLong(p, "connected_slaves") == 1, "replica connected", Converge);
        bool stop = false;
        var writer = Task.Run(() => ReplicationTests.Workload(p.Port, 7, 100_000, () => Volatile.Read(ref stop)));
        try
        {
            Eventually.True(() => InfoLong(a, "slave_repl_offset") > 100_000, "the replica is applying the primary's writes", Converge);
            using var c = a.Raw(TimeSpan.FromSeconds(30));
            Assert.Equal(Resp.Ok, c.Command("MULTI"));
            Assert.Equal(Resp.Simple("QUEUED"), c.Command("REPLICAOF", "NO", "ONE"));
            Assert.Equal(Resp.Simple("QUEUED"), c.Command("CLIENT", "KILL", "TYPE", "pubsub"));
            Assert.Equal(Resp.Array(Resp.Ok, Resp.Int(0)), c.Command("EXEC"));
            Assert.Equal("master", Info(a, "role"));
            Assert.Equal(Resp.Ok, c.Command("SET", "promoted", "yes"));
        }
        finally
        {
            Volatile.Write(ref stop, true);
            writer.Wait(Converge);
        }

        // And back: following again from inside a transaction.
        using (var c = a.Raw(TimeSpan.FromSeconds(30)))
        {
            Assert.Equal(Resp.Ok, c.Command("MULTI"));
            Assert.Equal(Resp.Simple("QUEUED"), c.Command("REPLICAOF", "127.0.0.1", p.Port.ToString()));
            Assert.Equal(Resp.Array(Resp.Ok), c.Command("EXEC"));
        }
        WaitConverged(p, a);
    }

    /// <summary>Sentinel's promotion persists the new role with CONFIG REWRITE inside the same transaction: the role
    /// change waits for EXEC's end, but CONFIG's replicaof is set at once, so the file says primary and a restart
    /// from it is one (it would otherwise follow the dead primary again).</summary>
    [HyperCacheFact]
    public void Config_rewrite_in_the_promoting_transaction_writes_the_new_role()
    {
        string file = Path.Combine(Path.GetTempPath(), "hc-e2e-promote-" + Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(file, "logging:\n  level: \"info\"\n");
        try
        {
            using var p = Create();
            using var a = new NodeProcess(appendFsync: "everysec", extraArgs: ["--config", file, "--replication-port", TestPorts.Free().ToString()]);
            p.Start();
            a.Start();
            Follow(a, p);
            using (var c = a.Raw()) Assert.Equal(Resp.Ok, c.Command("CONFIG", "REWRITE"));
            Assert.Contains($"127.0.0.1 {p.Port}", File.ReadAllText(file));

            using (var c = a.Raw(TimeSpan.FromSeconds(30)))
            {
                Assert.Equal(Resp.Ok, c.Command("MULTI"));
                Assert.Equal(Resp.Simple("QUEUED"), c.Command("REPLICAOF", "NO", "ONE"));
                Assert.Equal(Resp.Simple("QUEUED"), c.Command("CONFIG", "REWRITE"));
                Assert.Equal(Resp.Array(Resp.Ok, Resp.Ok), c.Command("EXEC"));
            }
            Assert.DoesNotContain($"127.0.0.1 {p.Port}", File.ReadAllText(file));
            Assert.Equal(0, a.Terminate());
            a.Start();
            Assert.Equal("master", Info(a, "role"));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
