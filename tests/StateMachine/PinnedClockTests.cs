namespace HyperCache.StateMachine.Tests;

/// <summary>A pipeline's batch reads the clock once (Store.PinClock), on its own thread, for its own store.</summary>
public sealed class PinnedClockTests
{
    [Fact]
    public void A_pinned_clock_holds_on_this_thread_for_this_store_until_unpinned()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = new Store(new StoreOptions { Shards = 1, Time = clock }, null);
        var other = new Store(new StoreOptions { Shards = 1, Time = clock }, null);
        long start = store.NowMs();
        store.PinClock();
        try
        {
            clock.Advance(TimeSpan.FromSeconds(5));
            Assert.Equal(start, store.NowMs());
            Assert.Equal(start + 5000, other.NowMs());                                 // another store
            long elsewhere = 0;
            var thread = new Thread(() => elsewhere = store.NowMs());
            thread.Start();
            thread.Join();
            Assert.Equal(start + 5000, elsewhere); // another thread
            long stamp = store.AdvanceClock(); // after a slow command: the time moves on, by the monotonic clock
            Assert.Equal(start + 5000, store.NowMs());
            clock.Advance(TimeSpan.FromMilliseconds(250));
            Assert.Equal(TimeSpan.FromMilliseconds(250).Ticks, store.AdvanceClock() - stamp);
            Assert.Equal(start + 5250, store.NowMs());
            store.PinClock(); // a new batch reads the wall clock again
            Assert.Equal(start + 5250, store.NowMs());
        }
        finally
        {
            store.UnpinClock();
        }
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(start + 6250, store.NowMs());
    }
}
