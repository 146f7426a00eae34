using HyperCache.StateMachine.Snapshots;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>
/// SETRANGE writes inside the stored string in place, as Redis does, and past its end into a string with room to
/// spare, so a big string patched or grown by SETRANGE is not copied whole each time; a snapshot in progress still
/// sees the string as it was captured.
/// </summary>
public sealed class SetRangeInPlaceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static int Length(Store store, Session session, string key)
        => store.ReadString(session, Of(key), 0, static (value, _) => value.Length, -1);

    [Fact]
    public void Patching_a_big_string_costs_the_patch_not_the_string()
    {
        var store = new Store(new StoreOptions { Shards = 1 }, null);
        var session = new Session();
        store.SetRange(session, Of("big"), (16 << 20) - 1, Of("x")); // 16 MB of zeros and an x
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) store.SetRange(session, Of("big"), i * 1000, Of("patch"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.InRange(allocated, 0, 1L << 20); // copying the string each time: 16 GB
        Assert.Equal(16 << 20, Length(store, session, "big"));
        Assert.Equal("\0patch\0", Text(store.ReadString(session, Of("big"), 0, static (value, _) => value.Slice(999, 7).ToArray(), [])));
    }

    [Fact]
    public void Growing_a_string_by_setrange_is_linear_in_what_is_written()
    {
        var store = new Store(new StoreOptions { Shards = 1 }, null);
        var session = new Session();
        var chunk = Of(new string('y', 100));
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20_000; i++) store.SetRange(session, Of("grown"), i * 100 + (i % 2) * 50, chunk); // some gaps
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.InRange(allocated, 0, 16L << 20); // 2 MB written; an exact copy each time was ~20 GB
        Assert.Equal(19_999 * 100 + 50 + 100, Length(store, session, "grown")); // the last write (odd i) ends there
        Assert.Equal("raw", store.EncodingOf(session, Of("grown")));
    }

    [Fact]
    public void Gaps_are_zeros_and_the_result_replays_and_snapshots_as_the_same_bytes()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var session = new Session();
        var reference = new Store(logged.Options, null);
        var random = new Random(7);
        for (int k = 0; k < 40; k++)
        {
            var expected = new List<byte>();
            for (int i = 0; i < 30; i++)
            {
                int offset = random.Next(0, expected.Count + 20);
                var piece = Of($"{k}:{i}");
                logged.Store.SetRange(session, Of("k" + k), offset, piece);
                while (expected.Count < offset + piece.Length) expected.Add(0);
                for (int j = 0; j < piece.Length; j++) expected[offset + j] = piece[j];
            }
            reference.Set(session, Of("k" + k), expected.ToArray(), SetCondition.Always, 0, false, out _);
            Assert.Equal(expected.ToArray(), logged.Store.GetString(session, Of("k" + k)));
        }
        Assert.Equal(reference.Digest(), logged.Store.Digest());
        Assert.Equal(reference.Digest(), logged.Replay().Digest());

        Assert.Equal(reference.Digest(), logged.FromSnapshot().Digest());
    }

    [Theory]
    [InlineData(false)] // an exact array, patched inside
    [InlineData(true)]  // a string with room (grown before), written past its end
    public void A_setrange_during_a_snapshot_leaves_the_captured_string_as_it_was(bool grown)
    {
        var store = new Store(new StoreOptions { Shards = 1 }, null);
        var session = new Session();
        store.Set(session, Of("k"), Of("abcd"), SetCondition.Always, 0, false, out _);
        if (grown) store.SetRange(session, Of("k"), 4, Of("e"));
        string before = grown ? "abcde" : "abcd";
        var cut = new SnapshotCut(store, () => 0);
        store.BeginCut(cut);
        try
        {
            var captured = store.TakeCapture(cut, 0).Keys.Single().Value;
            store.SetRange(session, Of("k"), grown ? 5 : 1, Of("Z"));
            Assert.Equal(before, Text(Store.StringSpan(captured).ToArray()));
            Assert.Equal(grown ? "abcdeZ" : "aZcd", Text(store.GetString(session, Of("k"))));
        }
        finally
        {
            store.EndCut(cut);
        }
    }
}
