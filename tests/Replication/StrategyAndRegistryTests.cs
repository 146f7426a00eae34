using HyperCache.Log;
using HyperCache.Replication.Primary;
using HyperCache.Replication.Strategies;
using HyperCache.StateMachine.Snapshots;
using Microsoft.Extensions.Logging.Abstractions;

namespace HyperCache.Replication.Tests;

public sealed class StrategyAndRegistryTests
{
    private sealed class NoSnapshots : ISnapshotSource
    {
        public Task<(string Path, SnapshotHeader Header)> TakeAsync(CancellationToken ct) => throw new NotSupportedException();
    }

    private sealed class CountingStrategy : IReplicationStrategy
    {
        public string Name => "counting";
        public bool ShipsLog => true;
        public bool WaitsForReplicas => true;
        public int Calls;
        public bool MayWrite() => true;
        public ValueTask<WriteOutcome> AfterWriteAsync(long address, CancellationToken ct)
        {
            Calls++;
            return ValueTask.FromResult(WriteOutcome.Acknowledged);
        }
    }

    private static Replicator NewReplicator(TempNode node, ReplicationOptions options)
        => new(node.Store, node.Log, options, node.Dir, renewId: false, 7000, new NoSnapshots(), () => true, NullLogger.Instance);

    [Fact]
    public void Built_in_strategies_are_found_by_name_case_insensitively()
    {
        using var node = new TempNode();
        Assert.Equal("none", NewReplicator(node, new ReplicationOptions { Mode = "none" }).Strategy.Name);
        Assert.Equal("async", NewReplicator(node, new ReplicationOptions { Mode = "ASYNC" }).Strategy.Name);
        var sync = NewReplicator(node, new ReplicationOptions { Mode = "sync" }).Strategy;
        Assert.Equal("sync", sync.Name);
        Assert.True(sync.WaitsForReplicas);
        Assert.False(sync.MayWrite()); // min_acks 1, nobody connected
        Assert.False(NewReplicator(node, new ReplicationOptions { Mode = "none" }).Strategy.ShipsLog);
        var e = Assert.Throws<ArgumentException>(() => NewReplicator(node, new ReplicationOptions { Mode = "quorum-9" }));
        Assert.Contains("unknown replication mode 'quorum-9'", e.Message);
    }

    [Fact]
    public void A_registered_strategy_is_chosen_by_name()
    {
        using var node = new TempNode();
        var mine = new CountingStrategy();
        ReplicationStrategies.Register("counting", _ => mine);
        Assert.True(ReplicationStrategies.IsKnown("Counting"));
        var replicator = NewReplicator(node, new ReplicationOptions { Mode = "counting" });
        Assert.Same(mine, replicator.Strategy);
    }

    [Fact]
    public void The_replication_id_is_kept_across_restarts_and_renewed_on_request()
    {
        using var node = new TempNode();
        string first = NewReplicator(node, new ReplicationOptions()).ReplicationId;
        Assert.Equal(40, first.Length);
        Assert.Equal(first, NewReplicator(node, new ReplicationOptions()).ReplicationId);
        Assert.NotEqual(first, ReplicationId.LoadOrCreate(node.Dir, renew: true));
    }

    [Fact]
    public async Task Acknowledgements_are_counted_per_address_and_wake_waiters()
    {
        using var node = new TempNode();
        var registry = new ReplicaRegistry(node.Log, new ReplicationOptions());
        var a = registry.Attach("127.0.0.1", 1, "conn-a", 100);
        registry.Attach("127.0.0.1", 2, "conn-b", 100);
        Assert.Equal(2, registry.AcknowledgedCount(-1));
        Assert.Equal(0, registry.AcknowledgedCount(150));
        var waiting = registry.WaitForAcksAsync(150, 1, TimeSpan.FromSeconds(30));
        Assert.False(waiting.IsCompleted);
        registry.Acknowledge("conn-a", 200);
        Assert.Equal(1, await waiting);
        Assert.Equal(1, await registry.WaitForAcksAsync(150, 2, TimeSpan.FromMilliseconds(20))); // times out with 1
        registry.Detach(a, "conn-a");
        Assert.Equal(0, registry.AcknowledgedCount(150));
    }

    [Fact]
    public void Acknowledged_sequence_follows_the_shipped_batches()
    {
        var link = new ReplicaLink("h", 1);
        link.Restart(100);
        Assert.Equal(-1, link.AckedSequence);
        link.Shipped(200, 50, 5);
        link.Shipped(300, 50, 9);
        link.Acknowledge(150);
        Assert.Equal(-1, link.AckedSequence); // inside the first batch: not all of it is durable
        link.Acknowledge(200);
        Assert.Equal(5, link.AckedSequence);
        link.Acknowledge(300);
        Assert.Equal(9, link.AckedSequence);
        Assert.Equal(300, link.AckedAddress);
        link.Restart(300);
        Assert.Equal(-1, link.AckedSequence);
    }

    [Fact]
    public void The_truncation_floor_follows_connected_replicas_within_the_lag_cap()
    {
        using var node = new TempNode();
        var s = new StateMachine.Session();
        for (int i = 0; i < 100; i++) node.Store.Set(s, [(byte)i], new byte[100], StateMachine.SetCondition.Always, 0, false, out _);
        var registry = new ReplicaRegistry(node.Log, new ReplicationOptions { MaxLagBytes = 1000 });
        Assert.Equal(long.MaxValue, registry.LowestNeededAddress);
        var near = registry.Attach("h", 1, "near", node.Log.TailAddress - 500);
        Assert.Equal(node.Log.TailAddress - 500, registry.LowestNeededAddress);
        var far = registry.Attach("h", 2, "far", node.Log.BeginAddress);
        Assert.Equal(node.Log.TailAddress - 500, registry.LowestNeededAddress); // far is beyond the cap: dropped
        Assert.True(far.DroppedFromFloor);
        registry.Detach(near, "near");
        Assert.Equal(long.MaxValue, registry.LowestNeededAddress); // a replica that is down does not hold compaction
    }
}
