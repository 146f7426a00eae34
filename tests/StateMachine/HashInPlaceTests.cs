using System.Text;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>
/// An HSET of a same-length value overwrites the stored value array in place (HashValue, ElementTable.Set). What
/// must hold: values handed out before (HGET, HMGET, HGETALL, HRANDFIELD, HSCAN, a COPY) keep their bytes; the
/// memory count is unchanged; replay rebuilds the same state; and HSET/HGET of an existing field allocate nothing.
/// </summary>
public sealed class HashInPlaceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Store NewStore() => new(new StoreOptions { Shards = 8, Time = new ManualClock(T0) }, null);

    private static void HSet(Store store, Session session, string key, string field, string value)
        => store.HashSet(session, Of(key), Keys.Of(field, value), 0);

    [Fact]
    public void Same_length_hset_reads_back_the_new_value_and_keeps_the_memory_count()
    {
        var store = NewStore();
        var session = new Session();
        HSet(store, session, "h", "f", "aaaa");
        long used = store.UsedMemory;

        HSet(store, session, "h", "f", "bbbb");

        Assert.Equal("bbbb", Text(store.HashGet(session, Of("h"), Of("f"))));
        Assert.Equal(used, store.UsedMemory);
        HSet(store, session, "h", "f", new string('c', 40)); // another length: a new array, counted anew
        var fresh = NewStore();
        HSet(fresh, session, "h", "f", new string('c', 40));
        Assert.Equal(fresh.UsedMemory, store.UsedMemory);
    }

    [Fact]
    public void Values_handed_out_keep_their_bytes_after_a_same_length_hset()
    {
        var store = NewStore();
        var session = new Session();
        HSet(store, session, "h", "f", "aaaa");

        var get = store.HashGet(session, Of("h"), Of("f"));
        var many = store.HashGetMany(session, Of("h"), Keys.Of("f"), 0);
        var all = store.HashGetAll(session, Of("h"), fields: true, values: true);
        var random = store.HashRandomFields(session, Of("h"), 1, withValues: true);
        var scanned = new List<byte[]>();
        store.HashScan(session, Of("h"), 0, "*"u8, 10, scanned);
        store.Copy(session, Of("h"), Of("copy"), 0, replace: false);

        HSet(store, session, "h", "f", "bbbb");

        Assert.Equal("aaaa", Text(get));
        Assert.Equal("aaaa", Text(many[0]));
        Assert.Equal("aaaa", Text(all[1]));
        Assert.Equal("aaaa", Text(random[1]));
        Assert.Equal("aaaa", Text(scanned[1]));
        Assert.Equal("aaaa", Text(store.HashGet(session, Of("copy"), Of("f"))));
        Assert.Equal("bbbb", Text(store.HashGet(session, Of("h"), Of("f"))));
        HSet(store, session, "copy", "f", "cccc"); // and the other way round
        Assert.Equal("bbbb", Text(store.HashGet(session, Of("h"), Of("f"))));
    }

    [Fact]
    public void Same_length_overwrites_replay_to_the_same_digest()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var session = new Session();
        var random = new Random(3);
        for (int i = 0; i < 3000; i++)
            HSet(store, session, "h" + random.Next(3), "f" + random.Next(200), random.Next(4) == 0 ? "long-" + i : "v" + random.Next(10));
        var replayed = logged.Replay();
        Assert.Equal(store.Digest(), replayed.Digest());
    }

    /// <summary>As GET/SET: the HSET/HGET steady state of a cache allocates nothing at the store.</summary>
    [Fact]
    public void Hget_and_same_length_hset_allocate_nothing_in_steady_state()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = logged.Store;
        var session = new Session();
        byte[] key = Of("myhash"), field = Of("element:000042");
        var pair1 = new Keys(field, Of(new string('v', 64)));
        var pair2 = new Keys(field, Of(new string('w', 64)));
        StringReader<int, int> length = static (value, _) => value.Length;
        void Round()
        {
            for (int i = 0; i < 1000; i++)
            {
                store.HashSet(session, key, (i & 1) == 0 ? pair1 : pair2, 0);
                if (store.HashReadField(session, key, field, 0, length, -1) != 64) throw new InvalidOperationException("lost the value");
            }
        }
        Assert.Equal(0, SteadyState.Allocated(Round));
    }
}
