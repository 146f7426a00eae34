using HyperCache.StateMachine.Values;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>Consumer groups on the state machine: the group lifecycle, the PEL as XREADGROUP, XACK, XCLAIM and
/// XAUTOCLAIM change it (delivery times from the store's clock), and that all of it replays from the log and a
/// snapshot to the same state, times included.</summary>
public class StreamGroupTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly long Ms0 = T0.ToUnixTimeMilliseconds();

    private static void Add(Store store, Session s, string key, string id, params string[] fields)
        => store.StreamAdd(s, Of(key), false, StreamIdMode.Explicit, Id(id), default, Keys.Of(fields.Length == 0 ? ["f", id] : fields), 0);

    private static StreamId Id(string text)
    {
        Assert.True(StreamId.TryParse(Of(text), 0, false, out var id, out _));
        return id;
    }

    private static void Create(Store store, Session s, string key, string group, string id = "0", bool make = false, long entriesRead = -1)
        => store.StreamGroupCreate(s, Of(key), Of(group), Of(id), make, entriesRead);

    /// <summary>XREADGROUP on one stream: the entries it answered, null when it answered nothing.</summary>
    private static List<StreamEntry>? Read(Store store, Session s, string group, string consumer, string key, string id = ">", long count = 0, bool noAck = false)
        => store.StreamReadGroup(s, Of(group), Of(consumer), Keys.Of(key, id), 0, 1, count, noAck, false, out _)?.Single().Entries;

    private static string Ids(IEnumerable<StreamEntry> entries) => string.Join(" ", entries.Select(e => e.IsDeleted ? e.Id + "(deleted)" : e.Id.ToString()));

    private static StreamGroupInfo Info(Store store, Session s, string key, string group)
        => store.StreamGroups(s, Of(key)).Single(g => Text(g.Name) == group);

    private static Dictionary<string, StreamPendingLine> Pel(Store store, Session s, string key, string group)
        => store.StreamPendingRange(s, Of(key), Of(group), 0, StreamId.Zero, StreamId.Max, long.MaxValue, default, false).ToDictionary(l => l.Id.ToString());

    [Fact]
    public void Groups_are_created_set_destroyed_and_hold_consumers()
    {
        var store = new Store(new StoreOptions { Shards = 4 }, null);
        var s = new Session();
        Assert.Equal(Store.XGroupNeedsKey, Assert.Throws<CommandError>(() => Create(store, s, "x", "g")).Message);
        Assert.Null(store.PeekValue(0, Of("x")));
        Create(store, s, "x", "g", "$", make: true);
        Assert.Equal(0, store.StreamLength(s, Of("x")));
        Assert.Equal(Store.BusyGroup, Assert.Throws<CommandError>(() => Create(store, s, "x", "g")).Message);
        Add(store, s, "x", "1-1");
        Add(store, s, "x", "2-1");
        Create(store, s, "x", "a", "$");
        Assert.Equal(["a", "g"], store.StreamGroups(s, Of("x")).Select(g => Text(g.Name))); // in name order
        Assert.Equal(new StreamId(2, 1), Info(store, s, "x", "a").LastDeliveredId);
        Assert.Equal(StreamId.Zero, Info(store, s, "x", "g").LastDeliveredId);
        Assert.Equal(2, Info(store, s, "x", "g").Lag);
        Assert.Equal(2, store.StreamInfo(s, Of("x"))!.Groups);

        store.StreamGroupSetId(s, Of("x"), Of("g"), Of("1-1"), 1);
        Assert.Equal((new StreamId(1, 1), 1L, 1L), (Info(store, s, "x", "g").LastDeliveredId, Info(store, s, "x", "g").EntriesRead!.Value, Info(store, s, "x", "g").Lag!.Value));
        Assert.StartsWith("NOGROUP No such consumer group 'zz' for key name 'x'",
            Assert.Throws<CommandError>(() => store.StreamGroupSetId(s, Of("x"), Of("zz"), Of("0"), -1)).Message);

        Assert.True(store.StreamConsumerCreate(s, Of("x"), Of("g"), Of("c1")));
        Assert.False(store.StreamConsumerCreate(s, Of("x"), Of("g"), Of("c1")));
        Assert.Equal(2, Read(store, s, "g", "c2", "x")!.Count + 1); // 2-1 only: the group was set past 1-1
        Assert.Equal(["c1", "c2"], store.StreamConsumers(s, Of("x"), Of("g")).Select(c => Text(c.Name)));
        Assert.Equal(1, store.StreamConsumerDelete(s, Of("x"), Of("g"), Of("c2"))); // with its one pending entry
        Assert.Equal(0, store.StreamPending(s, Of("x"), Of("g")).Count);
        Assert.Equal(0, store.StreamConsumerDelete(s, Of("x"), Of("g"), Of("nobody")));

        Assert.True(store.StreamGroupDestroy(s, Of("x"), Of("g")));
        Assert.False(store.StreamGroupDestroy(s, Of("x"), Of("g")));
        Assert.Equal(["a"], store.StreamGroups(s, Of("x")).Select(g => Text(g.Name)));
        Assert.Throws<CommandError>(() => store.StreamPending(s, Of("x"), Of("g")));
    }

    [Fact]
    public void Reads_fill_the_pel_history_reads_redeliver_and_acks_empty_it()
    {
        var clock = new ManualClock(T0);
        var store = new Store(new StoreOptions { Shards = 4, Time = clock }, null);
        var s = new Session();
        for (int i = 1; i <= 5; i++) Add(store, s, "x", $"{i}-0");
        Create(store, s, "x", "g");

        Assert.Equal("1-0 2-0", Ids(Read(store, s, "g", "alice", "x", count: 2)!));
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal("3-0 4-0 5-0", Ids(Read(store, s, "g", "bob", "x")!));
        Assert.Null(Read(store, s, "g", "bob", "x")); // nothing new: no reply for the stream
        var info = Info(store, s, "x", "g");
        Assert.Equal((new StreamId(5, 0), 5L, 0L), (info.LastDeliveredId, info.EntriesRead!.Value, info.Lag!.Value));

        var pel = Pel(store, s, "x", "g");
        Assert.Equal(["1-0", "2-0", "3-0", "4-0", "5-0"], pel.Keys);
        Assert.Equal(("alice", 100L, 1L), (Text(pel["1-0"].Consumer), pel["1-0"].IdleMs, pel["1-0"].DeliveryCount));
        Assert.Equal(("bob", 0L, 1L), (Text(pel["3-0"].Consumer), pel["3-0"].IdleMs, pel["3-0"].DeliveryCount));

        // History: alice's own pending entries after the ID, each delivered once more (now); a deleted one is nil.
        Assert.Equal(1, store.StreamDelete(s, Of("x"), Keys.Of("1-0"), 0));
        Assert.Equal("1-0(deleted) 2-0", Ids(Read(store, s, "g", "alice", "x", "0")!));
        Assert.Equal("2-0", Ids(Read(store, s, "g", "alice", "x", "1-0")!));
        Assert.Empty(Read(store, s, "g", "carol", "x", "0")!); // a history read always answers the stream
        pel = Pel(store, s, "x", "g");
        Assert.Equal((1L, 100L), (pel["1-0"].DeliveryCount, pel["1-0"].IdleMs)); // deleted: not redelivered
        Assert.Equal((3L, 0L), (pel["2-0"].DeliveryCount, pel["2-0"].IdleMs));

        Assert.Equal(2, store.StreamAcknowledge(s, Of("x"), Of("g"), [new(1, 0), new(3, 0), new(3, 0), new(9, 9)]));
        var summary = store.StreamPending(s, Of("x"), Of("g"));
        Assert.Equal((3L, new StreamId(2, 0), new StreamId(5, 0)), (summary.Count, summary.First, summary.Last));
        Assert.Equal(["alice:1", "bob:2"], summary.Consumers.Select(c => $"{Text(c.Consumer)}:{c.Count}"));
        Assert.Equal(["4-0", "5-0"], store.StreamPendingRange(s, Of("x"), Of("g"), 0, StreamId.Zero, StreamId.Max, 10, Of("bob"), true).Select(l => l.Id.ToString()));
        Assert.Empty(store.StreamPendingRange(s, Of("x"), Of("g"), 0, StreamId.Zero, StreamId.Max, 10, Of("nobody"), true));

        var consumers = store.StreamConsumers(s, Of("x"), Of("g")).ToDictionary(c => Text(c.Name));
        Assert.Equal((1, 0L, 100L), (consumers["alice"].Pending, consumers["alice"].IdleMs, consumers["alice"].InactiveMs));
        Assert.Equal((0, 0L, -1L), (consumers["carol"].Pending, consumers["carol"].IdleMs, consumers["carol"].InactiveMs));
    }

    [Fact]
    public void Reads_and_claims_that_take_nothing_log_nothing_and_create_no_consumer()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var s = new Session();
        Add(store, s, "x", "1-0");
        Create(store, s, "x", "g", "$");
        int entries = logged.EntryKinds().Count;
        var none = new StreamClaimOptions(null, null, -1, false, false, StreamId.Zero);
        Assert.Null(Read(store, s, "g", "poller", "x"));
        Assert.Empty(store.StreamClaim(s, Of("x"), Of("g"), Of("claimer"), 0, [new(1, 0)], none)); // not pending
        Assert.Empty(store.StreamAutoClaim(s, Of("x"), Of("g"), Of("auto"), 0, StreamId.Zero, 10, false).Claimed);
        Assert.Equal(entries, logged.EntryKinds().Count);
        Assert.Empty(store.StreamConsumers(s, Of("x"), Of("g")));

        // The maximum ID reads as ">" (Redis marks ">" with it), so it is no history read either.
        Assert.Null(Read(store, s, "g", "poller", "x", StreamId.Max.ToString()));
        Add(store, s, "x", "2-0");
        Assert.Equal("2-0", Ids(Read(store, s, "g", "poller", "x", StreamId.Max.ToString())!));
        Assert.Equal(["poller"], store.StreamConsumers(s, Of("x"), Of("g")).Select(c => Text(c.Name)));
    }

    [Fact]
    public void Noack_reads_move_the_group_without_a_pel_and_setid_back_reassigns()
    {
        var store = new Store(new StoreOptions { Shards = 4 }, null);
        var s = new Session();
        Add(store, s, "x", "1-0");
        Add(store, s, "x", "2-0");
        Create(store, s, "x", "g");
        Assert.Equal("1-0 2-0", Ids(Read(store, s, "g", "a", "x", noAck: true)!));
        Assert.Equal(0, store.StreamPending(s, Of("x"), Of("g")).Count);
        Assert.Equal(new StreamId(2, 0), Info(store, s, "x", "g").LastDeliveredId);

        store.StreamGroupSetId(s, Of("x"), Of("g"), Of("0"), -1);
        Read(store, s, "g", "a", "x");
        store.StreamGroupSetId(s, Of("x"), Of("g"), Of("0"), -1);
        Read(store, s, "g", "b", "x", count: 1); // 1-0 was a's: it moves to b, delivered once
        var pel = Pel(store, s, "x", "g");
        Assert.Equal(("b", 1L), (Text(pel["1-0"].Consumer), pel["1-0"].DeliveryCount));
        Assert.Equal("a", Text(pel["2-0"].Consumer));
        Assert.Equal(["a:1", "b:1"], store.StreamPending(s, Of("x"), Of("g")).Consumers.Select(c => $"{Text(c.Consumer)}:{c.Count}"));
    }

    [Fact]
    public void Xclaim_honours_min_idle_and_its_options()
    {
        var clock = new ManualClock(T0);
        var store = new Store(new StoreOptions { Shards = 4, Time = clock }, null);
        var s = new Session();
        for (int i = 1; i <= 4; i++) Add(store, s, "x", $"{i}-0");
        Create(store, s, "x", "g");
        Read(store, s, "g", "a", "x", count: 3);
        clock.Advance(TimeSpan.FromMilliseconds(500));
        var none = new StreamClaimOptions(null, null, -1, false, false, StreamId.Zero);

        Assert.Empty(store.StreamClaim(s, Of("x"), Of("g"), Of("b"), 1000, [new(1, 0)], none)); // not idle long enough
        Assert.Equal("1-0", Ids(store.StreamClaim(s, Of("x"), Of("g"), Of("b"), 400, [new(1, 0), new(4, 0)], none))); // 4-0 not pending
        var pel = Pel(store, s, "x", "g");
        Assert.Equal(("b", 0L, 2L), (Text(pel["1-0"].Consumer), pel["1-0"].IdleMs, pel["1-0"].DeliveryCount));

        store.StreamClaim(s, Of("x"), Of("g"), Of("b"), 0, [new(2, 0)], none with { Idle = 5000, RetryCount = 9 });
        store.StreamClaim(s, Of("x"), Of("g"), Of("c"), 0, [new(3, 0)], none with { Time = Ms0 + 100, JustId = true });
        store.StreamClaim(s, Of("x"), Of("g"), Of("c"), 0, [new(4, 0)], none with { Force = true, LastId = new StreamId(9, 0) });
        pel = Pel(store, s, "x", "g");
        Assert.Equal(("b", 5000L, 9L), (Text(pel["2-0"].Consumer), pel["2-0"].IdleMs, pel["2-0"].DeliveryCount));
        Assert.Equal(("c", 400L, 1L), (Text(pel["3-0"].Consumer), pel["3-0"].IdleMs, pel["3-0"].DeliveryCount)); // JUSTID: count kept
        Assert.Equal(("c", 0L, 2L), (Text(pel["4-0"].Consumer), pel["4-0"].IdleMs, pel["4-0"].DeliveryCount)); // FORCE: new, then claimed
        Assert.Equal(new StreamId(9, 0), Info(store, s, "x", "g").LastDeliveredId);

        // A pending entry deleted from the stream is dropped from the PEL, not claimed.
        store.StreamDelete(s, Of("x"), Keys.Of("2-0"), 0);
        Assert.Empty(store.StreamClaim(s, Of("x"), Of("g"), Of("c"), 0, [new(2, 0)], none));
        Assert.False(Pel(store, s, "x", "g").ContainsKey("2-0"));
        Assert.StartsWith("NOGROUP No such key 'x' or consumer group 'zz'",
            Assert.Throws<CommandError>(() => store.StreamClaim(s, Of("x"), Of("zz"), Of("c"), 0, [new(1, 0)], none)).Message);
    }

    [Fact]
    public void Xautoclaim_scans_from_the_cursor_and_reports_deleted_entries()
    {
        var clock = new ManualClock(T0);
        var store = new Store(new StoreOptions { Shards = 4, Time = clock }, null);
        var s = new Session();
        for (int i = 1; i <= 6; i++) Add(store, s, "x", $"{i}-0");
        Create(store, s, "x", "g");
        Read(store, s, "g", "a", "x", count: 4);
        clock.Advance(TimeSpan.FromMilliseconds(1000));
        Read(store, s, "g", "a", "x"); // 5-0 and 6-0: not idle yet
        store.StreamDelete(s, Of("x"), Keys.Of("2-0"), 0);

        var first = store.StreamAutoClaim(s, Of("x"), Of("g"), Of("b"), 500, StreamId.Zero, 2, false);
        Assert.Equal(("1-0", "2-0", new StreamId(3, 0)), (Ids(first.Claimed), string.Join(" ", first.Deleted), first.Next));
        var second = store.StreamAutoClaim(s, Of("x"), Of("g"), Of("b"), 500, first.Next, 10, true);
        Assert.Equal(("3-0 4-0", "", StreamId.Zero), (Ids(second.Claimed), string.Join(" ", second.Deleted), second.Next));
        var pel = Pel(store, s, "x", "g");
        Assert.Equal(["1-0", "3-0", "4-0", "5-0", "6-0"], pel.Keys);
        Assert.Equal(("b", 2L), (Text(pel["1-0"].Consumer), pel["1-0"].DeliveryCount));
        Assert.Equal(("b", 1L), (Text(pel["3-0"].Consumer), pel["3-0"].DeliveryCount)); // JUSTID: count kept
        Assert.Equal("a", Text(pel["5-0"].Consumer));

        // COUNT 1 looks at no more than 10 entries (here 1-0, 3-0..11-0, none idle enough): the cursor is the next.
        for (int i = 7; i <= 20; i++) Add(store, s, "x", $"{i}-0");
        Read(store, s, "g", "a", "x");
        var capped = store.StreamAutoClaim(s, Of("x"), Of("g"), Of("b"), 60_000, StreamId.Zero, 1, false);
        Assert.Empty(capped.Claimed);
        Assert.Equal(new StreamId(12, 0), capped.Next);
    }

    [Fact]
    public void Deleting_the_key_drops_its_groups_and_xdel_or_xtrim_leave_the_pel()
    {
        var store = new Store(new StoreOptions { Shards = 4 }, null);
        var s = new Session();
        for (int i = 1; i <= 3; i++) Add(store, s, "x", $"{i}-0");
        Create(store, s, "x", "g");
        Read(store, s, "g", "a", "x");
        store.StreamTrimEntries(s, Of("x"), new StreamTrim(StreamTrimStrategy.MaxLength, 1, default, 0));
        store.StreamDelete(s, Of("x"), Keys.Of("3-0"), 0);
        Assert.Equal(3, store.StreamPending(s, Of("x"), Of("g")).Count);

        Assert.True(store.Copy(s, Of("x"), Of("y"), 0, false));
        store.StreamAcknowledge(s, Of("y"), Of("g"), [new(1, 0)]);
        Assert.Equal(3, store.StreamPending(s, Of("x"), Of("g")).Count); // the copy's groups are its own
        Assert.Equal(2, store.StreamPending(s, Of("y"), Of("g")).Count);

        store.Delete(s, Keys.Of("x"), 0);
        Add(store, s, "x", "1-0");
        Assert.Empty(store.StreamGroups(s, Of("x")));
        Assert.Throws<CommandError>(() => Read(store, s, "g", "a", "x"));
    }

    [Fact]
    public void Group_state_is_in_the_digest()
    {
        Store Build(bool ack)
        {
            var store = new Store(new StoreOptions { Shards = 4, Time = new ManualClock(T0) }, null);
            var s = new Session();
            Add(store, s, "x", "1-0");
            Create(store, s, "x", "g");
            Read(store, s, "g", "a", "x");
            if (ack) store.StreamAcknowledge(s, Of("x"), Of("g"), [new(1, 0)]);
            return store;
        }
        Assert.Equal(Build(false).Digest(), Build(false).Digest());
        Assert.NotEqual(Build(false).Digest(), Build(true).Digest());
    }

    [Theory]
    [InlineData(1, 8)]
    [InlineData(2, 1)]
    [InlineData(3, 16)]
    public void Random_group_workload_replays_to_the_same_digest(int seed, int replayShards)
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var s = new Session();
        var random = new Random(seed);
        string Key() => "x" + random.Next(4);
        string Group() => "g" + random.Next(3);
        string Consumer() => "c" + random.Next(4);
        StreamId SomeId() => new((ulong)random.Next(1, 400), 0);
        var none = new StreamClaimOptions(null, null, -1, false, false, StreamId.Zero);
        int next = 1;

        for (int i = 0; i < 4000; i++)
        {
            try
            {
                switch (random.Next(16))
                {
                    case < 4: Add(store, s, Key(), $"{next++}-0"); break;
                    case 4: Create(store, s, Key(), Group(), random.Next(3) == 0 ? "$" : "0", random.Next(2) == 0); break;
                    case 5 or 6: Read(store, s, Group(), Consumer(), Key(), ">", random.Next(4), random.Next(5) == 0); break;
                    case 7: Read(store, s, Group(), Consumer(), Key(), random.Next(2) == 0 ? "0" : SomeId().ToString(), random.Next(3)); break;
                    case 8: store.StreamAcknowledge(s, Of(Key()), Of(Group()), [SomeId(), SomeId()]); break;
                    case 9:
                        store.StreamClaim(s, Of(Key()), Of(Group()), Of(Consumer()), random.Next(3) * 50, [SomeId(), SomeId(), SomeId()],
                            none with { Force = random.Next(4) == 0, JustId = random.Next(3) == 0, Idle = random.Next(3) == 0 ? 70 : null, RetryCount = random.Next(4) == 0 ? 5 : -1 });
                        break;
                    case 10: store.StreamAutoClaim(s, Of(Key()), Of(Group()), Of(Consumer()), random.Next(3) * 50, SomeId(), random.Next(1, 5), random.Next(2) == 0); break;
                    case 11: store.StreamDelete(s, Of(Key()), Keys.Of(SomeId().ToString()), 0); break;
                    case 12 when random.Next(3) == 0: store.StreamGroupDestroy(s, Of(Key()), Of(Group())); break;
                    case 12: store.StreamGroupSetId(s, Of(Key()), Of(Group()), Of(SomeId().ToString()), random.Next(2) == 0 ? -1 : 3); break;
                    case 13 when random.Next(2) == 0: store.StreamConsumerDelete(s, Of(Key()), Of(Group()), Of(Consumer())); break;
                    case 13: store.StreamConsumerCreate(s, Of(Key()), Of(Group()), Of(Consumer())); break;
                    case 14: store.StreamTrimEntries(s, Of(Key()), new StreamTrim(StreamTrimStrategy.MaxLength, random.Next(5, 40), default, 0)); break;
                    default:
                        if (random.Next(10) == 0) store.Delete(s, Keys.Of(Key()), 0);
                        else store.Copy(s, Of(Key()), Of(Key()), 0, true);
                        break;
                }
            }
            catch (CommandError)
            {
                // NOGROUP, BUSYGROUP, a missing key: refused, nothing logged
            }
            clock.Advance(TimeSpan.FromMilliseconds(random.Next(0, 40)));
        }

        int pending = Enumerable.Range(0, 4).Sum(k => store.PeekValue(0, Of("x" + k)) is StreamValue v ? v.Groups.Sum(g => g.Pending.Count) : 0);
        Assert.True(pending > 0, "the workload left no pending entry");
        clock.Advance(TimeSpan.FromHours(1)); // replay at another time: delivery and seen times come from the log
        Assert.Equal(store.Digest(), logged.Replay(replayShards).Digest());
        Assert.Equal(store.Digest(), logged.ReplayInParallel(replayShards).Digest());
        Assert.Equal(store.Digest(), logged.FromSnapshot().Digest());
    }

    [Fact]
    public void A_snapshot_keeps_groups_consumers_and_pending_entries_in_chunks()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var s = new Session();
        for (int i = 1; i <= 2500; i++) Add(store, s, "x", $"{i}-0");
        Create(store, s, "x", "g");
        Create(store, s, "x", "h", "$", entriesRead: 2500);
        Read(store, s, "g", "a", "x", count: 2100);
        clock.Advance(TimeSpan.FromMilliseconds(300));
        Read(store, s, "g", "b", "x", count: 10);
        store.StreamConsumerCreate(s, Of("x"), Of("g"), Of("idle"));
        store.StreamDelete(s, Of("x"), Keys.Of("5-0"), 0);

        var loaded = logged.FromSnapshot();
        Assert.Equal(store.Digest(), loaded.Digest());
        var pel = Pel(loaded, s, "x", "g");
        Assert.Equal(2110, pel.Count);
        Assert.Equal(("a", 300L, 1L), (Text(pel["5-0"].Consumer), pel["5-0"].IdleMs, pel["5-0"].DeliveryCount));
        Assert.Equal(["a", "b", "idle"], loaded.StreamConsumers(s, Of("x"), Of("g")).Select(c => Text(c.Name)));
        var h = Info(loaded, s, "x", "h");
        Assert.Equal((new StreamId(2500, 0), 2500L, 0L), (h.LastDeliveredId, h.EntriesRead!.Value, h.Lag!.Value));
        Assert.Equal("2111-0", Ids(Read(loaded, s, "g", "b", "x", count: 1)!));
    }

    [Fact]
    public void Memory_counts_groups_and_gives_it_back()
    {
        var store = new Store(new StoreOptions { Shards = 4 }, null);
        var s = new Session();
        for (int i = 1; i <= 100; i++) Add(store, s, "x", $"{i}-0");
        long before = store.UsedMemory;
        Create(store, s, "x", "g");
        Read(store, s, "g", "a", "x");
        long withPel = store.UsedMemory;
        Assert.True(withPel - before > 100 * 100, $"100 pending entries cost only {withPel - before} bytes");
        store.StreamAcknowledge(s, Of("x"), Of("g"), Enumerable.Range(1, 100).Select(i => new StreamId((ulong)i, 0)).ToArray());
        Assert.True(store.UsedMemory < withPel);
        store.StreamGroupDestroy(s, Of("x"), Of("g"));
        Assert.Equal(before, store.UsedMemory);
    }
}
