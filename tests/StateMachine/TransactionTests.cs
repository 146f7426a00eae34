using HyperCache.Log;
using HyperCache.StateMachine.Events;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>EXEC's atomicity in the log (one Batch entry, replayed whole) and WATCH's change detection.</summary>
public class TransactionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_transaction_is_one_batch_entry_and_replays_whole()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = logged.Store;
        var session = new Session();
        store.Set(session, Of("before"), Of("1"), SetCondition.Always, 0, false, out _);
        int entriesBefore = logged.EntryKinds().Count;

        bool ran = store.RunTransaction(session, () =>
        {
            store.Set(session, Of("a"), Of("1"), SetCondition.Always, 0, false, out _);
            // Later commands see earlier results: live apply happens as each event is produced.
            Assert.Equal(2, store.IncrementBy(session, Of("a"), 1));
            store.Append(session, Of("b"), Of("xy"));
            store.Delete(session, Keys.Of("before"), 0);
            store.MultiSet(session, Keys.Of("{t}1", "v1", "{t}2", "v2"), 0, onlyIfNoneExist: false);
        });

        Assert.True(ran);
        var entries = logged.EntryKinds();
        Assert.Equal(entriesBefore + 1, entries.Count);
        Assert.Equal((byte)EventKind.Batch, entries[^1].Kind);
        Assert.Equal(entries[^1].Address, session.LastLogAddress);
        Assert.Equal("2", Text(store.GetString(session, Of("a"))));
        Assert.Null(store.GetString(session, Of("before")));

        var replayed = logged.Replay(shards: 2);
        Assert.Equal(store.Digest(), replayed.Digest());
        Assert.Equal("xy", Text(replayed.GetString(new Session(), Of("b"))));
    }

    [Fact]
    public void A_log_cut_before_the_batch_has_none_of_the_transaction()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = logged.Store;
        var session = new Session();
        store.Set(session, Of("x"), Of("old"), SetCondition.Always, 0, false, out _);
        ulong digestBefore = store.Digest();
        store.RunTransaction(session, () =>
        {
            store.Set(session, Of("x"), Of("new"), SetCondition.Always, 0, false, out _);
            store.Set(session, Of("y"), Of("new"), SetCondition.Always, 0, false, out _);
        });
        var entries = logged.EntryKinds();

        // Replaying only up to the batch's address (as after a crash that lost it) gives the state before EXEC.
        var partial = new Store(logged.Options, null);
        logged.Log.Scan(logged.Log.BeginAddress, entries[^1].Address, partial);
        Assert.Equal(digestBefore, partial.Digest());
    }

    [Fact]
    public void A_transaction_without_writes_logs_nothing()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = logged.Store;
        var session = new Session();
        int before = logged.EntryKinds().Count;
        Assert.True(store.RunTransaction(session, () => store.GetString(session, Of("none"))));
        Assert.Equal(before, logged.EntryKinds().Count);
        Assert.Equal(-1, session.LastLogAddress);
    }

    [Fact]
    public void Expiry_inside_a_transaction_is_part_of_the_batch()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var session = new Session();
        store.Set(session, Of("t"), Of("v"), SetCondition.Always, T0.ToUnixTimeMilliseconds() + 10, false, out _);
        clock.Advance(TimeSpan.FromSeconds(1));
        store.RunTransaction(session, () => store.Append(session, Of("t"), Of("new")));
        Assert.Equal((byte)EventKind.Batch, logged.EntryKinds()[^1].Kind);
        Assert.Equal("new", Text(store.GetString(session, Of("t"))));
        Assert.Equal(store.Digest(), logged.Replay().Digest());
    }

    [Fact]
    public void Watch_aborts_when_another_session_writes_the_key()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = logged.Store;
        var me = new Session();
        var other = new Session();
        store.Watch(me, Of("w"));
        store.Set(other, Of("w"), Of("theirs"), SetCondition.Always, 0, false, out _);
        bool ran = store.RunTransaction(me, () => store.Set(me, Of("w"), Of("mine"), SetCondition.Always, 0, false, out _));
        Assert.False(ran);
        Assert.Equal("theirs", Text(store.GetString(me, Of("w"))));
        // The watch is gone after EXEC: the next transaction runs.
        Assert.True(store.RunTransaction(me, () => { }));
    }

    [Fact]
    public void Watch_ignores_writes_to_other_keys_and_other_databases()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = logged.Store;
        var me = new Session();
        var other = new Session { Db = 1 };
        store.Watch(me, Of("w"));
        store.Set(other, Of("w"), Of("other db"), SetCondition.Always, 0, false, out _);
        store.Set(new Session(), Of("w2"), Of("other key"), SetCondition.Always, 0, false, out _);
        Assert.False(me.WatchDirty);
        Assert.True(store.RunTransaction(me, () => { }));
    }

    [Theory]
    [InlineData("del")]
    [InlineData("expire")]
    [InlineData("rename-to")]
    [InlineData("copy-to")]
    [InlineData("msetnx")]
    [InlineData("flushdb")]
    [InlineData("flushall")]
    [InlineData("swapdb")]
    public void Every_kind_of_write_to_a_watched_key_marks_it(string write)
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = logged.Store;
        var me = new Session();
        var other = new Session();
        store.Set(other, Of("w"), Of("v"), SetCondition.Always, 0, false, out _);
        store.Set(other, Of("src"), Of("s"), SetCondition.Always, 0, false, out _);
        store.Watch(me, Of("w"));
        switch (write)
        {
            case "del": store.Delete(other, Keys.Of("w"), 0); break;
            case "expire": store.Expire(other, Of("w"), T0.ToUnixTimeMilliseconds() + 100_000, ExpireCondition.None); break;
            case "rename-to": store.Rename(other, Of("src"), Of("w"), false); break;
            case "copy-to": store.Copy(other, Of("src"), Of("w"), 0, true); break;
            case "msetnx": store.MultiSet(other, Keys.Of("w", "1"), 0, false); break;
            case "flushdb": store.FlushDb(other, 0); break;
            case "flushall": store.FlushAll(other); break;
            case "swapdb": store.SwapDb(other, 0, 1); break;
        }
        Assert.True(me.WatchDirty);
        Assert.False(store.RunTransaction(me, () => { }));
    }

    [Fact]
    public void Flushing_a_database_does_not_touch_a_watched_key_that_does_not_exist()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = logged.Store;
        var me = new Session();
        store.Set(me, Of("other"), Of("v"), SetCondition.Always, 0, false, out _);
        store.Watch(me, Of("absent"));
        store.FlushDb(new Session(), 0);
        Assert.True(store.RunTransaction(me, () => { }));
    }

    [Fact]
    public void A_watched_key_that_expires_before_exec_aborts_it()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var me = new Session();
        store.Set(me, Of("ttl"), Of("v"), SetCondition.Always, T0.ToUnixTimeMilliseconds() + 1000, false, out _);
        store.Watch(me, Of("ttl"));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.False(store.RunTransaction(me, () => { }));
    }

    [Fact]
    public void Reclaiming_a_key_already_expired_at_watch_is_no_change()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var me = new Session();
        store.Set(me, Of("gone"), Of("v"), SetCondition.Always, T0.ToUnixTimeMilliseconds() + 1000, false, out _);
        clock.Advance(TimeSpan.FromSeconds(2));
        store.Watch(me, Of("gone"));
        Assert.True(store.ExpireCycle() >= 1);
        Assert.True(store.RunTransaction(me, () => { }));
    }

    [Fact]
    public void Unwatch_forgets_the_keys()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = logged.Store;
        var me = new Session();
        store.Watch(me, Of("w"));
        store.Watch(me, Of("w"));
        store.Unwatch(me);
        store.Set(new Session(), Of("w"), Of("x"), SetCondition.Always, 0, false, out _);
        Assert.True(store.RunTransaction(me, () => { }));
    }

    [Fact]
    public void Events_of_a_data_type_touch_their_keys_through_the_generic_walk()
    {
        // Kinds in the type ranges are read as [db, ...]: a binary field naming the watched key marks it.
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = logged.Store;
        var me = new Session();
        store.Watch(me, Of("list"));
        var e = EventBuffer.Start(EventKind.ListFirst);
        e.WriteArrayHeader(3);
        e.Write(0);
        e.Write(Of("list"));
        e.WriteArrayHeader(1);
        e.Write(Of("elem"));
        store.TouchWatched(e);
        Assert.True(me.WatchDirty);
    }

    [Theory]
    [InlineData(1, 8)]
    [InlineData(2, 1)]
    [InlineData(3, 32)]
    public void Random_transactions_mixed_with_plain_writes_replay_to_the_same_digest(int seed, int replayShards)
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var random = new Random(seed);
        var sessions = new[] { new Session(), new Session(), new Session() };
        string Key() => "k" + random.Next(30);
        long Later() => clock.Now.ToUnixTimeMilliseconds() + random.Next(-200, 2000);

        void Write(Session s)
        {
            try
            {
                switch (random.Next(8))
                {
                    case 0: store.Set(s, Of(Key()), Of("v" + random.Next(100)), SetCondition.Always, random.Next(3) == 0 ? Later() : 0, false, out _); break;
                    case 1: store.Append(s, Of(Key()), Of("+")); break;
                    case 2: store.IncrementBy(s, Of("n" + random.Next(4)), random.Next(-2, 3)); break;
                    case 3: store.Delete(s, Keys.Of(Key(), Key()), 0); break;
                    case 4: store.Expire(s, Of(Key()), Later(), ExpireCondition.None); break;
                    case 5: store.Rename(s, Of(Key()), Of(Key()), false); break;
                    case 6: store.MultiSet(s, Keys.Of(Key(), "m", Key(), "n"), 0, random.Next(2) == 0); break;
                    case 7: s.Db = random.Next(2); break;
                }
            }
            catch (CommandError)
            {
            }
        }

        for (int i = 0; i < 1500; i++)
        {
            var session = sessions[random.Next(sessions.Length)];
            if (random.Next(4) == 0) store.Watch(session, Of(Key()));
            if (random.Next(3) == 0)
            {
                int count = random.Next(0, 6);
                store.RunTransaction(session, () =>
                {
                    for (int j = 0; j < count; j++) Write(session);
                });
            }
            else
            {
                Write(session);
            }
            if (random.Next(20) == 0) store.ExpireCycle();
            clock.Advance(TimeSpan.FromMilliseconds(random.Next(0, 30)));
        }

        Assert.Equal(store.Digest(), logged.Replay(replayShards).Digest());
    }
}
