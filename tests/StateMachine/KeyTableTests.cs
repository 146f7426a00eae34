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
}
