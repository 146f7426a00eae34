using System.Diagnostics;
using Xunit.Abstractions;

namespace HyperCache.Chaos.Scenarios;

/// <summary>
/// Scenario 3: SIGSTOP / SIGCONT. A replica paused under async load catches up after it resumes (same offset, same
/// digest). Under sync mode a paused replica makes writes fail with NOREPLICAS and a paused primary answers nothing:
/// never a silent success; after resuming, everything acknowledged is on both nodes.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class PauseTests(ITestOutputHelper output) : ChaosScenario(output)
{
    /// <summary>Per writer: bounds the run (and the verification after it) while keeping load through a pause of seconds.</summary>
    private const int MaxOps = 60_000;

    [Fact]
    public void AsyncReplicaPaused_CatchesUpAfterResume() => Run(nameof(AsyncReplicaPaused_CatchesUpAfterResume), () =>
    {
        StartPair();
        Eventually.True(() => Info("replica", "master_link_status") == "up", "replica linked", Deadline);

        var writers = Writers(2);
        int port = Driver.RespPort("primary");
        var tasks = writers.Select(w => Task.Run(() => w.Run(() => port, MaxOps, stopOnBreak: false))).ToArray();
        try
        {
            Eventually.True(() => Acked(writers) >= 100 && InfoLong("replica", "slave_repl_offset") > 0, "replica streaming writes", Deadline);
            long before = InfoLong("replica", "slave_repl_offset");
            var pauseFor = TimeSpan.FromMilliseconds(Rng.Next(1500, 6000)); // longer ones outlast the 5 s heartbeat timeout
            Driver.Pause("replica");
            var paused = Stopwatch.StartNew();
            Eventually.True(() => paused.Elapsed >= pauseFor && InfoLong("primary", "master_repl_offset") > before + 10_000,
                $"primary went on writing for {pauseFor.TotalSeconds:0.0}s while the replica was stopped", pauseFor + Deadline);
            long ahead = InfoLong("primary", "master_repl_offset");
            Driver.Resume("replica");
            Log($"replica paused {paused.Elapsed.TotalSeconds:0.0}s at offset {before}; primary reached {ahead}");
            Eventually.True(() => InfoLong("replica", "slave_repl_offset") >= ahead, "replica caught up under load", Deadline);
        }
        finally
        {
            foreach (var w in writers) w.Stop = true;
            WaitAll(tasks, "stopping writers");
        }
        Eventually.True(() => InfoLong("replica", "slave_repl_offset") == InfoLong("primary", "master_repl_offset"),
            "replica's offset equals the primary's", Deadline);
        WaitSameDigest("primary", "replica");
        AssertHoldsAcknowledged("primary", writers, "after the pause");
        AssertHoldsAcknowledged("replica", writers, "after catching up");
    });

    [Fact]
    public void SyncMode_PausedNodes_NeverAcknowledgeSilently() => Run(nameof(SyncMode_PausedNodes_NeverAcknowledgeSilently), () =>
    {
        StartSyncPair();

        bool forbidden = false;
        var writers = Writers(2);
        foreach (var w in writers) w.AckForbidden = () => Volatile.Read(ref forbidden);
        int port = Driver.RespPort("primary");
        var tasks = writers.Select(w => Task.Run(() => w.Run(() => port, MaxOps, stopOnBreak: false, TimeSpan.FromSeconds(2)))).ToArray();
        try
        {
            Eventually.True(() => Acked(writers) >= 50, "writes acknowledged", Deadline);

            // Replica stopped: the primary cannot collect an ack, so every write sent now is refused after the timeout.
            Driver.Pause("replica");
            Volatile.Write(ref forbidden, true);
            int refused = writers.Sum(w => w.Refused);
            Eventually.True(() => writers.Sum(w => w.Refused) >= refused + 4, "writes refused with NOREPLICAS while the replica is stopped", Deadline);
            Volatile.Write(ref forbidden, false);
            Driver.Resume("replica");
            int acked = Acked(writers);
            Eventually.True(() => Acked(writers) >= acked + 20, "writes acknowledged again after the replica resumed", Deadline);
            Log($"replica pause: {writers.Sum(w => w.Refused) - refused} writes refused");

            // Primary stopped: no reply at all; the clients time out (in doubt), nothing is acknowledged.
            int broken = writers.Sum(w => w.Broken);
            Driver.Pause("primary");
            Volatile.Write(ref forbidden, true);
            Eventually.True(() => writers.Sum(w => w.Broken) >= broken + 2, "writes unanswered while the primary is stopped", Deadline);
            Volatile.Write(ref forbidden, false);
            Driver.Resume("primary");
            acked = Acked(writers);
            Eventually.True(() => Acked(writers) >= acked + 20, "writes acknowledged again after the primary resumed", Deadline);
            Log($"primary pause: {writers.Sum(w => w.Broken) - broken} writes timed out");
        }
        finally
        {
            Volatile.Write(ref forbidden, false);
            foreach (var w in writers) w.Stop = true;
            WaitAll(tasks, "stopping writers");
        }
        WaitSameDigest("primary", "replica");
        AssertHoldsAcknowledged("primary", writers, "after both pauses");
        AssertHoldsAcknowledged("replica", writers, "after both pauses");
    });
}
