using Xunit.Abstractions;

namespace HyperCache.Chaos.Scenarios;

/// <summary>
/// Scenario 2: a primary in sync mode (min_acks 1) with two replicas is SIGKILLed under load. The replica with the
/// highest offset is promoted by hand (REPLICAOF NO ONE) and the other follows it: the new primary holds every write
/// the old one acknowledged, and the other replica converges to the same DEBUG DIGEST.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class SyncFailoverTests(ITestOutputHelper output) : ChaosScenario(output)
{
    private const int MaxOps = 20_000;

    [Fact]
    public void PrimaryKilled_PromotedReplicaHoldsEveryAcknowledgedWrite() => Run(nameof(PrimaryKilled_PromotedReplicaHoldsEveryAcknowledgedWrite), () =>
    {
        StartPrimaryWithTwoReplicas("--replication-mode", "sync", "--min-acks", "1", "--sync-timeout-ms", "10000");

        var writers = Writers(3);
        int port = Driver.RespPort("primary");
        int killAfter = Rng.Next(100, 1000);
        var tasks = writers.Select(w => Task.Run(() => w.Run(() => port, MaxOps, stopOnBreak: true))).ToArray();
        Eventually.True(() => Acked(writers) >= killAfter || tasks.All(t => t.IsCompleted), $"{killAfter} writes acknowledged", Deadline);
        Driver.Kill("primary");
        WaitAll(tasks, "primary killed");
        Log($"primary SIGKILLed after {Acked(writers)} acknowledged writes");

        // A replica acknowledges an address once it applied and committed it, so the replica with the highest
        // applied offset holds every write the primary acknowledged.
        long a = InfoLong("replica-a", "slave_repl_offset"), b = InfoLong("replica-b", "slave_repl_offset");
        var (promoted, other) = a >= b ? ("replica-a", "replica-b") : ("replica-b", "replica-a");
        Log($"offsets: replica-a {a}, replica-b {b}: promoting {promoted}");
        using (var c = Client(promoted)) Assert.Equal(Resp.Ok, c.Command("REPLICAOF", "NO", "ONE"));
        Assert.Equal("master", Info(promoted, "role"));
        AssertHoldsAcknowledged(promoted, writers, "after promotion");

        Follow(other, promoted);
        int newPort = Driver.RespPort(promoted);
        var more = writers.Select(w => Task.Run(() => w.Run(() => newPort, 100, stopOnBreak: true))).ToArray();
        WaitAll(more, "writes to the new primary");
        WaitSameDigest(promoted, other);
        Assert.Equal("up", Info(other, "master_link_status"));
        AssertHoldsAcknowledged(promoted, writers, "after writes to the new primary");
        AssertHoldsAcknowledged(other, writers, "after following the new primary");
    });
}
