using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Keyspace;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

public class KeyTableTests
{
    [Fact]
    public void Behaves_like_a_dictionary_under_random_adds_and_removes()
    {
        var table = new KeyTable();
        var model = new Dictionary<string, long>();
        var random = new Random(5);
        for (int i = 0; i < 50_000; i++)
        {
            string key = "k" + random.Next(3000);
            if (random.Next(3) == 0)
            {
                Assert.Equal(model.Remove(key), table.Remove(Of(key), out _));
            }
            else
            {
                ref Entry entry = ref table.GetOrAdd(Of(key), out bool existed, out _);
                Assert.Equal(model.ContainsKey(key), existed);
                entry.ExpireAt = i;
                model[key] = i;
            }
        }
        Assert.Equal(model.Count, table.Count);
        foreach (var (key, value) in model) Assert.Equal(value, table.Find(Of(key)).ExpireAt);
        Assert.True(Unsafe.IsNullRef(ref table.Find(Of("absent"))));
    }

    [Fact]
    public void A_key_keeps_its_slot_index_while_the_table_grows_and_others_come_and_go()
    {
        var table = new KeyTable();
        table.GetOrAdd(Of("stay"), out _, out _);
        int index = Enumerable.Range(0, table.Capacity).Single(i => table.KeyAt(i) is { } k && Text(k) == "stay");
        for (int i = 0; i < 10_000; i++)
        {
            table.GetOrAdd(Of("x" + i), out _, out _);
            if (i % 3 == 0) table.Remove(Of("x" + (i / 2)), out _);
        }
        Assert.Equal("stay", Text(table.KeyAt(index)));
    }

    [Fact]
    public void A_sparse_table_shrinks_keeping_every_key_and_moving_keys_only_down()
    {
        var table = new KeyTable();
        for (int i = 0; i < 10_000; i++) table.GetOrAdd(Of("k" + i), out _, out _).ExpireAt = i;
        var random = new Random(3);
        var kept = Enumerable.Range(0, 10_000).Where(_ => random.Next(20) == 0).ToHashSet();
        for (int i = 0; i < 10_000; i++)
            if (!kept.Contains(i)) Assert.True(table.Remove(Of("k" + i), out _));
        var before = IndexOfEach(table);
        long bytes = table.Bytes;
        Assert.True(table.IsSparse);

        Assert.True(table.ShrinkIfSparse());
        Assert.False(table.ShrinkIfSparse());
        Assert.Equal(kept.Count, table.Count);
        Assert.True(table.Bytes * 4 <= bytes, $"{table.Bytes} bytes after, {bytes} before");
        var after = IndexOfEach(table);
        foreach (int i in kept)
        {
            Assert.Equal(i, table.Find(Of("k" + i)).ExpireAt);
            Assert.True(after["k" + i] <= before["k" + i]);
        }

        // And it goes on as a table: the dictionary model again, across growth.
        var model = kept.ToDictionary(i => "k" + i, i => (long)i);
        for (int i = 0; i < 20_000; i++)
        {
            string key = "k" + random.Next(12_000);
            if (random.Next(3) == 0) Assert.Equal(model.Remove(key), table.Remove(Of(key), out _));
            else
            {
                ref Entry entry = ref table.GetOrAdd(Of(key), out bool existed, out _);
                Assert.Equal(model.ContainsKey(key), existed);
                entry.ExpireAt = -i;
                model[key] = -i;
            }
        }
        Assert.Equal(model.Count, table.Count);
        foreach (var (key, value) in model) Assert.Equal(value, table.Find(Of(key)).ExpireAt);
    }

    private static Dictionary<string, int> IndexOfEach(KeyTable table) =>
        Enumerable.Range(0, table.Capacity).Where(i => table.KeyAt(i) != null).ToDictionary(i => Text(table.KeyAt(i)!), i => i);
}

public class ScanTests
{
    [Fact]
    public void Scan_returns_every_key_present_throughout_exactly_once_despite_churn()
    {
        using var logged = new LoggedStore(new ManualClock(DateTimeOffset.UnixEpoch.AddYears(56)));
        var store = logged.Store;
        var s = new Session();
        for (int i = 0; i < 2000; i++) store.Set(s, Of("stable" + i), Of("v"), SetCondition.Always, 0, false, out _);
        var seen = new List<string>();
        long cursor = 0;
        int calls = 0, churn = 0;
        do
        {
            var batch = new List<byte[]>();
            cursor = store.Scan(s, cursor, "*"u8, 37, null, batch);
            seen.AddRange(batch.Select(Text));
            // Keys come and go between calls: adds, deletes, growth of the tables.
            for (int j = 0; j < 50; j++) store.Set(s, Of("churn" + churn++), Of("v"), SetCondition.Always, 0, false, out _);
            store.Delete(s, Keys.Of("churn" + (churn / 2), "churn" + (churn / 3)), 0);
        } while (cursor != 0 && ++calls < 10_000);
        var stable = seen.Where(k => k.StartsWith("stable")).ToList();
        Assert.Equal(2000, stable.Count);
        Assert.Equal(2000, stable.Distinct().Count());
    }

