using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Snapshots;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>
/// Snapshots: a snapshot plus the log after it rebuilds exactly the live state, even when the snapshot was taken
/// shard by shard while writers kept going (multi-shard MSET, RENAME, COPY, FLUSHDB included).
/// </summary>
public sealed class SnapshotTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("hc-snap-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    [Fact]
    public void A_snapshot_that_cannot_be_written_leaves_no_file_behind()
    {
        var store = new Store(new StoreOptions(), null);
        var session = new Session();
        for (int i = 0; i < 100; i++) store.Set(session, Of("k" + i), Of("v" + i), SetCondition.Always, 0, false, out _);
        string path = Path.Combine(_dir, "snapshot-000000000001.hcs");
        File.CreateSymbolicLink(path + ".tmp", "/dev/full"); // every write fails with ENOSPC, as on a full disk

        var e = Assert.ThrowsAny<IOException>(() => SnapshotWriter.Write(store, path, "n1", null));
        Assert.Contains("No space left on device", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    private static void RandomWrite(Store store, Session session, Random random, int i, long now)
    {
        string Key() => "k" + random.Next(200);
        session.Db = random.Next(3);
        try
        {
            switch (random.Next(12))
            {
                case 0: store.Set(session, Of(Key()), Of("v" + i), SetCondition.Always, random.Next(3) == 0 ? now + 600_000 + i : 0, false, out _); break;
                case 1: store.Append(session, Of(Key()), Of("+a")); break;
                case 2: store.IncrementBy(session, Of("n" + random.Next(10)), random.Next(-3, 4)); break;
                case 3: store.Delete(session, Keys.Of(Key(), Key(), Key()), 0); break;
                case 4: store.Expire(session, Of(Key()), now + 900_000 + i, ExpireCondition.None); break;
                case 5: store.Rename(session, Of(Key()), Of(Key()), random.Next(2) == 0); break;
                case 6: store.Copy(session, Of(Key()), Of(Key()), random.Next(3), random.Next(2) == 0); break;
                case 7: store.MultiSet(session, Keys.Of(Key(), "m" + i, Key(), "n" + i, Key(), "o" + i), 0, false); break;
                case 8: store.SetRange(session, Of(Key()), random.Next(6), Of("RR")); break;
                case 9: store.Persist(session, Of(Key())); break;
                case 10:
                    if (random.Next(300) == 0) store.FlushDb(session, random.Next(3));
                    else if (random.Next(300) == 0) store.SwapDb(session, 0, 1);
                    break;
                default: store.Set(session, Of(Key()), Of(new string('x', random.Next(100))), SetCondition.Always, 0, false, out _); break;
            }
        }
        catch (CommandError)
        {
        }
    }

    /// <summary>Loads the snapshot into a fresh store, replays the log over it, returns the digest.</summary>
    private static ulong Rebuild(LoggedStore logged, string path, int shards, long until = -1)
    {
        var store = new Store(logged.Options with { Shards = shards }, null);
        var header = SnapshotFile.Load(path, store);
        var replay = new SnapshotReplay(store, header, untilAddress: until);
        var scan = logged.Log.Scan(logged.Log.BeginAddress, -1, replay);
        Assert.True(scan.Clean, scan.Problem);
        return store.Digest();
    }

    [Theory]
    [InlineData(8)]
    [InlineData(1)]
    [InlineData(32)]
    public void Snapshot_then_log_equals_live_state(int loadShards)
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var random = new Random(5);
        var session = new Session();
        long now = clock.Now.ToUnixTimeMilliseconds();
        for (int i = 0; i < 3000; i++) RandomWrite(logged.Store, session, random, i, now);
        string path = Path.Combine(_dir, "a.hcs");
        var header = SnapshotWriter.Write(logged.Store, path, "t", logged.Log);
        Assert.Equal(8, header.ShardCount);
        Assert.True(header.Keys > 100);
        for (int i = 3000; i < 6000; i++) RandomWrite(logged.Store, session, random, i, now);
        logged.Log.Commit();

        Assert.Equal(logged.Store.Digest(), Rebuild(logged, path, loadShards));

        // The snapshot alone is the state at the address it covers.
        var atSnapshot = new Store(logged.Options, null);
        logged.Log.Scan(logged.Log.BeginAddress, header.MaxCovered, atSnapshot);
        var loaded = new Store(logged.Options, null);
        SnapshotFile.Load(path, loaded);
        Assert.Equal(atSnapshot.Digest(), loaded.Digest());
    }

    [Fact]
    public async Task Snapshots_taken_while_writers_run_rebuild_the_live_state()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        long now = clock.Now.ToUnixTimeMilliseconds();
        // Bulk in another database makes each shard's capture take a while, so writes land in between.
        var filler = new Session { Db = 5 };
        for (int i = 0; i < 100_000; i++) logged.Store.Set(filler, Of("filler" + i), Of("f"), SetCondition.Always, 0, false, out _);
        var stop = 0;
        var writers = Enumerable.Range(0, 3).Select(w => Task.Factory.StartNew(() =>
        {
            var random = new Random(100 + w);
            var session = new Session();
            for (int i = 0; Volatile.Read(ref stop) == 0; i++)
            {
                // Half the writes move values between keys of (usually) different shards.
                if (random.Next(2) == 0) RandomWrite(logged.Store, session, random, i, now);
                else if (random.Next(2) == 0) logged.Store.Rename(session, Of("k" + random.Next(200)), Of("k" + random.Next(200)), false);
                else logged.Store.Copy(session, Of("k" + random.Next(200)), Of("k" + random.Next(200)), session.Db, true);
            }
        }, TaskCreationOptions.LongRunning)).ToArray();

        var paths = new List<string>();
        for (int n = 0; n < 10; n++)
        {
            // Let the writers make progress between snapshots (a condition, not a sleep: the log grows).
            long tail = logged.Log.TailAddress;
            Assert.True(SpinWait.SpinUntil(() => logged.Log.TailAddress > tail + 5_000, TimeSpan.FromSeconds(30)));
            string path = Path.Combine(_dir, $"s{n}.hcs");
            SnapshotWriter.Write(logged.Store, path, "t", logged.Log);
            paths.Add(path);
        }
        Volatile.Write(ref stop, 1);
        await Task.WhenAll(writers);
        logged.Log.Commit();

        ulong live = logged.Store.Digest();
        foreach (var path in paths)
        {
            Assert.Equal(live, Rebuild(logged, path, 8));
            // Right where the last shard was captured, before later writes could paper over a lost one.
            long until = SnapshotFile.ReadHeader(path).MaxCovered;
            var reference = new Store(logged.Options, null);
            logged.Log.Scan(logged.Log.BeginAddress, until, reference);
            Assert.Equal(reference.Digest(), Rebuild(logged, path, 8, until));
        }
        var headers = paths.Select(SnapshotFile.ReadHeader).ToList();
        Assert.Contains(headers, h => h.MinCovered != h.MaxCovered); // shards did cover different addresses
    }

    [Fact]
    public void Log_truncated_below_a_snapshot_still_rebuilds_from_it()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var random = new Random(9);
        var session = new Session();
        long now = clock.Now.ToUnixTimeMilliseconds();
        for (int i = 0; i < 4000; i++) RandomWrite(logged.Store, session, random, i, now);
        string path = Path.Combine(_dir, "t.hcs");
        var header = SnapshotWriter.Write(logged.Store, path, "t", logged.Log);
        for (int i = 4000; i < 5000; i++) RandomWrite(logged.Store, session, random, i, now);
        long begin = logged.Log.TruncateUntil(header.MinCovered);
        Assert.Equal(header.MinCovered, begin);
        Assert.Equal(logged.Store.Digest(), Rebuild(logged, path, 8));
    }

    [Fact]
    public void A_truncation_floor_holds_the_log_back()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var session = new Session();
        logged.Store.Set(session, Of("a"), Of("1"), SetCondition.Always, 0, false, out _);
        long floor = logged.Log.TailAddress;
        logged.Log.AddTruncationFloor(new Floor(floor));
        for (int i = 0; i < 100; i++) logged.Store.Set(session, Of("b" + i), Of("2"), SetCondition.Always, 0, false, out _);
        logged.Log.Commit();
        Assert.Equal(floor, logged.Log.TruncateUntil(logged.Log.TailAddress));
    }

    private sealed class Floor(long address) : HyperCache.Log.ITruncationFloor
    {
        public long LowestNeededAddress => address;
    }

    [Fact]
    public void Damaged_snapshots_are_refused()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var session = new Session();
        for (int i = 0; i < 500; i++) logged.Store.Set(session, Of("k" + i), Of("value" + i), SetCondition.Always, 0, false, out _);
        string path = Path.Combine(_dir, "d.hcs");
        SnapshotWriter.Write(logged.Store, path, "t", logged.Log);
        SnapshotFile.Verify(path);
        var bytes = File.ReadAllBytes(path);

        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 2] ^= 0x20;
        File.WriteAllBytes(path, flipped);
        Assert.Contains("hash", Assert.Throws<SnapshotCorruptException>(() => SnapshotFile.Load(path, new Store(logged.Options, null))).Message);

        File.WriteAllBytes(path, bytes[..(bytes.Length - 10)]);
        Assert.Throws<SnapshotCorruptException>(() => SnapshotFile.Verify(path));

        var header = (byte[])bytes.Clone();
        header[20] ^= 1;
        File.WriteAllBytes(path, header);
        Assert.Contains("header", Assert.Throws<SnapshotCorruptException>(() => SnapshotFile.Verify(path)).Message);
    }

    [Fact]
    public void The_first_key_of_an_event_decides_its_shard()
    {
        var buffer = EventBuffer.Start(EventKind.Copy);
        buffer.WriteArrayHeader(4);
        buffer.Write(3);
        buffer.Write(Of("source"));
        buffer.Write(1);
        buffer.Write(Of("dest"));
        Assert.True(EntryKeys.TryFirstKey((byte)EventKind.Copy, buffer.Body, out var key));
        Assert.Equal("source", Text(key.ToArray()));

        buffer = EventBuffer.Start(EventKind.FlushAll);
        buffer.WriteArrayHeader(0);
        Assert.False(EntryKeys.TryFirstKey((byte)EventKind.FlushAll, buffer.Body, out _));

        // A batch, with its inner event nested as an array: [[kind, [db, key, ...]]]
        buffer = EventBuffer.Start(EventKind.Batch);
        buffer.WriteArrayHeader(1);
        buffer.WriteArrayHeader(2);
        buffer.Write((long)EventKind.Set);
        buffer.WriteArrayHeader(4);
        buffer.Write(0);
        buffer.Write(Of("inner"));
        buffer.Write(Of("v"));
        buffer.Write(0);
        Assert.True(EntryKeys.TryFirstKey((byte)EventKind.Batch, buffer.Body, out key));
        Assert.Equal("inner", Text(key.ToArray()));

        // ... or embedded as bin, after a keyless event: [[FlushDb, bin([0])], [Set, bin([0, key, ...])]]
        var flush = EventBuffer.Start(EventKind.FlushDb);
        flush.WriteArrayHeader(1);
        flush.Write(0);
        byte[] flushBody = flush.Body.ToArray();
        var set = EventBuffer.Start(EventKind.Set);
        set.WriteArrayHeader(4);
        set.Write(2);
        set.Write(Of("embedded"));
        set.Write(Of("v"));
        set.Write(0);
        byte[] setBody = set.Body.ToArray();
        buffer = EventBuffer.Start(EventKind.Batch);
        buffer.WriteArrayHeader(2);
        buffer.WriteArrayHeader(2);
        buffer.Write((long)EventKind.FlushDb);
        buffer.Write(flushBody);
        buffer.WriteArrayHeader(2);
        buffer.Write((long)EventKind.Set);
        buffer.Write(setBody);
        Assert.True(EntryKeys.TryFirstKey((byte)EventKind.Batch, buffer.Body, out key));
        Assert.Equal("embedded", Text(key.ToArray()));
    }
}
