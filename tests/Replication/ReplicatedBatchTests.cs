using System.Text;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Events;

namespace HyperCache.Replication.Tests;

/// <summary>
/// A replica applies a shipped batch pair by pair from the entry it logged, with a look-ahead over the keys to
/// come: big batches (thousands of pairs, past the pair index's first size), keys the look-ahead cannot read (too
/// long for its fast path, other databases, deletes, expiries, transactions) must leave the replica equal to its
/// primary, live and after replaying its own log.
/// </summary>
public sealed class ReplicatedBatchTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static void Workload(Store store)
    {
        var s = new Session();
        var rng = new Random(7);
        long future = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
        for (int i = 0; i < 6000; i++)
        {
            s.Db = rng.Next(10) == 0 ? 3 : 0;
            string key = rng.Next(8) == 0 ? new string('L', 300) + rng.Next(50) : "key:" + rng.Next(3000);
            switch (rng.Next(10))
            {
                case 0: store.Delete(s, new Args(key), 0); break;
                case 1: store.Expire(s, B(key), future + i, ExpireCondition.None); break;
                case 2: store.HashSet(s, B("h" + key), new Args("f" + rng.Next(4), "v" + i), 0); break;
                case 3:
                    store.RunTransaction(s, () =>
                    {
                        store.Set(s, B(key), B("tx" + i), SetCondition.Always, 0, false, out _);
                        store.SetAdd(s, B("s" + key), new Args("m" + i), 0);
                    });
                    break;
                default: store.Set(s, B(key), B("value-" + i), SetCondition.Always, rng.Next(4) == 0 ? future : 0, false, out _); break;
            }
        }
    }

    [Fact]
    public void Thousands_of_pairs_per_batch_leave_the_replica_equal_to_its_primary_live_and_after_replay()
    {
        using var primary = new TempNode();
        using var replica = new TempNode();
        Workload(primary.Store);
        var entries = primary.Entries();
        long end = primary.Log.CommittedUntilAddress;
        Assert.True(entries.Count > 5000);
        for (int start = 0; start < entries.Count; start += 2500)
        {
            var chunk = entries.Skip(start).Take(2500).ToList();
            long next = start + 2500 < entries.Count ? entries[start + 2500].Address : end;
            replica.Store.ApplyReplicated(chunk.Select(e => e.Entry).ToList(), new ReplicationPosition("id", next));
        }
        Assert.Equal(primary.Store.Digest(), replica.Store.Digest());
        Assert.Equal(primary.Store.DbSize(3), replica.Store.DbSize(3));
        Assert.True(primary.Store.DbSize(3) > 0);
        replica.Restart();
        Assert.Equal(primary.Store.Digest(), replica.Store.Digest());
        Assert.Equal(new ReplicationPosition("id", end), replica.Store.ReplicationOrigin);
    }

    [Fact]
    public void A_shipped_batch_nested_in_a_transaction_is_refused_before_it_is_logged()
    {
        using var replica = new TempNode();
        long tail = replica.Log.TailAddress;
        var nested = new EventBuffer();
        nested.Reset(EventKind.Batch);
        nested.WriteArrayHeader(1);
        nested.WriteArrayHeader(2);
        nested.Write((byte)EventKind.Batch);
        nested.Write(new byte[] { 0x90 });
        Assert.Throws<InvalidDataException>(() => replica.Store.ApplyReplicated([new ShippedEntry((byte)EventKind.Batch, nested.Body.ToArray())], null));
        Assert.Equal(tail, replica.Log.TailAddress);
    }
}