    /// <summary>Tables that shrink between two calls move keys down, never up: a key present throughout is still
    /// returned (duplicates allowed, as in Redis).</summary>
    [Fact]
    public void Scan_returns_every_key_present_throughout_when_the_tables_shrink_in_between()
    {
        using var logged = new LoggedStore(new ManualClock(DateTimeOffset.UnixEpoch.AddYears(56)));
        var store = logged.Store;
        var s = new Session();
        // The stable keys in the middle of each table: above the size the tables shrink to, below where the scan is
        // when they do (it walks down from the top, shard after shard).
        for (int i = 0; i < 20_000; i++) store.Set(s, Of("bulk" + i), Of("v"), SetCondition.Always, 0, false, out _);
        for (int i = 0; i < 1000; i++) store.Set(s, Of("stable" + i), Of("v"), SetCondition.Always, 0, false, out _);
        for (int i = 20_000; i < 40_000; i++) store.Set(s, Of("bulk" + i), Of("v"), SetCondition.Always, 0, false, out _);
        var seen = new HashSet<string>();
        long cursor = 0;
        int calls = 0;
        do
        {
            var batch = new List<byte[]>();
            cursor = store.Scan(s, cursor, "*"u8, 500, null, batch);
            seen.UnionWith(batch.Select(Text));
            if (++calls == 11)
            {
                for (int i = 0; i < 40_000; i += 1000) store.Delete(s, Keys.Of(Enumerable.Range(i, 1000).Select(n => "bulk" + n).ToArray()), 0);
                Assert.True(store.ShrinkSparseTables() > 0);
            }
        } while (cursor != 0 && calls < 10_000);
        Assert.True(calls > 11, $"the scan ended after {calls} calls");
        Assert.Equal(1000, seen.Count(k => k.StartsWith("stable")));
    }
}

public class EvictionCandidateLookupTests
{
    private static int SlotOf(KeyTable table, string key)
        => Enumerable.Range(0, table.Capacity).Single(i => table.KeyAt(i) is { } k && Text(k) == key);

    [Fact]
    public void A_candidate_is_found_at_its_slot_and_a_moved_or_replaced_one_by_lookup_or_not_at_all()
    {
        var table = new KeyTable();
        for (int i = 0; i < 100; i++) table.GetOrAdd(Of("k" + i), out _, out _).ExpireAt = i;
        int slot = SlotOf(table, "k42");
        var key = table.KeyAt(slot)!;
        Assert.Equal(42, table.FindExact(key, slot).ExpireAt);
        Assert.Equal(42, table.FindExact(key, slot + 1).ExpireAt); // a wrong slot: found by lookup
        Assert.Equal(42, table.FindExact(key, -1).ExpireAt);

        // The table shrinks: entries move, the old slot is stale, the lookup still finds the key.
        for (int i = 0; i < 100; i++) if (i != 42) table.Remove(Of("k" + i), out _);
        Assert.True(table.ShrinkIfSparse());
        Assert.Equal(42, table.FindExact(key, slot).ExpireAt);

        // Deleted and added again: equal bytes, another array: the candidate is gone.
        table.Remove(Of("k42"), out _);
        table.GetOrAdd(Of("k42"), out _, out _);
        int again = SlotOf(table, "k42");
        Assert.True(Unsafe.IsNullRef(ref table.FindExact(key, again)));
    }
}

public class EvictionPoolTests
{
    private static readonly Database Db = new();

    [Fact]
    public void The_best_scores_are_kept_and_taken_best_first_with_their_slots()
    {
        var pool = new EvictionPool();
        var keys = Enumerable.Range(0, 40).Select(i => Of("k" + i)).ToArray();
        for (int i = 0; i < keys.Length; i++) pool.Offer(Db, keys[i], slot: i, score: (i * 7) % 40);
        pool.Offer(Db, keys[39], slot: 39, score: 1000); // already a candidate: not added twice
        Assert.Equal(EvictionPool.Size, pool.Count);

        var taken = new List<(int Slot, long Score)>();
        while (pool.TakeBest(out var db, out var key, out int slot, out long score))
        {
            Assert.Same(Db, db);
            Assert.Same(keys[slot], key);
            taken.Add((slot, score));
        }
        Assert.Equal(Enumerable.Range(24, 16).Reverse().Select(s => (long)s), taken.Select(t => t.Score));
        Assert.All(taken, t => Assert.Equal(t.Score, (t.Slot * 7) % 40));
        Assert.Equal(long.MinValue, pool.BestScore);
    }
}
