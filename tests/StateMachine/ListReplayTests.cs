using HyperCache.StateMachine.Blocking;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Values;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>Lists rebuilt from the log (and from their rebuild events) equal the live lists, whatever happened live.</summary>
public class ListReplayTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1, 8)]
    [InlineData(2, 1)]
    [InlineData(3, 64)]
    public void A_mixed_list_workload_replays_to_the_same_digest(int seed, int replayShards)
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var session = new Session();
        var random = new Random(seed);
        string Key() => "l" + random.Next(12);
        ListSide Side() => (ListSide)random.Next(2);
        long Index() => random.Next(-8, 8);

        for (int i = 0; i < 5000; i++)
        {
            session.Db = random.Next(2);
            try
            {
                switch (random.Next(18))
                {
                    case 0 or 1 or 2:
                        store.ListPush(session, Of(Key()), Keys.Of("x", "a" + i, "b" + i % 7, "c"), 1, Side(), random.Next(5) == 0);
                        break;
                    case 3: store.ListPop(session, Of(Key()), Side(), random.Next(0, 4)); break;
                    case 4: store.ListSet(session, Of(Key()), Of(Index().ToString()), Of("set" + i)); break;
                    case 5: store.ListInsert(session, Of(Key()), random.Next(2) == 0, Of("b" + random.Next(7)), Of("ins" + i)); break;
                    case 6: store.ListRemove(session, Of(Key()), random.Next(-2, 3), Of("c")); break;
                    case 7: store.ListTrim(session, Of(Key()), Index(), Index()); break;
                    case 8: store.ListMove(session, Of(Key()), Of(Key()), Side(), Side()); break;
                    case 9: store.ListPopFirst(session, Keys.Of(Key(), Key(), Key()), 0, 3, Side(), random.Next(1, 4), false, out _); break;
                    case 10: store.Expire(session, Of(Key()), clock.Now.ToUnixTimeMilliseconds() + random.Next(-100, 2000), ExpireCondition.None); break;
                    case 11: store.Set(session, Of(Key()), Of("string"), SetCondition.Always, 0, false, out _); break;
                    case 12: store.Delete(session, Keys.Of(Key()), 0); break;
                    case 13: store.Rename(session, Of(Key()), Of(Key()), false); break;
                    case 14: store.Copy(session, Of(Key()), Of(Key()), random.Next(2), true); break;
                    case 15: store.ExpireCycle(); break;
                    case 16: store.ListMoveOrBlock(session, Of(Key()), Of(Key()), Side(), Side(), out var waiter); waiter?.Cancel(); break;
                    case 17: store.ListRange(session, Of(Key()), Index(), Index()); break;
                }
            }
            catch (CommandError)
            {
                // WRONGTYPE, no such key, index out of range: refused, nothing logged
            }
            clock.Advance(TimeSpan.FromMilliseconds(random.Next(0, 5)));
        }

        var replayed = logged.Replay(replayShards);
        Assert.Equal(store.Digest(), replayed.Digest());
        Assert.NotEqual(new Store(logged.Options, null).Digest(), store.Digest());
    }

    [Fact]
    public async Task A_pop_served_to_a_blocked_client_is_logged_and_replays()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = logged.Store;
        var blocked = new Session();
        var pusher = new Session();

        Assert.Null(store.ListPopFirst(blocked, Keys.Of("a", "b"), 0, 2, ListSide.Left, 1, true, out var first));
        Assert.Null(store.ListMoveOrBlock(blocked, Of("b"), Of("dst"), ListSide.Right, ListSide.Left, out var second));
        Assert.Equal(2, store.BlockedClients);

        store.ListPush(pusher, Of("b"), Keys.Of("x", "y", "z"), 0, ListSide.Right, false);
        var popped = Assert.IsType<PoppedList>(await first!.Completion.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("b", Text(popped.Key));
        Assert.Equal(["x"], popped.Elements.Select(Text));
        Assert.Equal("z", Text(Assert.IsType<byte[]>(await second!.Completion.WaitAsync(TimeSpan.FromSeconds(10)))));
        Assert.Equal(0, store.BlockedClients);
        Assert.Equal(["y"], store.ListRange(pusher, Of("b"), 0, -1).Select(Text));
        Assert.Equal(["z"], store.ListRange(pusher, Of("dst"), 0, -1).Select(Text));

        var replayed = logged.Replay();
        Assert.Equal(store.Digest(), replayed.Digest());
        Assert.Equal(["z"], replayed.ListRange(pusher, Of("dst"), 0, -1).Select(Text));
    }

    [Fact]
    public void Serve_blocked_clients_serves_on_the_writers_thread_before_it_returns()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = logged.Store;
        var session = new Session();
        for (int round = 0; round < 50; round++)
        {
            store.ListPopFirst(new Session(), Keys.Of("k"), 0, 1, ListSide.Left, 1, true, out var waiter);
            store.ListPush(session, Of("k"), Keys.Of("v" + round), 0, ListSide.Left, false);
            store.ServeBlockedClients();
            Assert.True(waiter!.Completion.IsCompleted, $"round {round}: not served yet");
            Assert.Null(store.ListPop(session, Of("k"), ListSide.Left, 1));
        }
    }

    [Fact]
    public async Task A_cancelled_waiter_is_not_served()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = logged.Store;
        var session = new Session();
        store.ListPopFirst(session, Keys.Of("k"), 0, 1, ListSide.Left, 1, true, out var gone);
        store.ListPopFirst(session, Keys.Of("k"), 0, 1, ListSide.Left, 1, true, out var waiting);
        Assert.True(gone!.Cancel());
        Assert.Null(await gone.Completion);
        store.ListPush(session, Of("k"), Keys.Of("v"), 0, ListSide.Left, false);
        Assert.IsType<PoppedList>(await waiting!.Completion.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(waiting.Cancel());
        Assert.Equal(0, store.ListLength(session, Of("k")));
    }

    [Fact]
    public async Task Concurrent_pushes_serve_each_waiter_once_and_lose_nothing()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = logged.Store;
        var waiters = new List<KeyWaiter>();
        for (int i = 0; i < 200; i++)
        {
            var keys = i % 3 == 0 ? Keys.Of("other", "q") : Keys.Of("q");
            Assert.Null(store.ListPopFirst(new Session(), keys, 0, keys.Count, ListSide.Left, 1, true, out var waiter));
            waiters.Add(waiter!);
        }
        var pushers = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            var session = new Session();
            for (int i = 0; i < 100; i++) store.ListPush(session, Of("q"), Keys.Of($"{t}:{i}"), 0, ListSide.Right, false);
        }));
        var canceller = Task.Run(() =>
        {
            for (int i = 0; i < waiters.Count; i += 7) waiters[i].Cancel();
        });
        await Task.WhenAll([.. pushers, canceller]);

        var results = await Task.WhenAll(waiters.Select(w => w.Completion)).WaitAsync(TimeSpan.FromSeconds(30));
        var served = results.OfType<PoppedList>().Select(p => Text(p.Elements.Single())).ToList();
        Assert.Equal(served.Count, served.Distinct().Count());
        Assert.True(served.Count >= 200 - (200 + 6) / 7, $"only {served.Count} waiters served");
        var left = store.ListRange(new Session(), Of("q"), 0, -1).Select(Text).ToList();
        Assert.Equal(400, served.Count + left.Count);
        Assert.Empty(served.Intersect(left));
        Assert.Equal(0, store.BlockedClients);

        Assert.Equal(store.Digest(), logged.Replay().Digest());
    }

    [Fact]
    public void Rebuild_events_recreate_a_long_list_in_chunks()
    {
        var store = new Store(new StoreOptions { Shards = 4 }, null);
        var session = new Session { Db = 1 };
        var elements = Enumerable.Range(0, 2500).Select(i => "e" + i).ToArray();
        store.ListPush(session, Of("big"), Keys.Of(elements), 0, ListSide.Right, false);
        store.ListPop(session, Of("big"), ListSide.Left, 3); // the ring buffer no longer starts at slot 0

        var list = new ListValue();
        foreach (var element in elements.Skip(3)) list.Push(ListSide.Right, Of(element));
        var sink = new CapturingSink();
        list.WriteRebuild(1, Of("big"), sink);
        Assert.Equal(3, sink.Events.Count);
        var rebuilt = new Store(new StoreOptions { Shards = 4 }, null);
        foreach (var (kind, body) in sink.Events) rebuilt.Apply(kind, body);
        Assert.Equal(store.Digest(), rebuilt.Digest());
    }

    private sealed class CapturingSink : IRebuildSink
    {
        public List<(byte Kind, byte[] Body)> Events { get; } = [];
        public void Emit(EventBuffer buffer) => Events.Add(((byte)buffer.Kind, buffer.Body.ToArray()));
    }
}
