using HyperCache.Log;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Values;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>
/// A replica's log is all Batch entries (its primary's entries plus a replication mark each). Replaying it on the
/// parallel workers, pair by pair, gives the state and the resume position that applying it in order does.
/// </summary>
public sealed class ReplicaReplayTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static void Workload(Store store, Random random, int writes)
    {
        var s = new Session();
        for (int i = 0; i < writes; i++)
        {
            string k = "k" + random.Next(300);
            try
            {
                switch (random.Next(8))
                {
                    case 0 or 1 or 2: store.Set(s, Of("s" + k), Of("v" + i), SetCondition.Always, 0, false, out _); break;
                    case 3: store.ListPush(s, Of("l" + k), Keys.Of("a" + i, "b"), 0, ListSide.Right, false); break;
                    case 4: store.HashSet(s, Of("h" + k), Keys.Of("f" + random.Next(5), "v" + i), 0); break;
                    case 5: store.Delete(s, Keys.Of("s" + k, "s" + random.Next(300)), 0); break; // several shards
                    case 6: store.Rename(s, Of("s" + k), Of("s" + random.Next(300)), false); break;
                    default:
                        store.RunTransaction(s, () =>
                        {
                            store.SetAdd(s, Of("x" + k), Keys.Of("m" + i), 0);
                            store.Set(s, Of("t" + k), Of("tx" + i), SetCondition.Always, 0, false, out _);
                        });
                        break;
                }
            }
            catch (CommandError)
            {
            }
        }
    }

    [Fact]
    public void A_replicas_log_replays_in_parallel_to_the_same_state_and_position()
    {
        using var primary = new LoggedStore(new ManualClock(T0));
        using var replica = new LoggedStore(new ManualClock(T0));
        Workload(primary.Store, new Random(3), 20_000);
        var entries = primary.Shipped();
        Assert.Contains(entries, e => e.Entry.Kind == (byte)EventKind.Batch); // transactions nest in the replica's batches

        for (int i = 0; i < entries.Count; i += 500)
        {
            int end = Math.Min(i + 500, entries.Count);
            long next = end < entries.Count ? entries[end].Address : primary.Log.CommittedUntilAddress;
            replica.Store.ApplyReplicated(entries.Skip(i).Take(end - i).Select(e => e.Entry).ToList(), new ReplicationPosition("primary-id", next));
        }
        Assert.Equal(primary.Store.Digest(), replica.Store.Digest());

        var serial = replica.Replay();
        var parallel = replica.ReplayInParallel(workers: 2);
        Assert.Equal(primary.Store.Digest(), serial.Digest());
        Assert.Equal(primary.Store.Digest(), parallel.Digest());
        Assert.Equal(new ReplicationPosition("primary-id", primary.Log.CommittedUntilAddress), parallel.ReplicationOrigin);
    }
}
