using HyperCache.Log;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Values;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>
/// A logged event that a bug makes unapplicable (here: a list push onto a key the log made a string) must not stop
/// a node from starting on its own log, nor a replica from following: every path skips it the same way, counts it
/// and goes on with the entries after it. An entry of an unknown kind still stops replay.
/// </summary>
public sealed class ApplyFaultTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>RPUSH k a b, as logged by a store where k was free.</summary>
    private static ShippedEntry PushOntoK()
    {
        using var source = new LoggedStore(new ManualClock(T0));
        source.Store.ListPush(new Session(), Of("k"), Keys.Of("a", "b"), 0, ListSide.Right, false);
        return Assert.Single(source.Shipped()).Entry;
    }

    private static void AppendRaw(AppendOnlyLog log, byte kind, ReadOnlySpan<byte> body)
    {
        var entry = new byte[EntryHeader.Size + body.Length];
        body.CopyTo(entry.AsSpan(EntryHeader.Size));
        log.Append(entry, kind);
    }

    /// <summary>SET k v, the push onto k (which faults: k is a string), SET k2 v2.</summary>
    private static LoggedStore LogWithPoisonEntry()
    {
        var logged = new LoggedStore(new ManualClock(T0));
        var s = new Session();
        logged.Store.Set(s, Of("k"), Of("v"), SetCondition.Always, 0, false, out _);
        var push = PushOntoK();
        AppendRaw(logged.Log, push.Kind, push.Body.Span);
        logged.Store.Set(s, Of("k2"), Of("v2"), SetCondition.Always, 0, false, out _);
        return logged;
    }

    private static void AssertSkippedOnlyThePush(Store store)
    {
        var s = new Session();
        Assert.Equal("v", Text(store.GetString(s, Of("k"))));
        Assert.Equal("v2", Text(store.GetString(s, Of("k2"))));
        Assert.Equal(1, store.ApplyFaults);
    }

    [Fact]
    public void Replay_skips_an_event_that_does_not_apply_and_goes_on()
    {
        var faults = new List<ApplyFault>();
        using var logged = LogWithPoisonEntry();
        logged.Log.Commit();
        var replayed = new Store(logged.Options with { OnApplyFault = faults.Add }, null);
        var result = logged.Log.Scan(logged.Log.BeginAddress, -1, replayed);

        Assert.True(result.Clean);
        Assert.Equal(3, result.EntriesRead);
        AssertSkippedOnlyThePush(replayed);
        var fault = Assert.Single(faults);
        Assert.Equal((byte)ListEvents.Push, fault.Kind);
        Assert.IsType<InvalidCastException>(fault.Error);
    }

    [Fact]
    public void Parallel_replay_skips_it_the_same_way()
    {
        using var logged = LogWithPoisonEntry();
        var serial = logged.Replay();
        var parallel = logged.ReplayInParallel(workers: 2);

        AssertSkippedOnlyThePush(parallel);
        Assert.Equal(serial.Digest(), parallel.Digest());
    }

    [Fact]
    public void A_replica_applies_the_rest_of_a_shipped_batch_and_its_own_log_replays_to_the_same_state()
    {
        using var primary = LogWithPoisonEntry();
        var shipped = primary.Shipped().Select(e => e.Entry).ToList();
        using var replica = new LoggedStore(new ManualClock(T0));

        replica.Store.ApplyReplicated(shipped, null);

        AssertSkippedOnlyThePush(replica.Store);
        // The replica logged the batch, poison pair included; its restart meets the same fault inside the batch.
        var restarted = replica.Replay();
        AssertSkippedOnlyThePush(restarted);
        Assert.Equal(replica.Store.Digest(), restarted.Digest());
        Assert.Equal(replica.Store.Digest(), replica.ReplayInParallel().Digest());
    }

    [Fact]
    public void An_entry_of_an_unknown_kind_still_stops_replay()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        logged.Store.Set(new Session(), Of("k"), Of("v"), SetCondition.Always, 0, false, out _);
        AppendRaw(logged.Log, 0xEE, [0x91, 0x00]);

        Assert.Throws<UnknownEventKindException>(() => logged.Replay());
    }
}
