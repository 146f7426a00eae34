using HyperCache.StateMachine.Snapshots;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>
/// A SET over a string of the same length overwrites its array in place (Store.StringsInPlace.cs), on replay too. Replay must still equal the live state: a COPY must not share the array it was copied from, and
/// overwrites of other lengths, TTLs and snapshots in between must come out the same.
/// </summary>
public sealed class InPlaceReplayTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("hc-inplace-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    /// <summary>Overwrites of 8-byte values mostly (in place on replay), other lengths now and then, copies, renames.</summary>
    private static void Overwrites(Store store, Session session, Random random, int from, int count, long now)
    {
        string Key() => "k" + random.Next(30);
        for (int i = from; i < from + count; i++)
        {
            session.Db = random.Next(2);
            switch (random.Next(10))
            {
                case 0: store.Set(session, Of(Key()), Of(new string('L', random.Next(1, 20))), SetCondition.Always, 0, false, out _); break;
                case 1: store.Copy(session, Of(Key()), Of("c" + random.Next(10)), random.Next(2), true); break;
                case 2: store.Rename(session, Of(Key()), Of(Key()), false); break;
                case 3: store.MultiSet(session, Keys.Of(Key(), $"m{i % 10000000:D7}", Key(), $"n{i % 10000000:D7}"), 0, false); break;
                case 4: store.Set(session, Of(Key()), Of($"t{i % 10000000:D7}"), SetCondition.Always, now + 60_000 + i, false, out _); break;
                case 5: store.Set(session, Of(Key()), Of($"p{i % 10000000:D7}"), SetCondition.Always, Store.KeepTtl, false, out _); break;
                default: store.Set(session, Of(Key()), Of($"v{i % 10000000:D7}"), SetCondition.Always, 0, false, out _); break;
            }
        }
    }

    [Fact]
    public void Replay_with_in_place_overwrites_equals_the_live_state()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var session = new Session();
        Overwrites(logged.Store, session, new Random(7), 0, 5000, clock.Now.ToUnixTimeMilliseconds());

        var serial = logged.Replay();
        Assert.Equal(logged.Store.Digest(), serial.Digest());
        Assert.Equal(logged.Store.UsedMemory, serial.UsedMemory); // same-length overwrites leave the account as it is
        Assert.Equal(logged.Store.Digest(), logged.ReplayInParallel(shards: 8, workers: 3).Digest());
        for (int db = 0; db < 2; db++)
        {
            session.Db = db;
            for (int c = 0; c < 10; c++)
                Assert.Equal(Text(logged.Store.GetString(session, Of("c" + c))), Text(serial.GetString(session, Of("c" + c))));
        }
    }

    [Fact]
    public void A_copied_string_keeps_its_value_when_the_source_is_overwritten_on_replay()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var s = new Session();
        logged.Store.Set(s, Of("src"), Of("aaaa"), SetCondition.Always, 0, false, out _);
        logged.Store.Copy(s, Of("src"), Of("dst"), 0, false);
        logged.Store.Set(s, Of("src"), Of("bbbb"), SetCondition.Always, 0, false, out _);

        var replayed = logged.Replay();
        Assert.Equal("bbbb", Text(replayed.GetString(s, Of("src"))));
        Assert.Equal("aaaa", Text(replayed.GetString(s, Of("dst"))));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(1)]
    public void Snapshot_between_overwrites_then_replay_equals_the_live_state(int loadShards)
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var session = new Session();
        var random = new Random(11);
        long now = clock.Now.ToUnixTimeMilliseconds();
        Overwrites(logged.Store, session, random, 0, 3000, now);
        string path = Path.Combine(_dir, "between.hcs");
        SnapshotWriter.Write(logged.Store, path, "t", logged.Log);
        Overwrites(logged.Store, session, random, 3000, 3000, now);
        logged.Log.Commit();

        var store = new Store(logged.Options with { Shards = loadShards }, null);
        var header = SnapshotFile.Load(path, store);
        using (var parallel = new ParallelApply(store, 2))
        {
            Assert.True(logged.Log.Scan(logged.Log.BeginAddress, -1, new SnapshotReplay(store, header) { Applier = parallel }).Clean);
            parallel.Finish();
        }
        Assert.Equal(logged.Store.Digest(), store.Digest());
    }
}
