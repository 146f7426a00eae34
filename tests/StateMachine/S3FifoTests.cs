using HyperCache.StateMachine.Keyspace;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>S3-FIFO's small, main and ghost queues on a key table as the store uses them.</summary>
public class S3FifoTests
{
    private readonly KeyTable _table = new();
    private readonly S3Fifo _fifo = new();

    private void Add(string key)
    {
        ref Entry entry = ref _table.GetOrAdd(Of(key), out _, out var stored);
        _fifo.Insert(stored, ref entry, _table);
    }

    private void Hit(string key)
    {
        ref Entry entry = ref _table.Find(Of(key));
        entry.Access = AccessBits.S3Hit(entry.Access);
    }

    private bool InMain(string key) => AccessBits.S3InMain(_table.Find(Of(key)).Access);

    private string? Evict()
    {
        var key = _fifo.Evict(_table);
        if (key is null) return null;
        _table.Remove(key, out var removed);
        _fifo.Forget(removed.Access);
        return Text(key);
    }

    [Fact]
    public void Unhit_keys_leave_from_the_small_queue_in_order_and_hit_ones_move_to_main()
    {
        foreach (var k in new[] { "a", "b", "c", "d" }) Add(k);
        Hit("b");
        Assert.Equal("a", Evict());
        Assert.Equal("c", Evict());     // b was hit: promoted to main, not evicted
        Assert.True(InMain("b"));
        Assert.Equal(1, _fifo.MainCount);
        Assert.Equal(1, _fifo.SmallCount);
    }

    [Fact]
    public void A_key_evicted_from_small_comes_back_into_main_through_the_ghost()
    {
        foreach (var k in new[] { "a", "b", "c" }) Add(k);
        Assert.Equal("a", Evict());
        Add("a");                        // re-requested soon after its eviction
        Assert.True(InMain("a"));
        Add("new");
        Assert.False(InMain("new"));
    }

    [Fact]
    public void Main_reinserts_keys_with_hits_and_evicts_at_zero()
    {
        foreach (var k in new[] { "x", "y" }) Add(k);
        Hit("x"); Hit("y");
        // Small holds both; evicting promotes both to main, then main evicts the one whose hits run out first.
        for (int i = 0; i < 20; i++) Add("s" + i);
        Hit("x"); Hit("x"); Hit("x");
        var evicted = new List<string>();
        while (Evict() is { } key) evicted.Add(key);
        Assert.Equal(22, evicted.Count);
        Assert.True(evicted.IndexOf("y") < evicted.IndexOf("x"), string.Join(",", evicted));
        Assert.Equal(0, _fifo.SmallCount + _fifo.MainCount);
    }

    [Fact]
    public void A_re_read_working_set_survives_one_hit_wonders()
    {
        // A cache of 100 keys: a working set of 60 that is re-read, 40 keys read never.
        for (int i = 0; i < 60; i++) Add("hot" + i);
        for (int i = 0; i < 40; i++) Add("filler" + i);
        for (int round = 0; round < 50; round++)
        {
            for (int i = 0; i < 60; i++)
                if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref _table.Find(Of("hot" + i)))) Hit("hot" + i);
            for (int i = 0; i < 20; i++) Add($"once{round}:{i}");
            for (int i = 0; i < 20; i++) Evict();
        }
        int hot = Enumerable.Range(0, 60).Count(i => !System.Runtime.CompilerServices.Unsafe.IsNullRef(ref _table.Find(Of("hot" + i))));
        Assert.Equal(60, hot);
        Assert.Equal(0, Enumerable.Range(0, 40).Count(i => !System.Runtime.CompilerServices.Unsafe.IsNullRef(ref _table.Find(Of("filler" + i)))));
    }
}
