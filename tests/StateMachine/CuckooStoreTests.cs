using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Values;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>CF.* through the store: logged, replayed, rebuilt from snapshot events, copied.</summary>
public class CuckooStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static CuckooInsertResult[] Insert(Store store, Session s, string key, bool unique, long create, params string[] items)
    {
        var results = new CuckooInsertResult[items.Length];
        store.CuckooInsert(s, Of(key), items.Select(i => CuckooFilter.Hash(Of(i))).ToArray(), unique, create, results);
        return results;
    }

    private static long Exists(Store store, Session s, string key, string item, bool count = false)
    {
        var result = new long[1];
        store.CuckooCheck(s, Of(key), [CuckooFilter.Hash(Of(item))], count, result);
        return result[0];
    }

    [Fact]
    public void Cuckoo_workload_replays_to_the_same_digest()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var s = new Session();
        var random = new Random(11);
        for (int i = 0; i < 3000; i++)
        {
            s.Db = random.Next(2);
            string key = "cf" + random.Next(8);
            string item = "i" + random.Next(400);
            try
            {
                switch (random.Next(10))
                {
                    case 0: store.CuckooReserve(s, Of(key), 16 + random.Next(64), 1 + random.Next(4), 1 + random.Next(30), random.Next(3)); break;
                    case 1: case 2: case 3: Insert(store, s, key, false, Store.CuckooDefaultCapacity, item); break;
                    case 4: Insert(store, s, key, true, 0, item, "j" + random.Next(50), item); break;
                    case 5: Insert(store, s, key, random.Next(2) == 0, 8, Enumerable.Range(0, 20).Select(n => "b" + random.Next(1000)).ToArray()); break;
                    case 6: store.CuckooDelete(s, Of(key), CuckooFilter.Hash(Of(item))); break;
                    case 7: store.Expire(s, Of(key), clock.Now.ToUnixTimeMilliseconds() + random.Next(1, 200), ExpireCondition.None); break;
                    case 8: store.Copy(s, Of(key), Of("cf" + random.Next(8)), random.Next(2), replace: true); break;
                    case 9: if (random.Next(30) == 0) store.Delete(s, Keys.Of(key), 0); break;
                }
            }
            catch (CommandError)
            {
                // ERR item exists, Not found, Maximum expansions reached, a string key...: refused, nothing logged
            }
            clock.Advance(TimeSpan.FromMilliseconds(random.Next(0, 5)));
        }

        var replayed = logged.Replay(shards: 2);
        Assert.Equal(store.Digest(), replayed.Digest());
        Assert.NotEqual(new Store(logged.Options, null).Digest(), store.Digest());
    }

    [Fact]
    public void A_refused_insert_into_a_full_filter_replays_as_the_same_refusal()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var s = new Session();
        logged.Store.CuckooReserve(s, Of("full"), 4, 1, 5, 0);
        var results = Insert(logged.Store, s, "full", false, 0, Enumerable.Range(0, 30).Select(i => "x" + i).ToArray());
        Assert.Contains(CuckooInsertResult.NoSpace, results);
        Assert.Equal(results.Count(r => r == CuckooInsertResult.Inserted), logged.Store.CuckooInfoOf(s, Of("full")).Items);
        Assert.Equal(logged.Store.Digest(), logged.Replay().Digest());
    }

    [Fact]
    public void Rebuild_events_restore_a_byte_identical_filter()
    {
        var store = new Store(new StoreOptions { Shards = 4 }, null);
        var s = new Session { Db = 3 };
        store.CuckooReserve(s, Of("big"), 200_000, 4, 20, 2);
        Insert(store, s, "big", false, 0, Enumerable.Range(0, 5000).Select(i => "v" + i).ToArray());
        for (int i = 0; i < 100; i++) store.CuckooDelete(s, Of("big"), CuckooFilter.Hash(Of("v" + i)));
        Insert(store, s, "small", false, 4, Enumerable.Range(0, 200).Select(i => "w" + i).ToArray()); // several sub-filters

        var fresh = new Store(new StoreOptions { Shards = 1 }, null);
        var sink = new ApplySink(fresh);
        foreach (var key in new[] { "big", "small" })
            ((CollectionValue)store.PeekValue(3, Of(key))!).WriteRebuild(3, Of(key), sink);
        Assert.True(sink.Events > 2);
        Assert.Equal(store.Digest(), fresh.Digest());
        Assert.Equal(store.CuckooInfoOf(s, Of("small")), fresh.CuckooInfoOf(s, Of("small")));
        Assert.Equal(1, Exists(fresh, s, "big", "v4999"));
    }

    [Fact]
    public void Errors_match_redisbloom_and_log_nothing()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = logged.Store;
        var s = new Session();
        store.Set(s, Of("str"), Of("x"), SetCondition.Always, 0, false, out _);
        store.CuckooReserve(s, Of("cf"), 100, 2, 20, 1);
        long tail = logged.Log.TailAddress;

        Assert.Equal("ERR item exists", Assert.Throws<CommandError>(() => store.CuckooReserve(s, Of("cf"), 100, 2, 20, 1)).Message);
        Assert.Equal(CommandError.WrongTypeText, Assert.Throws<CommandError>(() => store.CuckooReserve(s, Of("str"), 100, 2, 20, 1)).Message);
        Assert.Equal(CommandError.WrongTypeText, Assert.Throws<CommandError>(() => Insert(store, s, "str", false, 1024, "a")).Message);
        Assert.Equal("ERR not found", Assert.Throws<CommandError>(() => Insert(store, s, "none", false, 0, "a")).Message);
        Assert.Equal("Not found", Assert.Throws<CommandError>(() => store.CuckooDelete(s, Of("none"), 1)).Message);
        Assert.Equal("Not found", Assert.Throws<CommandError>(() => store.CuckooDelete(s, Of("str"), 1)).Message);
        Assert.Equal("ERR not found", Assert.Throws<CommandError>(() => store.CuckooInfoOf(s, Of("none"))).Message);
        Assert.Equal(CommandError.WrongTypeText, Assert.Throws<CommandError>(() => store.CuckooInfoOf(s, Of("str"))).Message);
        Assert.False(store.CuckooDelete(s, Of("cf"), CuckooFilter.Hash(Of("never added"))));
        Assert.Equal(0, Exists(store, s, "str", "x"));
        Assert.Equal(tail, logged.Log.TailAddress);
        Assert.Equal("MBbloomCF", store.TypeOf(s, Of("cf")));
    }

    [Fact]
    public void Copy_clones_the_filter()
    {
        var store = new Store(new StoreOptions { Shards = 2 }, null);
        var s = new Session();
        Insert(store, s, "a", false, 1024, "one");
        Assert.True(store.Copy(s, Of("a"), Of("b"), 0, replace: false));
        Insert(store, s, "b", false, 1024, "two");
        Assert.Equal(1, Exists(store, s, "b", "one"));
        Assert.Equal(0, Exists(store, s, "a", "two"));
        Assert.Equal(1, store.CuckooInfoOf(s, Of("a")).Items);
    }

    private sealed class ApplySink(Store target) : IRebuildSink
    {
        public int Events { get; private set; }

        public void Emit(EventBuffer buffer)
        {
            Events++;
            target.Apply((byte)buffer.Kind, buffer.Body);
        }
    }
}
