using HyperCache.StateMachine.Snapshots;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>
/// APPEND grows a string in place with room to spare (as Redis's sds), so appending again and again is linear in
/// what is appended, not quadratic; the string reads, snapshots, replays and digests as the same bytes set at once.
/// </summary>
public sealed class AppendTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Appending_many_times_costs_what_is_appended_not_the_string_each_time()
    {
        var store = new Store(new StoreOptions { Shards = 1 }, null);
        var session = new Session();
        var chunk = Of(new string('x', 100));
        store.Append(session, Of("log"), chunk);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 1; i < 20_000; i++) store.Append(session, Of("log"), chunk);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // 2 MB appended; doubling costs at most ~2x that again. Copying the string each time was ~20 GB.
        Assert.InRange(allocated, 0, 16L << 20);
        Assert.Equal(2_000_000, store.ReadString(session, Of("log"), 0, static (value, _) => value.Length, 0));
    }

    [Fact]
    public void An_appended_string_reads_and_writes_like_any_string()
    {
        var store = new Store(new StoreOptions { Shards = 2 }, null);
        var session = new Session();
        store.Set(session, Of("n"), Of("1"), SetCondition.Always, 0, false, out _);
        store.Append(session, Of("n"), Of("2"));
        store.Append(session, Of("n"), Of("3"));
        Assert.Equal("123", Text(store.GetString(session, Of("n"))));
        Assert.Equal("string", store.TypeOf(session, Of("n")));
        Assert.Equal("raw", store.EncodingOf(session, Of("n"))); // as Redis after APPEND
        Assert.Equal(124, store.IncrementBy(session, Of("n"), 1));
        Assert.Equal("int", store.EncodingOf(session, Of("n")));

        store.Set(session, Of("s"), Of("abc"), SetCondition.Always, 0, false, out _);
        store.Append(session, Of("s"), Of("def"));
        Assert.Equal(6, store.SetRange(session, Of("s"), 1, Of("XY")));
        Assert.Equal("aXYdef", Text(store.GetString(session, Of("s"))));
        store.Append(session, Of("s"), Of("g"));
        store.SetBit(session, Of("s"), 7, 0); // 'a' (0x61) -> '`' (0x60)
        Assert.Equal("`XYdefg", Text(store.GetString(session, Of("s"))));
        store.Append(session, Of("s"), Of("h"));
        Assert.True(store.Copy(session, Of("s"), Of("c"), session.Db, false));
        store.Append(session, Of("s"), Of("i"));
        Assert.Equal("`XYdefgh", Text(store.GetString(session, Of("c"))));
        Assert.Equal("`XYdefghi", Text(store.GetDelete(session, Of("s"))));
    }

    [Fact]
    public void Appended_strings_digest_snapshot_and_replay_as_the_same_bytes()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var session = new Session();
        var reference = new Store(logged.Options, null);
        for (int k = 0; k < 50; k++)
        {
            string text = "";
            for (int i = 0; i < 30; i++)
            {
                string piece = $"{k}-{i};";
                logged.Store.Append(session, Of("k" + k), Of(piece));
                text += piece;
            }
            reference.Set(session, Of("k" + k), Of(text), SetCondition.Always, 0, false, out _);
        }
        Assert.Equal(reference.Digest(), logged.Store.Digest());
        Assert.Equal(reference.Digest(), logged.Replay().Digest());

        Assert.Equal(reference.Digest(), logged.FromSnapshot().Digest());
    }

    [Fact]
    public void An_append_during_a_snapshot_leaves_the_captured_string_as_it_was()
    {
        var store = new Store(new StoreOptions { Shards = 1 }, null);
        var session = new Session();
        store.Set(session, Of("k"), Of("a"), SetCondition.Always, 0, false, out _);
        store.Append(session, Of("k"), Of("b")); // now a buffer with room to spare
        var cut = new SnapshotCut(store, () => 0);
        store.BeginCut(cut);
        try
        {
            var captured = store.TakeCapture(cut, 0).Keys.Single().Value;
            store.Append(session, Of("k"), Of("c"));
            Assert.Equal("ab", Text(Store.StringSpan(captured).ToArray()));
            Assert.Equal("abc", Text(store.GetString(session, Of("k"))));
        }
        finally
        {
            store.EndCut(cut);
        }
    }
}
