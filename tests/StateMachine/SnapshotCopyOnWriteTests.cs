using System.IO.Hashing;
using HyperCache.StateMachine.Snapshots;
using HyperCache.StateMachine.Values;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>
/// Snapshots capture collections copy-on-write: the capture shares them, a write during the cut works on a copy, so
/// the snapshot writer reads every collection as it was at the capture, and collections nobody writes are never
/// copied.
/// </summary>
public sealed class SnapshotCopyOnWriteTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("hc-cow-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static readonly string[] Types = ["list", "hash", "set", "zset", "cuckoo", "stream"];

    /// <summary>One random write to a collection key "type:n" (n below <paramref name="keys"/>), through the
    /// commands: every kind of collection event, and keys moved, copied and deleted.</summary>
    private static void CollectionWrite(Store store, Session session, Random random, int keys, int i)
    {
        string type = Types[random.Next(Types.Length)];
        string Key() => type + ":" + random.Next(keys);
        string Element() => "e" + random.Next(60);
        try
        {
            switch (type, random.Next(6))
            {
                case ("list", 0 or 1): store.ListPush(session, Of(Key()), Keys.Of(Element(), Element()), 0, (ListSide)random.Next(2), false); break;
                case ("list", 2): store.ListPop(session, Of(Key()), (ListSide)random.Next(2), random.Next(1, 3)); break;
                case ("list", 3): store.ListSet(session, Of(Key()), Of(random.Next(-3, 3).ToString()), Of("set" + i)); break;
                case ("list", 4): store.ListInsert(session, Of(Key()), random.Next(2) == 0, Of(Element()), Of("ins" + i)); break;
                case ("list", _): store.ListMove(session, Of(Key()), Of(Key()), (ListSide)random.Next(2), (ListSide)random.Next(2)); break;
                case ("hash", 0 or 1 or 2): store.HashSet(session, Of(Key()), Keys.Of("f" + random.Next(40), "v" + i), 0); break;
                case ("hash", 3): store.HashDelete(session, Of(Key()), Keys.Of("f" + random.Next(40)), 0); break;
                case ("hash", _): store.HashIncrementBy(session, Of(Key()), Of("n"), random.Next(-5, 6)); break;
                case ("set", 0 or 1 or 2): store.SetAdd(session, Of(Key()), Keys.Of(Element(), random.Next(1000).ToString()), 0); break;
                case ("set", 3): store.SetRemove(session, Of(Key()), Keys.Of(Element()), 0); break;
                case ("set", 4): store.SetPop(session, Of(Key())); break;
                case ("set", _): store.SetMove(session, Of(Key()), Of(Key()), Of(Element())); break;
                case ("zset", 0 or 1 or 2): store.SortedSetAdd(session, Of(Key()), ZAddFlags.None, Keys.Of("s", Element()), 0, [random.Next(100)]); break;
                case ("zset", 3): store.SortedSetRemove(session, Of(Key()), Keys.Of(Element()), 0); break;
                case ("zset", 4): store.SortedSetRemoveRangeByRank(session, Of(Key()), 0, random.Next(2)); break;
                case ("zset", _): store.SortedSetPop(session, Of(Key()), random.Next(2) == 0, 1); break;
                case ("cuckoo", 0 or 1 or 2 or 3):
                    store.CuckooInsert(session, Of(Key()), [CuckooFilter.Hash(Of(Element()))], false, 64, new CuckooInsertResult[1]); break;
                case ("cuckoo", _): store.CuckooDelete(session, Of(Key()), CuckooFilter.Hash(Of(Element()))); break;
                case ("stream", 0 or 1 or 2):
                    store.StreamAdd(session, Of(Key()), false, StreamIdMode.AutoSeq, new StreamId((ulong)i, 0), default, Keys.Of("f", Element()), 0); break;
                case ("stream", 3): store.StreamDelete(session, Of(Key()), Keys.Of($"{random.Next(i + 1)}-0"), 0); break;
                case ("stream", _):
                    store.StreamTrimEntries(session, Of(Key()), new StreamTrim(StreamTrimStrategy.MaxLength, random.Next(10), default, 0)); break;
            }
            if (random.Next(50) == 0) store.Rename(session, Of(Key()), Of(Key()), false);
            else if (random.Next(50) == 0) store.Copy(session, Of(Key()), Of(Key()), session.Db, true);
            else if (random.Next(80) == 0) store.Delete(session, Keys.Of(Key()), 0);
        }
        catch (CommandError)
        {
        }
    }

    private static Store Filled(LoggedStore logged, int keys)
    {
        var random = new Random(7);
        var session = new Session();
        for (int i = 0; i < 20_000; i++) CollectionWrite(logged.Store, session, random, keys, i);
        return logged.Store;
    }

    private static ulong DigestOf(CollectionValue value)
    {
        var hash = new XxHash3();
        value.AppendDigest(hash);
        return hash.GetCurrentHashAsUInt64();
    }

    private static List<CapturedKey> CaptureAll(Store store, SnapshotCut cut)
        => Enumerable.Range(0, store.ShardCount).SelectMany(i => store.TakeCapture(cut, i).Keys).ToList();

    [Fact]
    public void Captured_collections_stay_as_captured_while_writes_go_on_and_unwritten_ones_are_not_copied()
    {
        using var logged = new LoggedStore(new ManualClock(T0), shards: 4);
        var store = Filled(logged, keys: 40);
        var cut = new SnapshotCut(store, () => 0);
        store.BeginCut(cut);
        List<CapturedKey> captured;
        Dictionary<CollectionValue, ulong> before;
        try
        {
            captured = CaptureAll(store, cut);
            before = new Dictionary<CollectionValue, ulong>(ReferenceEqualityComparer.Instance);
            foreach (var value in captured.Select(k => k.Value).OfType<CollectionValue>()) before[value] = DigestOf(value);
            Assert.True(before.Count > 100, $"only {before.Count} collections captured");
            ulong liveBefore = store.Digest();

            // Writes to the first half of the keys only: every kind of event, on the captured values.
            var random = new Random(11);
            var session = new Session();
            for (int i = 0; i < 20_000; i++) CollectionWrite(store, session, random, keys: 20, i);
            Assert.NotEqual(liveBefore, store.Digest());

            foreach (var (value, digest) in before)
                Assert.True(digest == DigestOf(value), $"a captured {value.TypeName} changed during the cut");
        }
        finally
        {
            store.EndCut(cut);
        }

        // The next cut finds the keys nobody wrote holding the very objects captured before, and the written ones
        // holding copies.
        var next = new SnapshotCut(store, () => 0);
        store.BeginCut(next);
        try
        {
            var now = CaptureAll(store, next).ToDictionary(k => (k.Db, Text(k.Key)), k => k.Value);
            int shared = 0, copied = 0;
            foreach (var key in captured)
            {
                if (key.Value is not CollectionValue || !now.TryGetValue((key.Db, Text(key.Key)), out var value)) continue;
                int n = int.Parse(Text(key.Key).Split(':')[1]);
                if (n >= 20) { Assert.Same(key.Value, value); shared++; }
                else if (!ReferenceEquals(key.Value, value)) copied++;
            }
            Assert.True(shared > 50, $"{shared} untouched collections");
            Assert.True(copied > 50, $"{copied} written collections copied");
        }
        finally
        {
            store.EndCut(next);
        }
    }

    [Fact]
    public void A_collection_is_copied_only_while_its_capture_is_being_written_out()
    {
        using var logged = new LoggedStore(new ManualClock(T0), shards: 1);
        var store = logged.Store;
        var session = new Session();
        store.ListPush(session, Of("l"), Keys.Of("a", "b"), 0, ListSide.Right, false);

        // Written out already (token released): the write changes the captured list itself.
        var first = new SnapshotCut(store, () => 0);
        store.BeginCut(first);
        var list = (ListValue)store.TakeCapture(first, 0).Keys.Single().Value;
        first.ReleaseAll();
        store.ListPush(session, Of("l"), Keys.Of("c"), 0, ListSide.Right, false);
        Assert.Equal(3, list.Length);
        store.EndCut(first);

        // Still being written out: the write goes to a copy, the capture keeps its three elements.
        var second = new SnapshotCut(store, () => 0);
        store.BeginCut(second);
        try
        {
            Assert.Same(list, store.TakeCapture(second, 0).Keys.Single().Value);
            store.ListPush(session, Of("l"), Keys.Of("d"), 0, ListSide.Right, false);
            Assert.Equal(3, list.Length);
            Assert.Equal(4, store.ListLength(session, Of("l")));
        }
        finally
        {
            store.EndCut(second);
        }
    }

    [Fact]
    public void Capturing_copies_no_collection()
    {
        var store = new Store(new StoreOptions { Shards = 8 }, null);
        var session = new Session();
        for (int k = 0; k < 20; k++)
        {
            store.HashSet(session, Of("h" + k), Keys.Of(Enumerable.Range(0, 5_000).SelectMany(j => new[] { "f" + j, "value" + j }).ToArray()), 0);
            store.SortedSetAdd(session, Of("z" + k), ZAddFlags.None, Keys.Of(Enumerable.Range(0, 5_000).SelectMany(j => new[] { "s", "m" + j }).ToArray()),
                0, Enumerable.Range(0, 5_000).Select(j => (double)j).ToArray());
        }
        var cut = new SnapshotCut(store, () => 0);
        store.BeginCut(cut);
        try
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < store.ShardCount; i++) store.TakeCapture(cut, i);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            // A list entry per key, nothing per element (cloning them all was the size of the data, ~27 MB here).
            // Counted on this thread only: other tests run alongside in this process.
            Assert.InRange(allocated, 0, store.UsedMemory / 100);
        }
        finally
        {
            store.EndCut(cut);
        }
    }

    [Fact]
    public async Task Snapshots_taken_while_collections_are_written_rebuild_the_live_state()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = Filled(logged, keys: 200);
        var stop = 0;
        var writers = Enumerable.Range(0, 3).Select(w => Task.Factory.StartNew(() =>
        {
            var random = new Random(100 + w);
            var session = new Session();
            for (int i = 0; Volatile.Read(ref stop) == 0; i++) CollectionWrite(store, session, random, keys: 200, i);
        }, TaskCreationOptions.LongRunning)).ToArray();

        var paths = new List<string>();
        try
        {
            for (int n = 0; n < 6; n++)
            {
                long tail = logged.Log.TailAddress; // writers make progress between snapshots (a condition, not a sleep)
                Assert.True(SpinWait.SpinUntil(() => logged.Log.TailAddress > tail + 20_000, TimeSpan.FromSeconds(30)));
                string path = Path.Combine(_dir, $"s{n}.hcs");
                SnapshotWriter.Write(store, path, "t", logged.Log);
                paths.Add(path);
            }
        }
        finally
        {
            Volatile.Write(ref stop, 1);
            await Task.WhenAll(writers);
        }
        logged.Log.Commit();

        foreach (var path in paths)
        {
            // Each snapshot is exactly the state at the addresses it covers: load it, replay the log up to where the
            // last shard was captured, compare with the log alone replayed that far; then on to the end.
            long until = SnapshotFile.ReadHeader(path).MaxCovered;
            var reference = new Store(logged.Options, null);
            logged.Log.Scan(logged.Log.BeginAddress, until, reference);
            Assert.Equal(reference.Digest(), Rebuild(logged, path, until));
            Assert.Equal(store.Digest(), Rebuild(logged, path, -1));
        }
    }

    private static ulong Rebuild(LoggedStore logged, string path, long until)
    {
        var store = new Store(logged.Options, null);
        var header = SnapshotFile.Load(path, store);
        var scan = logged.Log.Scan(logged.Log.BeginAddress, -1, new SnapshotReplay(store, header, untilAddress: until));
        Assert.True(scan.Clean, scan.Problem);
        return store.Digest();
    }

    private static string Text(byte[] bytes) => System.Text.Encoding.UTF8.GetString(bytes);
}
