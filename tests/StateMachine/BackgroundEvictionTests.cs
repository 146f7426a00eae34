using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>
/// The background eviction pass (<see cref="Store.EvictInBackground"/>, run 10 times a second by the node): from
/// the panic line up, it leaves as much room as writes used since the previous pass (counting what they evicted
/// for themselves), never going below just under the panic line, and evicts nothing while no write adds bytes.
/// </summary>
public class BackgroundEvictionTests
{
    private const long Limit = 1 << 20;
    private readonly Store _store;
    private readonly Session _session = new();
    private int _next;

    public BackgroundEvictionTests()
    {
        _store = new Store(new StoreOptions { Shards = 8, Time = new ManualClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)) }, null);
        _store.ConfigureMemory(new MemorySettings { MaxMemory = Limit, Policy = EvictionPolicy.AllKeysS3Fifo });
    }

    private long PanicLine => (long)(Limit * _store.Memory.PanicRatio);

    /// <summary>New keys written as a client would (room made first, which may evict); returns the bytes written.</summary>
    private long Write(int keys)
    {
        for (int i = 0; i < keys; i++)
        {
            Assert.True(_store.MakeRoom());
            _store.Set(_session, Of("k:" + _next++), new byte[200], SetCondition.Always, 0, false, out _);
        }
        return keys * KeyBytes;
    }

    /// <summary>What one such key costs in the store's accounting (key, 200-byte value, entry).</summary>
    private long KeyBytes => _store.KeyBytes(_session, Of("k:0")) ?? _store.KeyBytes(_session, Of("k:" + (_next - 1)))!.Value;

    /// <summary>Fills to just under the limit, then lets a pass settle (it sees the whole fill as growth: the node's
    /// loop has made a first pass, on the empty store, before the writes).</summary>
    private void FillAndSettle()
    {
        Assert.Equal(0, _store.EvictInBackground());
        while (_store.UsedMemory < Limit - 2_000) Write(1);
        while (_store.EvictInBackground() > 0) { }
        Assert.True(_store.UsedMemory < PanicLine);
    }

    [Fact]
    public void The_first_pass_after_a_recovery_keeps_a_full_cache_as_it_was()
    {
        // What a recovery loaded (here: writes before the loop's first pass) is not growth: a restarted node with a
        // cache between the panic line and maxmemory serves it as it was, as Redis does, instead of evicting down
        // to the panic line before any write.
        while (_store.UsedMemory < Limit - 2_000) Write(1);
        Assert.True(_store.UsedMemory > PanicLine);
        long keys = _store.DbSize(0);
        Assert.Equal(0, _store.EvictInBackground());
        Assert.Equal(0, _store.EvictInBackground());
        Assert.Equal(keys, _store.DbSize(0));
        Write(40);                                  // then writes are growth again, and make room as before
        Assert.True(_store.EvictInBackground() > 0);
    }

    [Fact]
    public void Steady_writes_leave_the_cache_as_full_as_one_period_of_writes_allows()
    {
        FillAndSettle();
        int passesThatEvicted = 0;
        for (int period = 0; period < 20; period++)
        {
            long start = _store.UsedMemory;
            Write(40);                              // ~10 KB a period, a fifth of the panic band
            long before = _store.UsedMemory, written = before - start;
            if (_store.EvictInBackground() > 0) passesThatEvicted++;
            long after = _store.UsedMemory;
            // Room for one more period of writes is left, and not more: never down to the panic line.
            Assert.True(after <= Limit - written + 2 * KeyBytes, $"period {period}: {after} bytes after the pass");
            Assert.True(after == before || after >= Limit - written - 2 * KeyBytes, $"period {period}: evicted from {before} to {after}");
        }
        Assert.True(passesThatEvicted >= 10, $"{passesThatEvicted} passes evicted");
        Assert.True(_store.UsedMemory > PanicLine + 30_000, $"used {_store.UsedMemory}, panic line {PanicLine}");
    }

    [Fact]
    public void The_room_follows_a_rising_write_rate_even_when_writes_had_to_evict_for_themselves()
    {
        FillAndSettle();
        long start = _store.UsedMemory;
        Write(10);
        long perKey = (_store.UsedMemory - start) / 10;  // room is left: no eviction yet
        for (int period = 0; period < 30; period++)
        {
            Write(10);                              // a quiet spell: ~2.5 KB a period
            _store.EvictInBackground();
        }
        Assert.True(_store.UsedMemory > Limit - 4_000, $"used {_store.UsedMemory}");
        long evictedBefore = _store.EvictedKeys;
        Write(100);                                 // ~25 KB: far more than the room left, so writes evict
        Assert.True(_store.EvictedKeys > evictedBefore);
        _store.EvictInBackground();
        // The pass counts what the writes freed themselves: it leaves room for another ~25 KB, not ~2.5 KB.
        Assert.InRange(_store.UsedMemory, Limit - 100 * perKey - 2_000, Limit - 100 * perKey + 2_000);
    }

    [Fact]
    public void Without_writes_since_the_previous_pass_nothing_is_evicted()
    {
        FillAndSettle();
        Write(150);
        Assert.True(_store.UsedMemory >= PanicLine);
        while (_store.EvictInBackground() > 0) { }
        long settled = _store.UsedMemory, evicted = _store.EvictedKeys;
        Assert.True(settled >= PanicLine);         // a full cache stays full while nothing is written
        for (int i = 0; i < 3; i++) Assert.Equal(0, _store.EvictInBackground());
        Assert.Equal(settled, _store.UsedMemory);
        Assert.Equal(evicted, _store.EvictedKeys);
    }

    [Fact]
    public void A_burst_larger_than_the_panic_band_is_evicted_down_to_just_under_the_panic_line()
    {
        FillAndSettle();
        for (int i = 0; i < 2_000; i++)             // ~600 KB, far more than the 5 % band: writes evict themselves
        {
            Assert.True(_store.MakeRoom());
            _store.Set(_session, Of("burst:" + i), new byte[200], SetCondition.Always, 0, false, out _);
        }
        Assert.True(_store.EvictInBackground() > 0);
        Assert.InRange(_store.UsedMemory, PanicLine - 2_000, PanicLine - 1);
    }
}
