using System.Globalization;
using HyperCache.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static HyperCache.EndToEnd.Tests.Infrastructure.ReplicationNodes;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// Chained replication, as Redis allows it: a replica serves replicas of its own from its log (which holds what it
/// applied; a full sync from its snapshot too), so a write on the top primary reaches the bottom; the middle's promotion or a FAILOVER above it leaves
/// them streaming without a full sync (and resuming after a restart); and a loop (a node following one below it) is refused.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class ChainedReplicationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static string Port(NodeProcess n) => n.Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Three nodes started, each with its own replication port; none follows another yet.</summary>
    private static NodeProcess[] Three()
    {
        var nodes = new[] { Create(), Create(), Create() };
        foreach (var n in nodes) n.Start();
        return nodes;
    }

    private void Logs(params NodeProcess[] nodes)
    {
        foreach (var n in nodes) output.WriteLine(n.LogTail(20));
    }

    [HyperCacheFact]
    public void A_replica_of_a_replica_converges_and_keeps_streaming_when_the_middle_is_promoted()
    {
        var nodes = Three();
        using var top = nodes[0];
        using var middle = nodes[1];
        using var bottom = nodes[2];
        try
        {
            ReplicationTests.Workload(top.Port, 11, 200);
            Follow(middle, top);
            WaitConverged(top, middle);
            // A snapshot in its data directory: the middle full-syncs the bottom from a fresh one, not its whole log.
            using (var m = middle.Raw())
                Assert.Equal(Resp.Ok, m.Command("SAVE"));
            Follow(bottom, middle);
            Task.WaitAll(Enumerable.Range(0, 2).Select(w => Task.Run(() => ReplicationTests.Workload(top.Port, 20 + w, 300))).ToArray());
            WaitConverged(top, middle, bottom);

            Assert.Equal("slave", Info(middle, "role"));
            Assert.Equal("1", Info(middle, "connected_slaves"));
            Assert.StartsWith($"ip=127.0.0.1,port={Port(bottom)},state=online", Info(middle, "slave0"));
            Assert.Equal("1", Info(top, "connected_slaves")); // the bottom is the middle's, not the top's
            Assert.Equal(Port(middle), Info(bottom, "master_port"));
            using (var b = bottom.Raw())
                Assert.Equal(Resp.Err("READONLY You can't write against a read only replica."), b.Command("SET", "x", "1"));
            long bottomFullSyncs = InfoLong(bottom, "replica_full_syncs");

            // The middle becomes a primary: its log goes on, so the bottom's stream does too.
            using (var m = middle.Raw())
            {
                Assert.Equal(Resp.Ok, m.Command("REPLICAOF", "NO", "ONE"));
                Assert.Equal(Resp.Ok, m.Command("SET", "after", "promotion"));
                Assert.Equal(Resp.Int(1), m.Command("WAIT", "1", "20000"));
            }
            WaitConverged(middle, bottom);
            using (var b = bottom.Raw())
                Assert.Equal(Resp.Bulk("promotion"), b.Command("GET", "after"));
            Assert.Equal(bottomFullSyncs, InfoLong(bottom, "replica_full_syncs"));

            // Restarted, the bottom asks for the middle's id before its promotion: it resumes in the same log.
            long served = InfoLong(middle, "sync_full"), resumed = InfoLong(middle, "sync_partial_ok");
            bottom.Terminate();
            bottom.Start();
            Follow(bottom, middle);
            using (var m = middle.Raw())
                Assert.Equal(Resp.Ok, m.Command("SET", "after", "restart"));
            WaitConverged(middle, bottom);
            Assert.Equal(served, InfoLong(middle, "sync_full"));
            Assert.Equal(resumed + 1, InfoLong(middle, "sync_partial_ok"));
            Assert.Equal(0, InfoLong(bottom, "replica_full_syncs"));
        }
        finally
        {
            Logs(top, middle, bottom);
        }
    }

    [HyperCacheFact]
    public void After_a_failover_the_other_replica_follows_the_old_primary_without_a_full_sync()
    {
        var nodes = Three();
        using var primary = nodes[0];
        using var chosen = nodes[1];
        using var other = nodes[2];
        try
        {
            Follow(chosen, primary);
            Follow(other, primary);
            Eventually.True(() => InfoLong(primary, "connected_slaves") == 2, "two replicas connected", Converge);
            ReplicationTests.Workload(primary.Port, 31, 300);
            WaitConverged(primary, chosen, other);
            long otherFullSyncs = InfoLong(other, "replica_full_syncs");

            using (var c = primary.Raw())
                Assert.Equal(Resp.Ok, c.Command("FAILOVER", "TO", "127.0.0.1", Port(chosen)));
            Eventually.True(() => Info(primary, "role") == "slave" && Info(chosen, "role") == "master", "the roles swapped", Deadline);

            // As on Redis, the other replica stays below the old primary, now a replica of the new one.
            ReplicationTests.Workload(chosen.Port, 32, 300);
            using (var c = chosen.Raw())
                Assert.Equal(Resp.Ok, c.Command("SET", "after", "failover"));
            WaitConverged(chosen, primary, other);
            Assert.Equal(Port(primary), Info(other, "master_port"));
            Assert.Equal("up", Info(other, "master_link_status"));
            Assert.Equal("1", Info(primary, "connected_slaves"));
            Assert.Equal(otherFullSyncs, InfoLong(other, "replica_full_syncs"));
            using (var o = other.Raw())
                Assert.Equal(Resp.Bulk("failover"), o.Command("GET", "after"));
        }
        finally
        {
            Logs(primary, chosen, other);
        }
    }

    [HyperCacheFact]
    public void A_node_cannot_follow_a_replica_below_it()
    {
        var nodes = Three();
        using var a = nodes[0];
        using var b = nodes[1];
        using var c = nodes[2];
        try
        {
            using (var client = a.Raw())
                Assert.Equal(Resp.Ok, client.Command("SET", "k", "v"));
            Follow(b, a);
            Follow(c, b);
            WaitConverged(a, b, c);

            // a -> b -> c -> a would pass every entry round forever: a refuses the chain that holds it.
            Follow(a, c);
            Eventually.True(() => a.LogTail(200).Contains("replication loop", StringComparison.Ordinal), "a refused the loop", Deadline);
            Assert.Equal("down", Info(a, "master_link_status"));
            // Nothing went round: the three still hold the same one key.
            Assert.Equal(Digest(a), Digest(b));
            Assert.Equal(Digest(a), Digest(c));
            using (var client = c.Raw())
                Assert.Equal(Resp.Int(1), client.Command("DBSIZE"));

            // Following itself is a loop too.
            using (var client = b.Raw())
                Assert.Equal(Resp.Ok, client.Command("REPLICAOF", "127.0.0.1", Port(b)));
            Eventually.True(() => b.LogTail(200).Contains("replication loop", StringComparison.Ordinal), "b refused itself", Deadline);
        }
        finally
        {
            Logs(a, b, c);
        }
    }
}
