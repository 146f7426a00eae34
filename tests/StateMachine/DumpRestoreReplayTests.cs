using HyperCache.StateMachine.Dump;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Values;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>RESTORE is logged as one Batch entry of rebuild events: the log replays to the same state, alone or
/// inside a transaction, with REPLACE and TTLs.</summary>
public class DumpRestoreReplayTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Restored_values_equal_their_sources_and_replay_from_one_entry_each()
    {
        var source = new Store(new StoreOptions { Shards = 4, Time = new ManualClock(T0) }, null);
        var s = new Session();
        source.Set(s, Of("str"), Of("hello"), SetCondition.Always, 0, false, out _);
        source.ListPush(s, Of("list"), Keys.Of([.. Enumerable.Range(0, 2500).Select(i => "e" + i)]), 0, ListSide.Right, false);
        source.HashSet(s, Of("hash"), Keys.Of([.. Enumerable.Range(0, 600).SelectMany(i => new[] { "f" + i, "v" + i })]), 0);
        source.SetAdd(s, Of("set"), Keys.Of("1", "2", "300000", "x"), 0);
        source.SortedSetAdd(s, Of("zset"), ZAddFlags.None, Keys.Of("1", "a", "2", "b"), 0, [1.0, 2.5]);
        string[] names = ["str", "list", "hash", "set", "zset"];

        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var session = new Session();
        int before = logged.EntryKinds().Count;
        foreach (var name in names)
        {
            var value = DumpDecoder.Decode(DumpDecoder.VerifyFooter(source.Dump(s, Of(name))!));
            Assert.Equal(RestoreResult.Restored, store.Restore(session, Of(name), value, 0, replace: false, -1, -1));
        }
        Assert.Equal(source.Digest(), store.Digest());
        var kinds = logged.EntryKinds().Skip(before).Select(e => e.Kind).ToList();
        Assert.Equal(names.Length, kinds.Count); // one entry per RESTORE
        Assert.Equal((byte)EventKind.Set, kinds[0]);
        Assert.All(kinds.Skip(1), kind => Assert.Equal((byte)EventKind.Batch, kind));

        // A second RESTORE without REPLACE is refused and logs nothing; with REPLACE and a TTL it replaces.
        var list = DumpDecoder.Decode(DumpDecoder.VerifyFooter(source.Dump(s, Of("list"))!));
        Assert.Equal(RestoreResult.Busy, store.Restore(session, Of("str"), list, 0, replace: false, -1, -1));
        long expireAt = clock.Now.ToUnixTimeMilliseconds() + 60_000;
        Assert.Equal(RestoreResult.Restored, store.Restore(session, Of("str"), list, expireAt, replace: true, -1, -1));
        Assert.Equal(expireAt, store.ExpiryOf(session, Of("str")));
        // A TTL already past deletes what REPLACE would have replaced, and stores nothing.
        Assert.Equal(RestoreResult.Restored, store.Restore(session, Of("hash"), list, 1, replace: true, -1, -1));
        Assert.Equal("none", store.TypeOf(session, Of("hash")));

        // Inside a transaction the events join its batch.
        store.RunTransaction(session, () =>
        {
            store.Restore(session, Of("tx"), DumpDecoder.Decode(DumpDecoder.VerifyFooter(source.Dump(s, Of("zset"))!)), 0, false, -1, -1);
            store.Restore(session, Of("set"), Of("now a string"), 0, true, -1, -1);
        });

        var replayed = logged.Replay(shards: 2);
        Assert.Equal(store.Digest(), replayed.Digest());
        Assert.Equal(expireAt, replayed.ExpiryOf(session, Of("str")));
        Assert.Equal("zset", replayed.TypeOf(session, Of("tx")));
    }
}
