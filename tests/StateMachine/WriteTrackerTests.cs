using HyperCache.StateMachine.Notifications;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>What the store tells CLIENT TRACKING's tracker: the keys each write modifies (live, inside a
/// transaction, and from a primary's stream), a flush, one EventDone per write (an EXEC's or a replicated batch's
/// events together); SWAPDB and reads nothing; with no
/// tracker set nothing at all.</summary>
public class WriteTrackerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private sealed class Recorder : IWriteTracker
    {
        public List<string> Seen { get; } = [];
        public void KeyWritten(ReadOnlySpan<byte> key) => Seen.Add(Text(key.ToArray()));
        public void Flushed() => Seen.Add("<flush>");
        public void EventDone() => Seen.Add("|");

        public List<string> Take()
        {
            var taken = Seen.ToList();
            Seen.Clear();
            return taken;
        }
    }

    [Fact]
    public void Each_write_tells_the_keys_it_modifies()
    {
        var store = new Store(new StoreOptions { Shards = 4, Time = new ManualClock(T0) }, null);
        var session = new Session();
        var tracker = new Recorder();
        store.SetWriteTracker(tracker);

        store.Set(session, Of("a"), Of("1"), SetCondition.Always, 0, false, out _);
        Assert.Equal(["a", "|"], tracker.Take());
        store.MultiSet(session, Keys.Of("x", "1", "y", "2"), 0, onlyIfNoneExist: false);
        Assert.Equal(["x", "y", "|"], tracker.Take());
        store.GetString(session, Of("a"));
        Assert.Empty(tracker.Take()); // reads tell nothing
        store.Rename(session, Of("a"), Of("b"), onlyIfAbsent: false);
        Assert.Equal(["a", "b", "|"], tracker.Take());
        store.Delete(session, Keys.Of("b", "x"), 0);
        Assert.Equal(["b", "x", "|"], tracker.Take());
        store.HashSet(session, Of("h"), Keys.Of("f", "v"), 0);
        Assert.Contains("h", tracker.Take()); // a type's event: its fields may be told too (a needless invalidation at worst)
        store.RunTransaction(session, () =>
        {
            store.Set(session, Of("t1"), Of("1"), SetCondition.Always, 0, false, out _);
            store.Set(session, Of("t2"), Of("1"), SetCondition.Always, 0, false, out _);
        });
        Assert.Equal(["t1", "t2", "|"], tracker.Take()); // one write: BCAST sends its keys together
        store.SwapDb(session, 0, 1);
        Assert.Equal(["|"], tracker.Take()); // as Redis 7.0: SWAPDB invalidates nothing
        store.FlushDb(session, 1);
        Assert.Equal(["<flush>", "|"], tracker.Take());
        store.FlushAll(session);
        Assert.Equal(["<flush>", "|"], tracker.Take());

        store.SetWriteTracker(null);
        store.Set(session, Of("a"), Of("1"), SetCondition.Always, 0, false, out _);
        Assert.Empty(tracker.Take());
    }

    [Fact]
    public void A_replica_tells_the_keys_of_its_primarys_writes()
    {
        using var primary = new LoggedStore(new ManualClock(T0));
        using var replica = new LoggedStore(new ManualClock(T0));
        var session = new Session();
        primary.Store.Set(session, Of("p"), Of("1"), SetCondition.Always, 0, false, out _);
        primary.Store.RunTransaction(session, () =>
        {
            primary.Store.Set(session, Of("q"), Of("1"), SetCondition.Always, 0, false, out _);
            primary.Store.Delete(session, Keys.Of("p"), 0);
        });
        var tracker = new Recorder();
        replica.Store.SetWriteTracker(tracker);
        var entries = primary.Shipped().Select(e => e.Entry).ToList();
        replica.Store.ApplyReplicated(entries, new ReplicationPosition("primary-id", primary.Log.CommittedUntilAddress));
        Assert.Equal(["p", "q", "p", "|"], tracker.Take());
    }
}
