using System.Diagnostics;
using HyperCache.Chaos.Network;
using Xunit.Abstractions;

namespace HyperCache.Chaos.Scenarios;

/// <summary>
/// Scenario 4: real network partitions. The nodes run in a network namespace of their own, each on its own loopback
/// address, and a partition silently drops every packet between two of them (no RST: TCP retransmits into nothing),
/// the failure a real network produces and a kill or a SIGSTOP does not. Sync mode must refuse (NOREPLICAS) rather
/// than acknowledge what the replica cannot hold; async mode keeps acknowledging, and both sides drop the dead link
/// (the replica after 5 silent heartbeats, the primary when its HTTP/2 pings go unanswered); after the heal, a replica
/// reconnects by itself, resumes from its offset (a full sync only once the log was compacted past it) and converges.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class PartitionTests(ITestOutputHelper output) : ChaosScenario(output, partitions: true)
{
    private const int MaxOps = 60_000;
    private const int AsyncMaxOps = 100_000;
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(2);

    [PartitionFact]
    public void SyncMode_Partitioned_RefusesThenReplicaCatchesUp() =>
        Run(nameof(SyncMode_Partitioned_RefusesThenReplicaCatchesUp), () =>
    {
        StartSyncPair();

        bool forbidden = false;
        var writers = Writers(2);
        foreach (var w in writers) w.AckForbidden = () => Volatile.Read(ref forbidden);
        int port = Driver.RespPort("primary");
        var tasks = writers.Select(w => Task.Run(() => w.Run(() => port, MaxOps, stopOnBreak: false, ReplyTimeout))).ToArray();
        try
        {
            Eventually.True(() => Acked(writers) >= 50, "writes acknowledged", Deadline);
            var cutFor = TimeSpan.FromMilliseconds(Rng.Next(1000, 6000));
            int refused = writers.Sum(w => w.Refused);
            // Once the rules are in, nothing written can reach the replica, so no write sent from now on can be acknowledged.
            Driver.Partition("primary", "replica");
            Volatile.Write(ref forbidden, true);
            var cut = Stopwatch.StartNew();
            Eventually.True(() => cut.Elapsed >= cutFor && writers.Sum(w => w.Refused) >= refused + 2,
                $"writes refused with NOREPLICAS during a {cutFor.TotalSeconds:0.0}s partition", cutFor + Deadline);
            Volatile.Write(ref forbidden, false);
            Driver.Heal();
            Log($"partitioned {cut.Elapsed.TotalSeconds:0.0}s: {writers.Sum(w => w.Refused) - refused} writes refused, " +
                $"{writers.Sum(w => w.Broken)} unanswered in all");

            // Sync writes succeed again only once the replica reconnected by itself and acknowledges again.
            int acked = Acked(writers);
            Eventually.True(() => Acked(writers) >= acked + 20, "writes acknowledged again after the heal (the replica is back)", Deadline);
        }
        finally
        {
            Volatile.Write(ref forbidden, false);
            foreach (var w in writers) w.Stop = true;
            WaitAll(tasks, "stopping writers");
        }
        WaitSameOffset("primary", "replica");
        WaitSameDigest("primary", "replica");
        LogSyncs("primary", "replica");
        AssertHoldsAcknowledged("primary", writers, "after the partition");
        AssertHoldsAcknowledged("replica", writers, "after the partition");
    });

    [PartitionFact]
    public void AsyncMode_ReplicaPartitionedPastTimeout_ResumesWithoutFullSync() =>
        Run(nameof(AsyncMode_ReplicaPartitionedPastTimeout_ResumesWithoutFullSync), () =>
    {
        Define("primary", "everysec");
        Define("replica-a", "everysec");
        Define("replica-b", "everysec");
        foreach (var n in new[] { "primary", "replica-a", "replica-b" }) Driver.Start(n);
        Follow("replica-a", "primary");
        Follow("replica-b", "primary");
        Eventually.True(() => Info("replica-a", "master_link_status") == "up" && Info("replica-b", "master_link_status") == "up",
            "both replicas linked", Deadline);

        var writers = Writers(2);
        int port = Driver.RespPort("primary");
        var tasks = writers.Select(w => Task.Run(() => w.Run(() => port, AsyncMaxOps, stopOnBreak: false, ReplyTimeout))).ToArray();
        long fullSyncsBefore;
        try
        {
            Eventually.True(() => Acked(writers) >= 100, "writes acknowledged", Deadline);
            // replica-b must hold data (and so a position to resume from) before the cut: right after its full sync
            // began it reports the log's start with no position yet, and would rightly need a full sync again.
            long primaryAt = InfoLong("primary", "master_repl_offset");
            Eventually.True(() => InfoLong("replica-b", "slave_repl_offset") >= primaryAt, "replica-b applied the first writes", Deadline);
            fullSyncsBefore = InfoLong("replica-b", "replica_full_syncs");
            long partialBefore = InfoLong("primary", "sync_partial_ok");
            // Longer than the replica's dead-stream timeout (5 heartbeats of 1 s), so it must notice and reconnect.
            var cutFor = TimeSpan.FromMilliseconds(Rng.Next(6500, 9000));
            Driver.Partition("primary", "replica-b");
            var cut = Stopwatch.StartNew();
            long cutAt = InfoLong("replica-b", "slave_repl_offset");
            int ackedAtCut = Acked(writers);
            long aAtCut = InfoLong("replica-a", "slave_repl_offset");
            Eventually.True(() => Info("replica-b", "master_link_status") == "down", "replica-b sees its link down (dead-stream timeout)", Deadline);
            Log($"replica-b's link down after {cut.Elapsed.TotalSeconds:0.0}s of partition");
            // The primary's side of the same rule (HTTP/2 pings unanswered for 5 heartbeats): it stops counting replica-b.
            Eventually.True(() => InfoLong("primary", "connected_slaves") == 1, "the primary drops the cut replica from connected_slaves", Deadline);
            Log($"primary dropped replica-b after {cut.Elapsed.TotalSeconds:0.0}s of partition");
            Eventually.True(() => cut.Elapsed >= cutFor, $"partition held {cutFor.TotalSeconds:0.0}s", cutFor + Deadline);
            int ackedDuring = Acked(writers) - ackedAtCut;
            Assert.True(ackedDuring >= 100, $"the async primary kept acknowledging during the partition: only {ackedDuring} writes");
            Assert.True(InfoLong("replica-a", "slave_repl_offset") > aAtCut, "replica-a kept streaming during replica-b's partition");
            Assert.Equal(0, writers.Sum(w => w.Refused));
            long ahead = InfoLong("primary", "master_repl_offset");
            Driver.Heal();
            Log($"replica-b cut {cut.Elapsed.TotalSeconds:0.0}s at offset {cutAt}; {ackedDuring} writes acknowledged meanwhile; primary at {ahead}; " +
                $"writers {(tasks.All(t => t.IsCompleted) ? "done" : "still writing")} at the heal");

            Eventually.True(() => InfoLong("replica-b", "slave_repl_offset") >= ahead && Info("replica-b", "master_link_status") == "up"
                    && InfoLong("primary", "connected_slaves") == 2,
                "replica-b reconnected by itself and caught up under load", Deadline);
            Assert.True(InfoLong("primary", "sync_partial_ok") > partialBefore, "the primary served replica-b a partial resync");
        }
        finally
        {
            foreach (var w in writers) w.Stop = true;
            WaitAll(tasks, "stopping writers");
        }
        WaitSameOffset("primary", "replica-a", "replica-b");
        WaitSameDigest("primary", "replica-a", "replica-b");
        LogSyncs("primary", "replica-a", "replica-b");
        Assert.Equal(fullSyncsBefore, InfoLong("replica-b", "replica_full_syncs")); // resumed from its offset: the log was not truncated
        AssertHoldsAcknowledged("primary", writers, "after the partition");
        AssertHoldsAcknowledged("replica-a", writers, "after the partition");
        AssertHoldsAcknowledged("replica-b", writers, "after resuming");
    });

    [PartitionFact]
    public void SyncMode_PrimaryPartitionedThenKilled_PromotedReplicaHoldsEveryAcknowledgedWrite() =>
        Run(nameof(SyncMode_PrimaryPartitionedThenKilled_PromotedReplicaHoldsEveryAcknowledgedWrite), () =>
    {
        StartSyncPair();

        bool forbidden = false;
        var writers = Writers(2);
        foreach (var w in writers) w.AckForbidden = () => Volatile.Read(ref forbidden);
        int port = Driver.RespPort("primary");
        var tasks = writers.Select(w => Task.Run(() => w.Run(() => port, MaxOps, stopOnBreak: true, ReplyTimeout))).ToArray();
        int cutAfter = Rng.Next(30, 150);
        var cutFor = TimeSpan.FromMilliseconds(Rng.Next(1000, 4000));
        Eventually.True(() => Acked(writers) >= cutAfter, $"{cutAfter} writes acknowledged", Deadline);
        Driver.Partition("primary", "replica");
        Volatile.Write(ref forbidden, true);
        int refused = writers.Sum(w => w.Refused);
        var cut = Stopwatch.StartNew();
        Eventually.True(() => cut.Elapsed >= cutFor && writers.Sum(w => w.Refused) >= refused + 2,
            $"writes refused with NOREPLICAS during a {cutFor.TotalSeconds:0.0}s partition", cutFor + Deadline);
        // The primary dies while cut off: whatever it applied but could not ship is only in doubt, never acknowledged.
        Driver.Kill("primary");
        WaitAll(tasks, "primary killed");
        Volatile.Write(ref forbidden, false);
        Driver.Heal();
        Log($"primary partitioned {cut.Elapsed.TotalSeconds:0.0}s after {cutAfter} acknowledgements, then SIGKILLed: " +
            $"{Acked(writers)} acknowledged, {writers.Sum(w => w.Refused)} refused, {writers.Sum(w => w.Broken)} unanswered");

        using (var c = Client("replica")) Assert.Equal(Resp.Ok, c.Command("REPLICAOF", "NO", "ONE"));
        Assert.Equal("master", Info("replica", "role"));
        AssertHoldsAcknowledged("replica", writers, "after promotion");
    });

    [PartitionFact]
    public void AsyncMode_LogCompactedDuringPartition_ReplicaFullSyncsAndConverges() =>
        Run(nameof(AsyncMode_LogCompactedDuringPartition_ReplicaFullSyncsAndConverges), () =>
    {
        // A snapshot (and so a compaction) after every MB of log, however big the last snapshot was: once the primary
        // dropped the cut replica, nothing holds the log back for it.
        StartPair("--snapshot-after-mb", "1", "--snapshot-after-percent", "0");
        Eventually.True(() => Info("replica", "master_link_status") == "up", "replica linked", Deadline);

        var writers = Writers(2);
        int port = Driver.RespPort("primary");
        var tasks = writers.Select(w => Task.Run(() => w.Run(() => port, AsyncMaxOps, stopOnBreak: false, ReplyTimeout))).ToArray();
        long fullSyncsBefore;
        try
        {
            Eventually.True(() => Acked(writers) >= 100 && InfoLong("replica", "slave_repl_offset") > 0, "replica streaming writes", Deadline);
            fullSyncsBefore = InfoLong("replica", "replica_full_syncs");
            Driver.Partition("primary", "replica");
            var cut = Stopwatch.StartNew();
            long cutAt = InfoLong("replica", "slave_repl_offset");
            Eventually.True(() => InfoLong("primary", "connected_slaves") == 0, "the primary drops the cut replica", Deadline);
            Eventually.True(() =>
            {
                if (InfoLong("primary", "repl_backlog_first_byte_offset") > cutAt) return true;
                // The writers may have reached their cap before the primary dropped the replica: then no new log
                // triggers the next snapshot, so compact by hand (a snapshot, then truncation below the older one).
                using (var c = Client("primary")) c.Command("BGREWRITEAOF");
                return false;
            }, $"the primary's log compacted past the replica's offset {cutAt}", Deadline);
            long ahead = InfoLong("primary", "master_repl_offset");
            Driver.Heal();
            Log($"replica cut {cut.Elapsed.TotalSeconds:0.0}s at offset {cutAt}; the primary's log now begins at " +
                $"{Info("primary", "repl_backlog_first_byte_offset")}, ends at {ahead}");
            Eventually.True(() => InfoLong("replica", "slave_repl_offset") >= ahead && Info("replica", "master_link_status") == "up",
                "replica reconnected by itself and caught up", Deadline);
        }
        finally
        {
            foreach (var w in writers) w.Stop = true;
            WaitAll(tasks, "stopping writers");
        }
        WaitSameOffset("primary", "replica");
        WaitSameDigest("primary", "replica");
        LogSyncs("primary", "replica");
        Assert.True(InfoLong("replica", "replica_full_syncs") > fullSyncsBefore, "the replica needed (and got) a full sync");
        AssertHoldsAcknowledged("primary", writers, "after the partition");
        AssertHoldsAcknowledged("replica", writers, "after the full sync");
    });

    private void WaitSameOffset(string primary, params string[] replicas) =>
        Eventually.True(() =>
        {
            long expected = InfoLong(primary, "master_repl_offset");
            return replicas.All(r => InfoLong(r, "slave_repl_offset") == expected);
        }, $"offsets of {string.Join(", ", replicas)} equal {primary}'s", Deadline);

    private void LogSyncs(string primary, params string[] replicas) =>
        Log($"{primary}: sync_full {Info(primary, "sync_full")}, sync_partial_ok {Info(primary, "sync_partial_ok")}; " +
            string.Join(", ", replicas.Select(r => $"{r}: replica_full_syncs {Info(r, "replica_full_syncs")}")));
}
