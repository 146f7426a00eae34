using System.Text;
using HyperCache.Log;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Values;

namespace HyperCache.Replication.Tests;

/// <summary>
/// A replica's resume position lives in its own log, in the same entry as the data it describes: replay restores
/// both, a full sync clears it, and shipped transactions stay whole.
/// </summary>
public sealed class ResumePositionTests
{
    internal static void Workload(Store store, int seed)
    {
        var s = new Session();
        var rng = new Random(seed);
        for (int i = 0; i < 300; i++)
        {
            string k = "k" + rng.Next(20);
            switch (rng.Next(4))
            {
                case 0: store.Set(s, Encoding.UTF8.GetBytes("s" + k), Encoding.UTF8.GetBytes("v" + i), SetCondition.Always, 0, false, out _); break;
                case 1: store.ListPush(s, Encoding.UTF8.GetBytes("l" + k), new Args("a" + i, "b"), 0, ListSide.Right, false); break;
                case 2: store.HashSet(s, Encoding.UTF8.GetBytes("h" + k), new Args("f" + rng.Next(5), "v" + i), 0); break;
                default:
                    store.RunTransaction(s, () =>
                    {
                        store.SetAdd(s, Encoding.UTF8.GetBytes("x" + k), new Args("m" + i), 0);
                        store.Set(s, Encoding.UTF8.GetBytes("t" + k), Encoding.UTF8.GetBytes("tx" + i), SetCondition.Always, 0, false, out _);
                    });
                    break;
            }
        }
    }

    [Fact]
    public void Replicated_batches_rebuild_the_primary_and_the_position_survives_a_restart()
    {
        using var primary = new TempNode();
        using var replica = new TempNode();
        Workload(primary.Store, 1);
        var entries = primary.Entries();
        Assert.Contains(entries, e => e.Entry.Kind == (byte)EventKind.Batch); // transactions are shipped whole
        long end = primary.Log.CommittedUntilAddress;
        int half = entries.Count / 2;
        replica.Store.ApplyReplicated(entries.Take(half).Select(e => e.Entry).ToList(), new ReplicationPosition("id-1", entries[half].Address));
        Assert.Equal(new ReplicationPosition("id-1", entries[half].Address), replica.Store.ReplicationOrigin);
        replica.Store.ApplyReplicated(entries.Skip(half).Select(e => e.Entry).ToList(), new ReplicationPosition("id-1", end));

        Assert.Equal(primary.Store.Digest(), replica.Store.Digest());
        replica.Restart();
        Assert.Equal(primary.Store.Digest(), replica.Store.Digest());
        Assert.Equal(new ReplicationPosition("id-1", end), replica.Store.ReplicationOrigin);

        // Resuming from the recorded position picks up exactly what came later.
        Workload(primary.Store, 2);
        var later = primary.Entries(replica.Store.ReplicationOrigin!.Value.NextAddress);
        replica.Store.ApplyReplicated(later.Select(e => e.Entry).ToList(), new ReplicationPosition("id-1", primary.Log.CommittedUntilAddress));
        Assert.Equal(primary.Store.Digest(), replica.Store.Digest());
    }

    [Fact]
    public void A_replicas_snapshot_carries_its_position()
    {
        using var primary = new TempNode();
        using var replica = new TempNode();
        Workload(primary.Store, 5);
        replica.Store.ApplyReplicated(primary.Entries().Select(e => e.Entry).ToList(), new ReplicationPosition("snap-id", 4242));
        string path = Path.Combine(replica.Dir, "test.hcs");
        StateMachine.Snapshots.SnapshotWriter.Write(replica.Store, path, "replica", replica.Log);
        var loaded = new Store(new StoreOptions { Shards = 8 }, null);
        StateMachine.Snapshots.SnapshotFile.Load(path, loaded);
        Assert.Equal(new ReplicationPosition("snap-id", 4242), loaded.ReplicationOrigin);
        Assert.Equal(primary.Store.Digest(), loaded.Digest());
    }

    [Fact]
    public void A_full_sync_start_clears_data_and_position_in_one_entry()
    {
        using var primary = new TempNode();
        using var replica = new TempNode();
        Workload(primary.Store, 3);
        replica.Store.ApplyReplicated(primary.Entries().Select(e => e.Entry).ToList(), new ReplicationPosition("old", 999));
        replica.Store.ApplyReplicated([new ShippedEntry((byte)EventKind.FlushAll, new byte[] { 0x90 })], null);
        Assert.Null(replica.Store.ReplicationOrigin);
        Assert.Equal(0, replica.Store.DbSize(0));
        replica.Restart();
        Assert.Null(replica.Store.ReplicationOrigin);
        Assert.Equal(0, replica.Store.DbSize(0));
    }

    [Fact]
    public void A_chained_primarys_marks_do_not_override_the_replicas_own()
    {
        using var primary = new TempNode();
        using var middle = new TempNode();
        using var leaf = new TempNode();
        Workload(primary.Store, 4);
        middle.Store.ApplyReplicated(primary.Entries().Select(e => e.Entry).ToList(), new ReplicationPosition("first", 123));
        leaf.Store.ApplyReplicated(middle.Entries().Select(e => e.Entry).ToList(), new ReplicationPosition("second", 456));
        Assert.Equal(new ReplicationPosition("second", 456), leaf.Store.ReplicationOrigin);
        Assert.Equal(primary.Store.Digest(), leaf.Store.Digest());
    }
}
