using System.Text;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Snapshots;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>Function libraries as state-machine data: each change is one logged event of its own kind, applied the
/// same way live, on replay (serial and parallel), from a snapshot plus the log's tail, and on a replica; the digest
/// covers them; FLUSHALL leaves them alone; FUNCTION events inside a transaction join its entry.</summary>
public sealed class FunctionLibraryTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("hc-fn-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] Code(string name, int version) => Encoding.UTF8.GetBytes($"#!lua name={name}\n-- v{version}\n");

    private static Dictionary<string, string> Libraries(Store store) =>
        store.Libraries.ToDictionary(l => l.Key, l => Encoding.UTF8.GetString(l.Value));

    /// <summary>A random sequence of library changes interleaved with key writes (and FLUSHALL).</summary>
    private static void RandomWork(Store store, Session session, Random random, int steps)
    {
        for (int i = 0; i < steps; i++)
        {
            string name = "lib" + random.Next(6);
            switch (random.Next(10))
            {
                case < 3: store.FunctionLoad(session, name, Code(name, i)); break;
                case 3: if (store.Libraries.ContainsKey(name)) store.FunctionDelete(session, name); break;
                case 4: if (random.Next(4) == 0) store.FunctionFlush(session); break;
                case 5:
                    store.FunctionRestore(session, flush: random.Next(2) == 0,
                        [new(name, Code(name, -i)), new("r" + random.Next(3), Code("r", i))]);
                    break;
                case 6: if (random.Next(5) == 0) store.FlushAll(session); break;
                default: store.Set(session, Of("k" + random.Next(50)), Of("v" + i), SetCondition.Always, 0, false, out _); break;
            }
        }
    }

    [Fact]
    public void Each_change_is_one_event_of_its_kind_and_flushall_keeps_libraries()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = logged.Store;
        var session = new Session();
        ulong empty = store.Digest();
        store.FunctionLoad(session, "a", Code("a", 1));
        store.FunctionLoad(session, "b", Code("b", 1));
        Assert.NotEqual(empty, store.Digest()); // the digest covers libraries
        store.FunctionLoad(session, "a", Code("a", 2));
        store.FunctionDelete(session, "b");
        store.FlushAll(session);
        Assert.Equal(new Dictionary<string, string> { ["a"] = Encoding.UTF8.GetString(Code("a", 2)) }, Libraries(store));
        store.FunctionRestore(session, flush: false, [new("c", Code("c", 1))]);
        store.FunctionFlush(session);
        Assert.Empty(store.Libraries);
        Assert.Equal(empty, store.Digest());
        store.FunctionRestore(session, flush: true, [new("d", Code("d", 1)), new("e", Code("e", 1))]);
        Assert.Equal(["d", "e"], store.Libraries.Keys);

        var kinds = logged.EntryKinds().Select(e => (EventKind)e.Kind).ToList();
        Assert.Equal(
        [
            EventKind.FunctionLoad, EventKind.FunctionLoad, EventKind.FunctionLoad, EventKind.FunctionDelete, EventKind.FlushAll,
            EventKind.FunctionRestore, EventKind.FunctionFlush, EventKind.FunctionRestore,
        ], kinds);
        Assert.Equal(160, (int)EventKind.FunctionLoad); // on disk: never renumbered
        Assert.Equal(163, (int)EventKind.FunctionRestore);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Replay_serial_and_parallel_rebuilds_the_libraries(int seed)
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        RandomWork(logged.Store, new Session(), new Random(seed), 2000);
        Assert.NotEmpty(logged.Store.Libraries);
        var replayed = logged.Replay(shards: 4);
        Assert.Equal(Libraries(logged.Store), Libraries(replayed));
        Assert.Equal(logged.Store.Digest(), replayed.Digest());
        var parallel = logged.ReplayInParallel(shards: 16, workers: 2);
        Assert.Equal(Libraries(logged.Store), Libraries(parallel));
        Assert.Equal(logged.Store.Digest(), parallel.Digest());
    }

    [Theory]
    [InlineData(8)]
    [InlineData(1)]
    public void A_snapshot_carries_the_libraries_and_its_tail_replays_on_top(int loadShards)
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var session = new Session();
        var random = new Random(7);
        RandomWork(logged.Store, session, random, 1000);
        logged.Store.FunctionLoad(session, "kept", Code("kept", 1));
        var atSnapshot = Libraries(logged.Store);
        string path = Path.Combine(_dir, "f.hcs");
        var header = SnapshotWriter.Write(logged.Store, path, "t", logged.Log);
        RandomWork(logged.Store, session, random, 1000);
        logged.Store.FunctionFlush(session);
        logged.Store.FunctionLoad(session, "after", Code("after", 1));
        logged.Log.Commit();

        var loaded = new Store(logged.Options with { Shards = loadShards }, null);
        SnapshotFile.Load(path, loaded);
        Assert.Equal(atSnapshot, Libraries(loaded));

        var rebuilt = new Store(logged.Options with { Shards = loadShards }, null);
        var replay = new SnapshotReplay(rebuilt, SnapshotFile.Load(path, rebuilt));
        Assert.True(logged.Log.Scan(logged.Log.BeginAddress, -1, replay).Clean);
        Assert.Equal(Libraries(logged.Store), Libraries(rebuilt));
        Assert.Equal(logged.Store.Digest(), rebuilt.Digest());
        Assert.True(header.Shards[0].Events >= atSnapshot.Count); // the libraries are shard 0's records
    }

    [Fact]
    public async Task Snapshots_taken_while_libraries_change_rebuild_the_live_state()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var filler = new Session { Db = 3 };
        for (int i = 0; i < 50_000; i++) logged.Store.Set(filler, Of("filler" + i), Of("f"), SetCondition.Always, 0, false, out _);
        int stop = 0;
        var writer = Task.Factory.StartNew(() =>
        {
            var random = new Random(11);
            var session = new Session();
            while (Volatile.Read(ref stop) == 0) RandomWork(logged.Store, session, random, 50);
        }, TaskCreationOptions.LongRunning);
        var paths = new List<string>();
        for (int n = 0; n < 5; n++)
        {
            long tail = logged.Log.TailAddress;
            Assert.True(SpinWait.SpinUntil(() => logged.Log.TailAddress > tail + 2_000, TimeSpan.FromSeconds(30)));
            string path = Path.Combine(_dir, $"c{n}.hcs");
            SnapshotWriter.Write(logged.Store, path, "t", logged.Log);
            paths.Add(path);
        }
        Volatile.Write(ref stop, 1);
        await writer;
        logged.Log.Commit();
        foreach (var path in paths)
        {
            var rebuilt = new Store(logged.Options, null);
            var replay = new SnapshotReplay(rebuilt, SnapshotFile.Load(path, rebuilt));
            Assert.True(logged.Log.Scan(logged.Log.BeginAddress, -1, replay).Clean);
            Assert.Equal(Libraries(logged.Store), Libraries(rebuilt));
            Assert.Equal(logged.Store.Digest(), rebuilt.Digest());
        }
    }

    [Fact]
    public void A_replica_applying_the_shipped_log_gets_the_libraries()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        RandomWork(logged.Store, new Session(), new Random(3), 1500);
        var replica = new Store(logged.Options, null);
        var shipped = logged.Shipped();
        for (int i = 0; i < shipped.Count; i += 17)
            replica.ApplyReplicated(shipped.Skip(i).Take(17).Select(e => e.Entry).ToList(), null);
        Assert.Equal(Libraries(logged.Store), Libraries(replica));
        Assert.Equal(logged.Store.Digest(), replica.Digest());
    }

    [Fact]
    public void Library_events_inside_a_transaction_join_its_entry()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var session = new Session();
        logged.Store.RunTransaction(session, () =>
        {
            logged.Store.FunctionLoad(session, "t", Code("t", 1));
            logged.Store.Set(session, Of("k"), Of("v"), SetCondition.Always, 0, false, out _);
        });
        Assert.Equal([EventKind.Batch], logged.EntryKinds().Select(e => (EventKind)e.Kind));
        Assert.Equal(Libraries(logged.Store), Libraries(logged.Replay()));
    }
}
