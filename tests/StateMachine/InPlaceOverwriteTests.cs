using System.Text;
using HyperCache.StateMachine.Snapshots;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>
/// A SET of a same-length string overwrites the stored array in place (Store.StringsInPlace.cs). What must hold:
/// every value anyone got hold of before (a GET copy, GETSET's old value, a COPY, a snapshot capture, HyperLogLog's
/// count cache) keeps its bytes; readers never see a half-written value; replay still rebuilds the same state; and
/// the GET/SET steady state allocates nothing.
/// </summary>
public sealed class InPlaceOverwriteTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Store NewStore(int shards = 8) => new(new StoreOptions { Shards = shards, Time = new ManualClock(T0) }, null);

    private static void Set(Store store, Session session, string key, string value, long expireAt = 0)
        => store.Set(session, Of(key), Of(value), SetCondition.Always, expireAt, false, out _);

    private static string? Read(Store store, Session session, string key)
        => store.ReadString(session, Of(key), 0, static (value, _) => Encoding.UTF8.GetString(value), (string?)null);

    [Fact]
    public void Same_length_set_reads_back_the_new_value_and_keeps_the_memory_count()
    {
        var store = NewStore();
        var session = new Session();
        Set(store, session, "k", "aaaa");
        long used = store.UsedMemory;

        Set(store, session, "k", "bbbb");

        Assert.Equal("bbbb", Read(store, session, "k"));
        Assert.Equal("bbbb", Text(store.GetString(session, Of("k"))));
        Assert.Equal(used, store.UsedMemory);
        Set(store, session, "k", new string('c', 40)); // another length: a new array, counted anew
        Assert.Equal(new string('c', 40), Read(store, session, "k"));
        var fresh = NewStore();
        Set(fresh, session, "k", new string('c', 40));
        Assert.Equal(fresh.UsedMemory, store.UsedMemory);
    }

    [Fact]
    public void Same_length_set_applies_its_expiry()
    {
        var store = NewStore();
        var session = new Session();
        long at = T0.ToUnixTimeMilliseconds() + 5_000;
        Set(store, session, "k", "aaaa", expireAt: at + 60_000);
        Set(store, session, "k", "bbbb"); // plain SET clears the TTL
        Assert.Equal(-1, store.ExpiryOf(session, Of("k")));
        Set(store, session, "k", "cccc", expireAt: at);
        Assert.Equal(at, store.ExpiryOf(session, Of("k")));
        store.Set(session, Of("k"), Of("dddd"), SetCondition.Always, Store.KeepTtl, false, out _);
        Assert.Equal(at, store.ExpiryOf(session, Of("k")));
        Assert.Equal("dddd", Read(store, session, "k"));
    }

    [Fact]
    public void Values_handed_out_keep_their_bytes_after_a_same_length_set()
    {
        var store = NewStore();
        var session = new Session();
        Set(store, session, "k", "aaaa");

        var got = store.GetString(session, Of("k"));
        var gotWithExpiry = store.GetStringWithExpiry(session, Of("k"), out _);
        var ex = store.GetAndExpire(session, Of("k"), Store.KeepTtl);
        store.Set(session, Of("k"), Of("bbbb"), SetCondition.Always, 0, wantPrevious: true, out var previous); // GETSET
        Set(store, session, "k", "cccc");

        Assert.Equal("aaaa", Text(got));
        Assert.Equal("aaaa", Text(gotWithExpiry));
        Assert.Equal("aaaa", Text(ex));
        Assert.Equal("aaaa", Text(previous));
        Assert.Equal("cccc", Read(store, session, "k"));
    }

    [Fact]
    public void Copy_does_not_share_the_array_with_its_source()
    {
        var store = NewStore();
        var session = new Session();
        Set(store, session, "src", "aaaa");
        Assert.True(store.Copy(session, Of("src"), Of("dst"), 0, replace: false));

        Set(store, session, "src", "bbbb");
        Set(store, session, "dst", "cccc");

        Assert.Equal("bbbb", Read(store, session, "src"));
        Assert.Equal("cccc", Read(store, session, "dst"));
        Set(store, session, "dst", "dddd");
        Assert.Equal("bbbb", Read(store, session, "src"));
    }

    [Fact]
    public void A_snapshot_capture_keeps_the_value_it_captured()
    {
        var store = NewStore(shards: 1);
        var session = new Session();
        Set(store, session, "k", "aaaa");

        var cut = new SnapshotCut(store, () => 0);
        store.BeginCut(cut);
        ShardCapture capture;
        try
        {
            capture = store.TakeCapture(cut, 0);
            Set(store, session, "k", "bbbb"); // after the capture, before the snapshot is written
            Assert.Equal("aaaa", Encoding.UTF8.GetString((byte[])capture.Keys.Single().Value));
        }
        finally
        {
            store.EndCut(cut);
        }
        Assert.Equal("bbbb", Read(store, session, "k"));
        Set(store, session, "k", "cccc"); // no cut any more: in place again
        Assert.Equal("aaaa", Encoding.UTF8.GetString((byte[])capture.Keys.Single().Value));
        Assert.Equal("cccc", Read(store, session, "k"));
    }

    [Fact]
    public void Pfcount_is_not_stale_after_a_same_length_set_of_another_hll()
    {
        var store = NewStore();
        var session = new Session();
        // Enough elements to make both dense: dense HLLs all have the same length.
        var first = Keys.Of(Enumerable.Range(0, 4000).Select(i => "a" + i).ToArray());
        var second = Keys.Of(Enumerable.Range(0, 6000).Select(i => "b" + i).ToArray());
        store.PfAdd(session, Of("h1"), first, 0);
        store.PfAdd(session, Of("h2"), second, 0);
        long count1 = store.PfCount(session, Keys.Of("h1"), 0); // cached for h1's array
        long count2 = store.PfCount(session, Keys.Of("h2"), 0);
        Assert.NotEqual(count1, count2);
        var bytes2 = store.GetString(session, Of("h2"))!;
        Assert.Equal(store.GetString(session, Of("h1"))!.Length, bytes2.Length);

        store.Set(session, Of("h1"), bytes2, SetCondition.Always, 0, false, out _);

        Assert.Equal(count2, store.PfCount(session, Keys.Of("h1"), 0));
        Assert.Equal(count2, store.PfCount(session, Keys.Of("h1", "h2"), 0));
    }

    [Fact]
    public void Multi_set_overwrites_in_place_and_replays_to_the_same_digest()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = logged.Store;
        var session = new Session();
        for (int round = 0; round < 50; round++)
        {
            string v = ((char)('a' + round % 26)).ToString();
            store.MultiSet(session, Keys.Of("k1", v + "1111", "k2", v + "2222", "k3", v + "3333"), 0, false);
            Set(store, session, "k" + (round % 3 + 1), v + v + v + v + v, round % 2 == 0 ? T0.ToUnixTimeMilliseconds() + 100_000 + round : 0);
            store.Copy(session, Of("k1"), Of("c" + round % 4), 0, replace: true);
        }
        Assert.Equal("x1111", Read(store, session, "k1")); // round 49: 'x'; then SET k2 to "xxxxx"
        Assert.Equal("xxxxx", Read(store, session, "k2"));

        Assert.Equal(store.Digest(), logged.Replay().Digest());
        Assert.Equal(store.Digest(), logged.ReplayInParallel().Digest());
    }

    /// <summary>Two same-length values alternate on one thread while another reads: every read is one whole value.</summary>
    [Fact]
    public async Task Readers_never_see_a_half_written_value()
    {
        var store = NewStore(shards: 1);
        var writer = new Session();
        string a = new('a', 4096), b = new('b', 4096);
        Set(store, writer, "k", a);
        using var stop = new CancellationTokenSource();
        var writes = Task.Run(() =>
        {
            var session = new Session();
            for (int i = 0; !stop.IsCancellationRequested && i < 2_000_000; i++) Set(store, session, "k", (i & 1) == 0 ? b : a);
        });
        var reader = new Session();
        int torn = 0;
        try
        {
            for (int i = 0; i < 20_000; i++)
            {
                bool whole = store.ReadString(reader, Of("k"), 0,
                    static (value, _) => value.IndexOfAnyExcept(value[0]) < 0, false);
                var copy = store.GetString(reader, Of("k"))!;
                if (!whole || copy.AsSpan().IndexOfAnyExcept(copy[0]) >= 0) torn++;
            }
        }
        finally
        {
            stop.Cancel();
            await writes.WaitAsync(TimeSpan.FromSeconds(30));
        }
        Assert.Equal(0, torn);
    }

    /// <summary>The bar at the store: GET and a same-length SET allocate nothing in steady state.</summary>
    [Fact]
    public void Get_and_same_length_set_allocate_nothing_in_steady_state()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = logged.Store;
        var session = new Session();
        byte[] key = Of("key:000000000042"), v1 = Of(new string('v', 64)), v2 = Of(new string('w', 64));
        StringReader<int, int> length = static (value, _) => value.Length;
        void Round()
        {
            for (int i = 0; i < 1000; i++)
            {
                store.Set(session, key, (i & 1) == 0 ? v1 : v2, SetCondition.Always, 0, false, out _);
                if (store.ReadString(session, key, 0, length, -1) != 64) throw new InvalidOperationException("lost the value");
            }
        }
        Assert.Equal(0, SteadyState.Allocated(Round));
    }
}
