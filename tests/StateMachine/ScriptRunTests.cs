using HyperCache.Log;
using HyperCache.StateMachine.Events;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>Store.RunScript (EVAL): the script's writes, made on its own session, are one Batch entry that the
/// caller waits on; inside EXEC they join the transaction's entry, in order.</summary>
public class ScriptRunTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_scripts_writes_are_one_entry_that_the_caller_waits_on()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = logged.Store;
        var caller = new Session();
        var script = new Session { Db = 3 };
        store.Set(caller, Of("before"), Of("1"), SetCondition.Always, 0, false, out _);
        int entriesBefore = logged.EntryKinds().Count;

        store.RunScript(caller, script, () =>
        {
            store.Set(script, Of("a"), Of("1"), SetCondition.Always, 0, false, out _);
            Assert.Equal(2, store.IncrementBy(script, Of("a"), 1)); // reads its own write
            store.Append(script, Of("{s}b"), Of("xy"));
        });

        var entries = logged.EntryKinds();
        Assert.Equal(entriesBefore + 1, entries.Count);
        Assert.Equal((byte)EventKind.Batch, entries[^1].Kind);
        Assert.Equal(entries[^1].Address, caller.LastLogAddress);
        Assert.Null(store.GetString(caller, Of("a")));            // the script wrote to its own db
        Assert.Equal("2", Text(store.GetString(script, Of("a"))));
        Assert.Equal(store.Digest(), logged.Replay(shards: 2).Digest());
    }

    [Fact]
    public void A_script_that_only_reads_logs_nothing()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = logged.Store;
        var caller = new Session();
        int entriesBefore = logged.EntryKinds().Count;
        store.RunScript(caller, new Session(), () => Assert.Null(store.GetString(caller, Of("x"))));
        Assert.Equal(entriesBefore, logged.EntryKinds().Count);
        Assert.Equal(-1, caller.LastLogAddress);
    }

    [Fact]
    public void A_script_inside_exec_joins_the_transactions_entry_in_order()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = logged.Store;
        var client = new Session();
        var script = new Session();
        int entriesBefore = logged.EntryKinds().Count;

        store.RunTransaction(client, () =>
        {
            store.Set(client, Of("n"), Of("10"), SetCondition.Always, 0, false, out _);
            store.RunScript(client, script, () => Assert.Equal(11, store.IncrementBy(script, Of("n"), 1)));
            Assert.Equal(12, store.IncrementBy(client, Of("n"), 1));
        });

        var entries = logged.EntryKinds();
        Assert.Equal(entriesBefore + 1, entries.Count);
        Assert.Equal((byte)EventKind.Batch, entries[^1].Kind);
        var replayed = logged.Replay(shards: 2);
        Assert.Equal("12", Text(replayed.GetString(new Session(), Of("n"))));
        Assert.Equal(store.Digest(), replayed.Digest());
    }
}
