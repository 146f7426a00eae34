using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>MOVE is logged as one Batch of Copy + Delete: replayed (any shard count) it gives the same state, TTLs
/// and collections included, alone or inside a transaction.</summary>
public class MoveReplayTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(5, 8)]
    [InlineData(6, 1)]
    public void Moves_replay_to_the_same_digest(int seed, int replayShards)
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var session = new Session();
        var random = new Random(seed);
        string Key() => "k" + random.Next(20);
        int moved = 0;
        for (int i = 0; i < 3000; i++)
        {
            session.Db = random.Next(3);
            long later = clock.Now.ToUnixTimeMilliseconds() + random.Next(-200, 2000);
            switch (random.Next(6))
            {
                case 0: store.Set(session, Of(Key()), Of("v" + i), SetCondition.Always, random.Next(2) == 0 ? later : 0, false, out _); break;
                case 1: store.Expire(session, Of(Key()), later, ExpireCondition.None); break;
                case 2:
                case 3:
                    int target = random.Next(3);
                    if (target != session.Db && store.Move(session, Of(Key()), target)) moved++;
                    break;
                case 4:
                    store.RunTransaction(session, () =>
                    {
                        store.Set(session, Of("tx"), Of("t" + i), SetCondition.Always, 0, false, out _);
                        store.Move(session, Of("tx"), (session.Db + 1) % 3);
                    });
                    break;
                default: store.ExpireCycle(); break;
            }
            clock.Advance(TimeSpan.FromMilliseconds(random.Next(0, 15)));
        }
        Assert.True(moved > 100, $"only {moved} moves");
        Assert.Equal(store.Digest(), logged.Replay(replayShards).Digest());
    }

    [Fact]
    public void A_move_carries_the_ttl_and_refuses_an_existing_target()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var session = new Session();
        long at = clock.Now.ToUnixTimeMilliseconds() + 10_000;
        store.Set(session, Of("a"), Of("1"), SetCondition.Always, at, false, out _);
        Assert.True(store.Move(session, Of("a"), 2));
        Assert.Null(store.GetString(session, Of("a")));
        Assert.False(store.Move(session, Of("a"), 2)); // gone from db 0
        var other = new Session { Db = 2 };
        Assert.Equal("1", Text(store.GetString(other, Of("a"))));
        Assert.Equal(at, store.ExpiryOf(other, Of("a")));
        store.Set(session, Of("a"), Of("0"), SetCondition.Always, 0, false, out _);
        Assert.False(store.Move(session, Of("a"), 2)); // db 2 has it
        Assert.Equal("0", Text(store.GetString(session, Of("a"))));
        Assert.Equal(store.Digest(), logged.Replay(4).Digest());
    }
}
