using HyperCache.StateMachine.Values;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>
/// used_memory (Store.UsedMemory, counted inside Apply) against an independent measure: the managed heap retained
/// after a full collection, around building many values of each type. The constants in MemorySize and the
/// per-structure sizes are what make these agree.
/// The heap is process-wide, so these run alone (no other test allocating meanwhile).
/// </summary>
[Collection(HeapMeasurement.Name)]
public class MemoryAccountingTests
{
    private const double Tolerance = 0.10;

    [Fact]
    public void Array_and_object_sizes_are_what_the_runtime_allocates()
    {
        foreach (int length in new[] { 0, 1, 7, 8, 9, 31, 100, 1000 })
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var array = new byte[length];
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            GC.KeepAlive(array);
            Assert.Equal(MemorySize.ByteArray(length), allocated);
        }
        long refsBefore = GC.GetAllocatedBytesForCurrentThread();
        var refs = new byte[10][];
        Assert.Equal(MemorySize.Array(10, MemorySize.Reference), GC.GetAllocatedBytesForCurrentThread() - refsBefore);
        GC.KeepAlive(refs);
        long objBefore = GC.GetAllocatedBytesForCurrentThread();
        var list = new ListValue();
        long listAllocated = GC.GetAllocatedBytesForCurrentThread() - objBefore;
        list.Resized();
        Assert.Equal(listAllocated, list.SizeBytes); // the object and its first items array
    }

    public static TheoryData<string> Types => ["string", "appended", "hash", "bighash", "list", "set", "bigset", "intset", "zset", "bigzset", "cuckoo", "stream", "stream-groups"];

    [Theory]
    [MemberData(nameof(Types))]
    public void Used_memory_tracks_the_retained_heap(string type)
    {
        var store = new Store(new StoreOptions { Shards = 8, KeyspaceFilter = false }, null);
        var session = new Session();
        Build(store, session, type, 0, 10); // warm up thread-static buffers outside the measurement
        long heapBefore = Heap(), usedBefore = store.UsedMemory;

        Build(store, session, type, 10, type == "string" ? 100_000 : type == "cuckoo" ? 300 : 2000);

        long heap = Heap() - heapBefore, used = store.UsedMemory - usedBefore;
        Assert.InRange(used, heap * (1 - Tolerance), heap * (1 + Tolerance));
        GC.KeepAlive(store);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Deleting_everything_gives_back_all_but_the_tables(string type)
    {
        var store = new Store(new StoreOptions { Shards = 8, KeyspaceFilter = false }, null);
        var session = new Session();
        long empty = store.UsedMemory;
        Build(store, session, type, 0, 500);
        Assert.True(store.UsedMemory > empty);
        var keys = Enumerable.Range(0, 500).Select(i => Of("k" + i)).ToArray();
        Assert.Equal(500, store.Delete(session, new Keys(keys), 0));
        // Key tables never shrink (slot indices are SCAN cursors): what is left is their arrays, 52 bytes a slot.
        Assert.InRange(store.UsedMemory - empty, 0, 8 * (128 * 52 + 200L));
    }

    /// <summary>After mutations that shrink, replace and move elements, the count still matches the heap.</summary>
    [Fact]
    public void Used_memory_tracks_the_retained_heap_after_mixed_mutations()
    {
        var store = new Store(new StoreOptions { Shards = 8, KeyspaceFilter = false }, null);
        var session = new Session();
        var random = new Random(5);
        Mutate(store, session, random, 200); // warm up
        long heapBefore = Heap(), usedBefore = store.UsedMemory;
        Mutate(store, session, random, 60_000);
        long heap = Heap() - heapBefore, used = store.UsedMemory - usedBefore;
        Assert.InRange(used, heap * (1 - Tolerance), heap * (1 + Tolerance));
        GC.KeepAlive(store);
    }

    private static void Mutate(Store store, Session session, Random random, int operations)
    {
        for (int n = 0; n < operations; n++)
        {
            int k = random.Next(400);
            string element = "e" + random.Next(300) + new string('p', random.Next(40));
            switch (random.Next(12))
            {
                case 0 or 1 or 2:
                    store.ListPush(session, Of("list" + k), Keys.Of(element, element + "x"), 0, (ListSide)random.Next(2), false); break;
                case 3: store.ListPop(session, Of("list" + k), (ListSide)random.Next(2), random.Next(1, 4)); break;
                case 4: store.ListTrim(session, Of("list" + k), random.Next(3), -random.Next(1, 4)); break;
                case 5: store.ListRemove(session, Of("list" + k), random.Next(-2, 3), Of(element)); break;
                case 6: store.HashSet(session, Of("hash" + k), Keys.Of("f" + random.Next(80), element), 0); break;
                case 7: store.HashDelete(session, Of("hash" + k), Keys.Of("f" + random.Next(80)), 0); break;
                case 8: store.SetAdd(session, Of("set" + k), Keys.Of(element), 0); break;
                case 9: store.SetRemove(session, Of("set" + k), Keys.Of(element), 0); break;
                case 10:
                    store.SortedSetAdd(session, Of("zset" + k), ZAddFlags.None, Keys.Of("s", element), 0, [random.Next(100)]); break;
                default: store.SortedSetRemove(session, Of("zset" + k), Keys.Of(element), 0); break;
            }
        }
    }

    [Fact]
    public void Used_memory_is_the_same_after_replay()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var logged = new LoggedStore(clock);
        var session = new Session();
        string[] types = ["string", "hash", "list", "set", "intset", "zset", "cuckoo", "stream", "stream-groups"];
        for (int db = 0; db < types.Length; db++)
        {
            session.Db = db; // one type per database: the same key names
            Build(logged.Store, session, types[db], 0, 300);
            for (int i = 0; i < 300; i += 3) logged.Store.Delete(session, new Keys(Of("k" + i)), 0);
        }
        var replayed = logged.Replay();
        // Sorted-set nodes have random heights (different on each side), so allow a little for them; without
        // sorted sets the two counts are equal to the byte.
        Assert.InRange(replayed.UsedMemory, logged.Store.UsedMemory * 0.99, logged.Store.UsedMemory * 1.01);
        session.Db = Array.IndexOf(types, "zset");
        logged.Store.FlushDb(session, session.Db);
        replayed = logged.Replay();
        Assert.Equal(logged.Store.UsedMemory, replayed.UsedMemory);
    }

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(true);
    }

    /// <summary>Keys k{from}..k{to-1}, each a value of the type with about 50 elements (the big hash 200, the big set and sorted set 300).</summary>
    internal static void Build(Store store, Session session, string type, int from, int to)
    {
        for (int i = from; i < to; i++)
        {
            var key = Of("k" + i);
            switch (type)
            {
                case "string":
                    store.Set(session, key, Of("value-" + i + new string('x', i % 40)), SetCondition.Always, 0, false, out _);
                    break;
                case "appended": // an APPEND-grown string holds spare room, which counts
                    store.Set(session, key, Of("value-" + i), SetCondition.Always, 0, false, out _);
                    for (int j = 0; j < i % 7 + 1; j++) store.Append(session, key, Of(new string('a', 10 + j)));
                    break;
                case "hash":
                    store.HashSet(session, key, Keys.Of(Enumerable.Range(0, 100).Select(j => j % 2 == 0 ? "field" + j : "value" + j * i).ToArray()), 0);
                    break;
                case "bighash": // past the packed form: a table
                    store.HashSet(session, key, Keys.Of(Enumerable.Range(0, 400).Select(j => j % 2 == 0 ? "field" + j : "value" + j * i).ToArray()), 0);
                    break;
                case "list":
                    store.ListPush(session, key, Keys.Of(Enumerable.Range(0, 50).Select(j => "element" + j).ToArray()), 0, ListSide.Right, false);
                    break;
                case "set":
                    store.SetAdd(session, key, Keys.Of(Enumerable.Range(0, 50).Select(j => "member" + j).ToArray()), 0);
                    break;
                case "bigset": // past the packed form: a table
                    store.SetAdd(session, key, Keys.Of(Enumerable.Range(0, 300).Select(j => "member" + j).ToArray()), 0);
                    break;
                case "intset":
                    store.SetAdd(session, key, Keys.Of(Enumerable.Range(0, 50).Select(j => (j * 7919).ToString()).ToArray()), 0);
                    break;
                case "zset":
                    var scores = Enumerable.Range(0, 50).Select(j => (double)j).ToArray();
                    var pairs = Keys.Of(Enumerable.Range(0, 50).SelectMany(j => new[] { "s", "member" + j }).ToArray());
                    store.SortedSetAdd(session, key, ZAddFlags.None, pairs, 0, scores);
                    break;
                case "bigzset": // a skiplist, with its member table
                    var bigScores = Enumerable.Range(0, 300).Select(j => (double)j).ToArray();
                    var bigPairs = Keys.Of(Enumerable.Range(0, 300).SelectMany(j => new[] { "s", "member" + j }).ToArray());
                    store.SortedSetAdd(session, key, ZAddFlags.None, bigPairs, 0, bigScores);
                    break;
                case "cuckoo":
                    store.CuckooReserve(session, key, 4096, 2, 20, 1);
                    break;
                case "stream": // 50 entries of two fields, one deleted from the middle
                    for (int j = 1; j <= 50; j++)
                        store.StreamAdd(session, key, false, StreamIdMode.Explicit, new StreamId((ulong)j, 1), default, Keys.Of("field", "value" + j, "n", j.ToString()), 0);
                    store.StreamDelete(session, key, Keys.Of("25-1"), 0);
                    break;
                case "stream-groups": // 50 entries, two groups; one read them all into two consumers' PELs, 10 acked
                    for (int j = 1; j <= 50; j++)
                        store.StreamAdd(session, key, false, StreamIdMode.Explicit, new StreamId((ulong)j, 1), default, Keys.Of("field", "value" + j), 0);
                    store.StreamGroupCreate(session, key, Of("group-a"), Of("0"), false, -1);
                    store.StreamGroupCreate(session, key, Of("group-b"), Of("$"), false, -1);
                    store.StreamReadGroup(session, Of("group-a"), Of("consumer-1"), new Keys(key, Of(">")), 0, 1, 25, false, false, out _);
                    store.StreamReadGroup(session, Of("group-a"), Of("consumer-2"), new Keys(key, Of(">")), 0, 1, 0, false, false, out _);
                    store.StreamAcknowledge(session, key, Of("group-a"), Enumerable.Range(1, 10).Select(j => new StreamId((ulong)j, 1)).ToArray());
                    break;
            }
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapMeasurement
{
    public const string Name = "heap measurement";
}
