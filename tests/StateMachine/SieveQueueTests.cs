using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Keyspace;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>SIEVE's hand, visited bits and queue maintenance, on a key table as the store uses them.</summary>
public class SieveQueueTests
{
    private readonly KeyTable _table = new();
    private readonly SieveQueue _queue = new();

    private void Add(string key)
    {
        _table.GetOrAdd(Of(key), out _, out var stored);
        _queue.Push(stored, _table);
    }

    private void Visit(string key) => _table.Find(Of(key)).Access |= AccessBits.Visited;

    private string? Evict()
    {
        var key = _queue.Evict(_table);
        if (key is null) return null;
        _table.Remove(key, out _);
        _queue.Forget();
        return Text(key);
    }

    [Fact]
    public void The_hand_skips_visited_keys_once_and_evicts_the_first_unvisited()
    {
        foreach (var k in new[] { "a", "b", "c", "d", "e" }) Add(k);
        Visit("b");
        Visit("d");
        Assert.Equal("a", Evict());
        Assert.Equal("c", Evict());      // b was visited: it keeps its place and loses the bit
        Assert.Equal("e", Evict());      // same for d
        Assert.Equal("b", Evict());      // the hand wrapped to the oldest
        Assert.Equal("d", Evict());
        Assert.Null(Evict());
    }

    [Fact]
    public void A_new_key_goes_behind_the_hand_and_a_key_deleted_elsewhere_is_skipped()
    {
        foreach (var k in new[] { "a", "b", "c" }) Add(k);
        Visit("a");
        Assert.Equal("b", Evict());      // hand now after b
        Add("new");                      // at the new end
        _table.Remove(Of("c"), out _);   // deleted by DEL, still queued
        _queue.Forget();
        Add("c");                        // a new incarnation of c: the old place must not evict it early
        // The hand passes the old c's place (deleted: skipped), then evicts in queue order; a lost its bit before.
        Assert.Equal("new", Evict());
        Assert.Equal("c", Evict());
        Assert.Equal("a", Evict());
        Assert.Null(Evict());
    }

    [Fact]
    public void Order_survives_compaction_of_many_holes()
    {
        for (int i = 0; i < 1000; i++) Add("k" + i);
        for (int i = 0; i < 1000; i += 2) { _table.Remove(Of("k" + i), out _); _queue.Forget(); }
        for (int i = 1000; i < 3000; i++) Add("k" + i);   // forces the array to fill and compact
        Assert.True(_queue.Length <= 4096);
        var order = new List<int>();
        while (Evict() is { } key) order.Add(int.Parse(key[1..]));
        Assert.Equal(2500, order.Count);
        Assert.Equal(order.OrderBy(x => x), order);           // nothing visited: pure insertion order
        Assert.DoesNotContain(order, x => x < 1000 && x % 2 == 0);
    }

    [Fact]
    public void One_hit_wonders_go_before_a_working_set_that_is_re_read()
    {
        for (int i = 0; i < 100; i++) Add("hot" + i);
        for (int round = 0; round < 50; round++)
        {
            for (int i = 0; i < 100; i++) if (!Unsafe.IsNullRef(ref _table.Find(Of("hot" + i)))) Visit("hot" + i);
            for (int i = 0; i < 20; i++) Add($"once{round}:{i}");
            for (int i = 0; i < 20; i++) Evict();   // the cache stays at its size
        }
        int hot = Enumerable.Range(0, 100).Count(i => !Unsafe.IsNullRef(ref _table.Find(Of("hot" + i))));
        Assert.Equal(100, hot);
    }
}
