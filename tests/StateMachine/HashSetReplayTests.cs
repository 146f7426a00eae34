using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Values;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>Hashes and sets rebuilt from the log (and from snapshot rebuild events) equal the live state.</summary>
public class HashSetReplayTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1, 8)]
    [InlineData(2, 1)]
    [InlineData(3, 64)]
    public void Mixed_hash_and_set_workload_replays_to_the_same_digest(int seed, int replayShards)
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var session = new Session();
        var random = new Random(seed);
        byte[] Hash() => Of("h" + random.Next(12));
        byte[] Set() => Of("s" + random.Next(12));
        string Field() => "f" + random.Next(random.Next(2) == 0 ? 8 : 700); // some hashes outgrow a listpack
        string Member() => random.Next(3) == 0 ? "m" + random.Next(50) : random.Next(-5, 600).ToString();
        Keys Fields(int n) => Keys.Of(Enumerable.Range(0, n).Select(_ => Field()).ToArray());
        Keys Members(int n) => Keys.Of(Enumerable.Range(0, n).Select(_ => Member()).ToArray());
        Keys Pairs(int n) => Keys.Of(Enumerable.Range(0, n).SelectMany(i => new[] { Field(), "v" + i }).ToArray());
        Keys SetKeys(int n) => new(Enumerable.Range(0, n).Select(_ => Set()).ToArray());

        for (int i = 0; i < 5000; i++)
        {
            session.Db = random.Next(2);
            try
            {
                switch (random.Next(17))
                {
                    case 0: store.HashSet(session, Hash(), Pairs(random.Next(1, 40)), 0); break;
                    case 1: store.HashSetIfAbsent(session, Hash(), Of(Field()), Of(new string('x', random.Next(80)))); break;
                    case 2: store.HashDelete(session, Hash(), Fields(random.Next(1, 30)), 0); break;
                    case 3: store.HashIncrementBy(session, Hash(), Of("n" + random.Next(3)), random.Next(-5, 6)); break;
                    case 4: store.HashIncrementByFloat(session, Hash(), Of("x" + random.Next(3)), Of(random.NextDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture))); break;
                    case 5: store.SetAdd(session, Set(), Members(random.Next(1, 60)), 0); break;
                    case 6: store.SetRemove(session, Set(), Members(random.Next(1, 40)), 0); break;
                    case 7: store.SetPop(session, Set()); break;
                    case 8: store.SetPop(session, Set(), random.Next(0, 30)); break;
                    case 9: store.SetMove(session, Set(), Set(), Of(Member())); break;
                    case 10: store.SetCombineStore(session, (SetOperation)random.Next(3), SetKeys(random.Next(2, 5)), 0); break;
                    case 11: store.Expire(session, random.Next(2) == 0 ? Hash() : Set(), clock.Now.ToUnixTimeMilliseconds() + random.Next(-100, 2000), ExpireCondition.None); break;
                    case 12: store.Copy(session, Set(), Set(), random.Next(2), replace: true); break;
                    case 13: store.Delete(session, Keys.Of("h" + random.Next(12), "s" + random.Next(12)), 0); break;
                    case 14: store.Set(session, random.Next(2) == 0 ? Hash() : Set(), Of("string"), SetCondition.IfNotExists, 0, false, out _); break;
                    case 15: store.ExpireCycle(); break;
                    case 16: store.Rename(session, Hash(), Hash(), false); break;
                }
            }
            catch (CommandError)
            {
                // WRONGTYPE and friends: refused, nothing logged
            }
            clock.Advance(TimeSpan.FromMilliseconds(random.Next(0, 5)));
        }

        var replayed = logged.Replay(replayShards);
        Assert.Equal(store.Digest(), replayed.Digest());
        Assert.NotEqual(new Store(logged.Options, null).Digest(), store.Digest());
        for (int db = 0; db < 2; db++)
        {
            session.Db = db;
            for (int k = 0; k < 12; k++)
            {
                Assert.Equal(Encoding(store, session, "h" + k), Encoding(replayed, session, "h" + k));
                Assert.Equal(Encoding(store, session, "s" + k), Encoding(replayed, session, "s" + k));
            }
        }
    }

    [Fact]
    public void Counters_and_pops_replay_as_their_results()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var s = new Session();
        var store = logged.Store;
        Assert.Equal(5, store.HashIncrementBy(s, Of("h"), Of("n"), 5));
        Assert.Equal("5.25", Text(store.HashIncrementByFloat(s, Of("h"), Of("n"), Of("0.25"))));
        store.SetAdd(s, Of("s"), Keys.Of(Enumerable.Range(0, 100).Select(i => "m" + i).ToArray()), 0);
        var popped = store.SetPop(s, Of("s"), 30);
        Assert.Equal(30, popped.Length);
        Assert.Equal(30, popped.Select(Text).Distinct().Count());

        var replayed = logged.Replay();
        Assert.Equal("5.25", Text(replayed.HashGet(s, Of("h"), Of("n"))));
        Assert.Equal(70, replayed.SetCount(s, Of("s")));
        foreach (var member in popped) Assert.False(replayed.SetContains(s, Of("s"), member));
        Assert.Equal(store.Digest(), replayed.Digest());
    }

    [Fact]
    public void Sadd_logs_only_the_members_it_adds_and_nothing_when_none_are_new()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var s = new Session();
        var store = logged.Store;
        string a = new('a', 40), b = new('b', 40), c = new('c', 40), d = new('d', 40);
        Assert.Equal(2, store.SetAdd(s, Of("s"), Keys.Of(a, b), 0));
        long tail = logged.Log.TailAddress;

        Assert.Equal(0, store.SetAdd(s, Of("s"), Keys.Of(b, a, b), 0));
        Assert.Equal(tail, logged.Log.TailAddress); // as Redis: an SADD that adds nothing is not propagated

        Assert.Equal(2, store.SetAdd(s, Of("s"), Keys.Of(a, c, b, d), 0));
        long partial = logged.Log.TailAddress - tail;
        tail = logged.Log.TailAddress;
        Assert.Equal(4, store.SetAdd(s, Of("t"), Keys.Of(a, c, b, d), 0));
        long whole = logged.Log.TailAddress - tail;
        Assert.True(partial < whole - 60, $"the partial SADD logged {partial} bytes, the full one {whole}: only c and d were new");

        var replayed = logged.Replay();
        Assert.Equal(4, replayed.SetCount(s, Of("s")));
        Assert.Equal(store.Digest(), replayed.Digest());
    }

    [Fact]
    public void Store_commands_replace_the_destination_and_drop_its_ttl()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var s = new Session();
        var store = logged.Store;
        store.SetAdd(s, Of("{t}a"), Keys.Of("1", "2", "3"), 0);
        store.SetAdd(s, Of("{t}b"), Keys.Of("2", "3", "4"), 0);
        store.Set(s, Of("{t}d"), Of("was a string"), SetCondition.Always, clock.Now.ToUnixTimeMilliseconds() + 60_000, false, out _);
        Assert.Equal(2, store.SetCombineStore(s, SetOperation.Intersection, Keys.Of("{t}d", "{t}a", "{t}b"), 0));
        Assert.Equal(-1, store.ExpiryOf(s, Of("{t}d")));
        Assert.Equal(0, store.SetCombineStore(s, SetOperation.Intersection, Keys.Of("{t}e", "{t}a", "{t}missing"), 0));
        Assert.Equal(0, store.SetCombineStore(s, SetOperation.Difference, Keys.Of("{t}d", "{t}a", "{t}a"), 0));
        Assert.Equal("none", store.TypeOf(s, Of("{t}d")));

        var replayed = logged.Replay();
        Assert.Equal(store.Digest(), replayed.Digest());
    }

    [Fact]
    public void Rebuild_events_recreate_values_with_the_same_digest_order_and_encoding()
    {
        var s = new Session();
        var live = new Store(new StoreOptions { Shards = 4 }, null);
        live.HashSet(s, Of("small"), Keys.Of("c", "3", "a", "1", "b", "2"), 0);
        live.HashDelete(s, Of("small"), Keys.Of("a"), 0);
        live.HashSet(s, Of("small"), Keys.Of("a", "again"), 0);
        live.HashSet(s, Of("big"), Keys.Of(Enumerable.Range(0, 3000).SelectMany(i => new[] { "f" + i, "v" + i }).ToArray()), 0);
        live.SetAdd(s, Of("ints"), Keys.Of("10", "-2", "7"), 0);
        live.SetAdd(s, Of("many"), Keys.Of(Enumerable.Range(0, 2500).Select(i => "m" + i).ToArray()), 0);

        var rebuilt = new Store(new StoreOptions { Shards = 2 }, null);
        var sink = new ApplySink(rebuilt);
        foreach (var key in new[] { "small", "big", "ints", "many" })
        {
            var value = live.CollectionForTests(s, Of(key))!;
            value.WriteRebuild(0, Of(key), sink);
        }
        Assert.Equal(1 + 3 + 1 + 3, sink.Events); // chunks of at most 1024 elements
        Assert.Equal(live.Digest(), rebuilt.Digest());
        Assert.Equal(["c", "3", "b", "2", "a", "again"], rebuilt.HashGetAll(s, Of("small"), true, true).Select(Text));
        Assert.Equal(["-2", "7", "10"], rebuilt.SetMembers(s, Of("ints")).Select(Text));
        Assert.Equal("listpack", rebuilt.EncodingOf(s, Of("small")));
        Assert.Equal("hashtable", rebuilt.EncodingOf(s, Of("big")));
        Assert.Equal("intset", rebuilt.EncodingOf(s, Of("ints")));
        Assert.Equal("hashtable", rebuilt.EncodingOf(s, Of("many")));
    }

    [Fact]
    public void Copy_clones_a_collection_so_later_writes_do_not_leak()
    {
        var s = new Session();
        var store = new Store(new StoreOptions { Shards = 1 }, null);
        store.HashSet(s, Of("a"), Keys.Of("f", "1"), 0);
        store.SetAdd(s, Of("x"), Keys.Of("m"), 0);
        Assert.True(store.Copy(s, Of("a"), Of("b"), 0, false));
        Assert.True(store.Copy(s, Of("x"), Of("y"), 0, false));
        store.HashSet(s, Of("b"), Keys.Of("f", "2", "g", "3"), 0);
        store.SetAdd(s, Of("y"), Keys.Of("n"), 0);
        Assert.Equal("1", Text(store.HashGet(s, Of("a"), Of("f"))));
        Assert.Equal(1, store.HashLength(s, Of("a")));
        Assert.Equal(1, store.SetCount(s, Of("x")));
    }

    private static string? Encoding(Store store, Session session, string key) => store.EncodingOf(session, Of(key));

    private sealed class ApplySink(Store store) : IRebuildSink
    {
        public int Events { get; private set; }

        public void Emit(EventBuffer buffer)
        {
            Events++;
            store.Apply((byte)buffer.Kind, buffer.Body);
        }
    }
}
