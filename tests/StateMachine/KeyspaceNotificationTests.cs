using HyperCache.StateMachine.Notifications;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>Keyspace events as the store raises them: named by the command, only when something changed, "expired"
/// from lazy and active expiry, and nothing from replay.</summary>
public class KeyspaceNotificationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Records what would be published, as "event key".</summary>
    private sealed class Recorder : IKeyspaceEventSink
    {
        public List<string> Events { get; } = [];

        public void Publish(ReadOnlySpan<byte> eventName, int db, ReadOnlySpan<byte> key, bool keyspace, bool keyevent)
            => Events.Add($"{Text(eventName.ToArray())} {Text(key.ToArray())}");

        public List<string> Take()
        {
            var taken = Events.ToList();
            Events.Clear();
            return taken;
        }
    }

    private static (Store Store, Recorder Events, ManualClock Clock) Notifying(string flags)
    {
        var clock = new ManualClock(T0);
        var store = new Store(new StoreOptions { Shards = 4, Time = clock }, null);
        var recorder = new Recorder();
        Assert.True(KeyspaceEventFlags.TryParse(flags, out var parsed));
        store.SetKeyspaceNotifier(new KeyspaceNotifier(parsed, recorder));
        return (store, recorder, clock);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("KEA", "AKE")]
    [InlineData("KEg$", "g$KE")]
    [InlineData("Egx", "gxE")]
    [InlineData("g$lshzxetdKE", "AKE")]
    [InlineData("mKn", "nKm")]
    public void Flags_format_as_Redis_does(string given, string canonical)
    {
        Assert.True(KeyspaceEventFlags.TryParse(given, out var flags));
        Assert.Equal(canonical, KeyspaceEventFlags.Format(flags));
    }

    [Theory]
    [InlineData("Z")]
    [InlineData("K E")]
    [InlineData("a")]
    public void Unknown_letters_are_refused(string given) => Assert.False(KeyspaceEventFlags.TryParse(given, out _));

    [Fact]
    public void A_notifier_without_a_channel_or_a_class_is_not_kept()
    {
        var recorder = new Recorder();
        Assert.False(new KeyspaceNotifier(KeyspaceEventTypes.All, recorder).Active);
        Assert.False(new KeyspaceNotifier(KeyspaceEventTypes.Keyspace | KeyspaceEventTypes.Keyevent, recorder).Active);
        Assert.True(new KeyspaceNotifier(KeyspaceEventTypes.Keyevent | KeyspaceEventTypes.KeyMiss, recorder).Active);
    }

    [Fact]
    public void Commands_name_their_events_and_no_op_writes_raise_none()
    {
        var (store, events, _) = Notifying("KA");
        var s = new Session();
        store.IncrementBy(s, Of("n"), 5);
        store.IncrementByFloat(s, Of("n"), Of("1.5"));
        Assert.Equal(["incrby n", "incrbyfloat n"], events.Take());

        store.SetAdd(s, Of("s"), Keys.Of("a", "b"), 0);
        store.SetAdd(s, Of("s"), Keys.Of("a"), 0);               // nothing new
        store.SetRemove(s, Of("s"), Keys.Of("zz"), 0);           // nothing there
        store.SetRemove(s, Of("s"), Keys.Of("a", "b"), 0);       // empties it
        Assert.Equal(["sadd s", "srem s", "del s"], events.Take());

        store.Rename(s, Of("n"), Of("m"), false);
        Assert.Equal(["rename_from n", "rename_to m"], events.Take());
        Assert.False(store.Expire(s, Of("missing"), 1, ExpireCondition.None));
        Assert.False(store.Persist(s, Of("m")));
        Assert.Empty(events.Take());
    }

    [Fact]
    public void New_comes_before_the_commands_own_event_and_only_for_a_created_key()
    {
        var (store, events, _) = Notifying("KA$n");
        var s = new Session();
        store.Set(s, Of("k"), Of("v"), SetCondition.Always, 0, false, out _);
        store.Set(s, Of("k"), Of("w"), SetCondition.Always, 0, false, out _);
        store.ListPush(s, Of("l"), Keys.Of("x"), 0, Values.ListSide.Left, onlyIfExists: false);
        Assert.Equal(["new k", "set k", "set k", "new l", "lpush l"], events.Take());
    }

    [Fact]
    public void Consumer_group_changes_publish_redis_event_names()
    {
        var (store, events, _) = Notifying("KEtn");
        var s = new Session();
        var x = Of("x");
        store.StreamGroupCreate(s, x, Of("g"), Of("$"), true, -1);
        store.StreamConsumerCreate(s, x, Of("g"), Of("c"));
        store.StreamAdd(s, x, false, StreamIdMode.Explicit, new Values.StreamId(1, 1), default, Keys.Of("f", "v"), 0);
        events.Take();
        store.StreamReadGroup(s, Of("g"), Of("reader"), Keys.Of("x", ">"), 0, 1, 0, false, false, out _);
        store.StreamReadGroup(s, Of("g"), Of("reader"), Keys.Of("x", ">"), 0, 1, 0, false, false, out _);
        store.StreamClaim(s, x, Of("g"), Of("claimer"), 0, [new Values.StreamId(1, 1)], new StreamClaimOptions(null, null, -1, false, false, default));
        store.StreamAcknowledge(s, x, Of("g"), [new Values.StreamId(1, 1)]);
        store.StreamGroupSetId(s, x, Of("g"), Of("0"), -1);
        store.StreamConsumerDelete(s, x, Of("g"), Of("c"));
        store.StreamGroupDestroy(s, x, Of("g"));
        Assert.Equal(["xgroup-createconsumer x", "xgroup-createconsumer x", "xgroup-setid x", "xgroup-delconsumer x", "xgroup-destroy x"], events.Take());
        store.StreamGroupCreate(s, Of("y"), Of("g"), Of("$"), true, -1);
        Assert.Equal(["new y", "xgroup-create y"], events.Take());
    }

    [Fact]
    public void Expired_comes_from_a_write_that_finds_the_key_expired_and_from_the_active_cycle()
    {
        var (store, events, clock) = Notifying("Kgx$");
        var s = new Session();
        long soon = T0.ToUnixTimeMilliseconds() + 100;
        store.Set(s, Of("lazy"), Of("v"), SetCondition.Always, soon, false, out _);
        store.Set(s, Of("active"), Of("v"), SetCondition.Always, soon, false, out _);
        Assert.Equal(["set lazy", "expire lazy", "set active", "expire active"], events.Take());
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.True(store.Set(s, Of("lazy"), Of("again"), SetCondition.IfNotExists, 0, false, out _));
        Assert.Equal(["expired lazy", "set lazy"], events.Take());
        store.ExpireCycle();
        Assert.Equal(["expired active"], events.Take());
    }

    [Fact]
    public void A_read_miss_raises_keymiss_and_a_hit_nothing()
    {
        var (store, events, _) = Notifying("Em");
        var s = new Session();
        Assert.Null(store.GetString(s, Of("nothing")));
        store.Set(s, Of("there"), Of("v"), SetCondition.Always, 0, false, out _);
        Assert.NotNull(store.GetString(s, Of("there")));
        Assert.Equal(["keymiss nothing"], events.Take());
    }

    [Fact]
    public void A_replica_applying_shipped_entries_raises_nothing()
    {
        using var primary = new LoggedStore(new ManualClock(T0));
        var s = new Session();
        primary.Store.Set(s, Of("k"), Of("v"), SetCondition.Always, 0, false, out _);
        primary.Store.ListPush(s, Of("l"), Keys.Of("a"), 0, Values.ListSide.Left, onlyIfExists: false);
        primary.Store.ListPop(s, Of("l"), Values.ListSide.Left, 1);
        var shipped = primary.Shipped().Select(e => e.Entry).ToList();

        var replica = new Store(primary.Options, null);
        var recorder = new Recorder();
        replica.SetKeyspaceNotifier(new KeyspaceNotifier(KeyspaceEventTypes.All | KeyspaceEventTypes.New | KeyspaceEventTypes.Keyspace, recorder));
        replica.ApplyReplicated(shipped, new ReplicationPosition("primary", primary.Log.CommittedUntilAddress));
        Assert.Equal(primary.Store.Digest(), replica.Digest());
        Assert.Empty(recorder.Events);
    }

    [Fact]
    public void Replay_raises_nothing()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var s = new Session();
        logged.Store.Set(s, Of("k"), Of("v"), SetCondition.Always, 0, false, out _);
        logged.Store.SetAdd(s, Of("s"), Keys.Of("a"), 0);
        var replayed = new Store(logged.Options, null);
        var recorder = new Recorder();
        replayed.SetKeyspaceNotifier(new KeyspaceNotifier(KeyspaceEventTypes.All | KeyspaceEventTypes.New | KeyspaceEventTypes.Keyspace, recorder));
        logged.Log.Commit();
        Assert.True(logged.Log.Scan(logged.Log.BeginAddress, -1, replayed).Clean);
        Assert.Equal(logged.Store.Digest(), replayed.Digest());
        Assert.Empty(recorder.Events);
    }
}
