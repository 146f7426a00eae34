using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine.Tests;

/// <summary>
/// "~" trimming removes whole nodes of stream-node-max-entries (100 by default) as Redis's does, within its LIMIT;
/// the log carries how many entries went, so a replay trims the same ones. The cases are Redis's own
/// (unit/type/stream.tcl); StreamNodeTrimTests compares random ones with redis-server.
/// </summary>
public sealed class StreamApproximateTrimTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static StreamTrim MaxLen(long length, bool approximate, long limit = 0)
        => new(StreamTrimStrategy.MaxLength, length, default, approximate && limit == 0 ? 10_000 : limit, approximate);

    private static void Add(Store store, Session session, string key, ulong ms, StreamTrim trim, string field = "xitem")
        => store.StreamAdd(session, Bytes.Of(key), false, StreamIdMode.Explicit, new StreamId(ms, 0), trim, Keys.Of(field, ms.ToString()), 0);

    [Fact]
    public void Xadd_with_maxlen_tilde_keeps_whole_nodes()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var session = new Session();
        var random = new Random(7);
        for (ulong j = 1; j <= 1000; j++) Add(logged.Store, session, "s", j, MaxLen(555, true), random.NextDouble() < 0.9 ? "xitem" : "yitem");
        Assert.Equal(600, logged.Store.StreamLength(session, Bytes.Of("s")));
        Assert.Equal(600, logged.Replay().StreamLength(session, Bytes.Of("s")));
    }

    [Fact]
    public void Exact_then_approximate_xtrim()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = logged.Store;
        var session = new Session();
        for (ulong j = 1; j <= 1000; j++) Add(store, session, "s", j, default);
        Assert.Equal(334, store.StreamTrimEntries(session, Bytes.Of("s"), MaxLen(666, false)));
        Assert.Equal(111, store.StreamTrimEntries(session, Bytes.Of("s"), MaxLen(555, false)));
        // The oldest node has 45 live entries left (55 counted deleted): removing it leaves 510, the next one 410.
        Assert.Equal(55, store.StreamTrimEntries(session, Bytes.Of("s"), MaxLen(444, true)));
        Assert.Equal(500, store.StreamLength(session, Bytes.Of("s")));
        Assert.Equal(100, store.StreamTrimEntries(session, Bytes.Of("s"), MaxLen(400, true)));
        Assert.Equal(0, store.StreamTrimEntries(session, Bytes.Of("s"), MaxLen(301, true))); // a node would leave 300
        Assert.Equal(400, logged.Replay().StreamLength(session, Bytes.Of("s")));
    }

    [Fact]
    public void Limit_caps_the_entries_removed_and_a_node_is_not_split()
    {
        var store = new Store(new StoreOptions { Shards = 1 }, null);
        var session = new Session();
        for (ulong j = 1; j <= 3; j++) Add(store, session, "s", j, default);
        Add(store, session, "s", 4, MaxLen(0, true, limit: 1)); // one node of 4: more than the limit
        Assert.Equal(4, store.StreamLength(session, Bytes.Of("s")));
        Assert.Equal(0, store.StreamTrimEntries(session, Bytes.Of("s"), MaxLen(0, true, limit: 3)));
        Assert.Equal(4, store.StreamTrimEntries(session, Bytes.Of("s"), MaxLen(0, true, limit: 4)));
        Assert.Equal(0, store.StreamLength(session, Bytes.Of("s")));
    }

    [Fact]
    public void A_node_goes_with_its_last_live_entry()
    {
        var store = new Store(new StoreOptions { Shards = 1 }, null);
        var session = new Session();
        for (ulong j = 1; j <= 3; j++) Add(store, session, "s", j, default);
        Assert.Equal(3, store.StreamDelete(session, Bytes.Of("s"), Keys.Of("1-0", "2-0", "3-0"), 0));
        for (ulong j = 4; j <= 103; j++) Add(store, session, "s", j, default);
        // One node of 100 entries: a node kept for the deleted three would have taken only 97 of them.
        Assert.Equal(0, store.StreamTrimEntries(session, Bytes.Of("s"), MaxLen(3, true)));
        Assert.Equal(1, store.StreamDelete(session, Bytes.Of("s"), Keys.Of("50-0"), 0)); // counted deleted: still one node
        Assert.Equal(99, store.StreamTrimEntries(session, Bytes.Of("s"), MaxLen(0, true)));
    }
}
