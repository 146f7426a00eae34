using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>MEMORY STATS' per-database split and MEMORY USAGE (<see cref="Store.KeyBytes"/>) against used_memory.</summary>
public class MemoryStatsTests
{
    [Fact]
    public void Databases_add_up_to_used_memory_and_split_tables_from_data()
    {
        var store = new Store(new StoreOptions { Shards = 8, KeyspaceFilter = false }, null);
        var session = new Session();
        for (int i = 0; i < 300; i++) store.Set(session, Of("k" + i), Of(new string('v', 100)), SetCondition.Always, 0, false, out _);
        for (int i = 0; i < 40; i++) store.Expire(session, Of("k" + i), long.MaxValue / 2, ExpireCondition.None);
        session.Db = 3;
        store.Set(session, Of("other"), Of("v"), SetCondition.Always, 0, false, out _);

        var dbs = store.MemoryByDatabase();
        Assert.Equal([0, 3], dbs.Select(d => d.Db));
        Assert.Equal(store.UsedMemory, dbs.Sum(d => d.Bytes));
        Assert.Equal(300, dbs[0].Keys);
        Assert.Equal(40, dbs[0].Volatile);
        Assert.True(dbs[0].VolatileBytes >= 40 * 8);
        // Keys and values (what is not table): at least each key's and value's array.
        Assert.True(dbs[0].Bytes - dbs[0].TableBytes - dbs[0].VolatileBytes >= 300 * (24 + 100 + 24 + 2));
    }

    [Fact]
    public void Key_bytes_is_what_deleting_the_key_gives_back_plus_its_slot()
    {
        var store = new Store(new StoreOptions { Shards = 8, KeyspaceFilter = false }, null);
        var session = new Session();
        store.Set(session, Of("big"), Of(new string('v', 5000)), SetCondition.Always, 0, false, out _);
        long bytes = store.KeyBytes(session, Of("big"))!.Value, before = store.UsedMemory;
        Assert.Equal(1, store.Delete(session, Keys.Of("big"), 0));
        Assert.Equal(bytes - 52, before - store.UsedMemory);
        Assert.Null(store.KeyBytes(session, Of("big")));
    }
}
