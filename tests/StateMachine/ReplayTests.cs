using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>The central promise: state rebuilt from the log equals the live state, whatever happened live.</summary>
public class ReplayTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1, 8)]
    [InlineData(2, 1)]
    [InlineData(3, 64)]
    public void Random_workload_replays_to_the_same_digest(int seed, int replayShards)
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var session = new Session();
        var random = new Random(seed);
        string Key() => "k" + random.Next(40);
        long Later() => clock.Now.ToUnixTimeMilliseconds() + random.Next(-500, 3000);

        for (int i = 0; i < 4000; i++)
        {
            session.Db = random.Next(3);
            try
            {
                switch (random.Next(16))
                {
                    case 0: store.Set(session, Of(Key()), Of("v" + i), SetCondition.Always, random.Next(3) == 0 ? Later() : 0, false, out _); break;
                    case 1: store.Set(session, Of(Key()), Of("nx" + i), SetCondition.IfNotExists, Store.KeepTtl, true, out _); break;
                    case 2: store.Append(session, Of(Key()), Of("+a")); break;
                    case 3: store.SetRange(session, Of(Key()), random.Next(6), Of("RR")); break;
                    case 4: store.IncrementBy(session, Of("n" + random.Next(5)), random.Next(-3, 4)); break;
                    case 5: store.IncrementByFloat(session, Of("f" + random.Next(5)), Of(random.NextDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture))); break;
                    case 6: store.Delete(session, Keys.Of(Key(), Key(), Key()), 0); break;
                    case 7: store.Expire(session, Of(Key()), Later(), (ExpireCondition)(1 << random.Next(4)) & (ExpireCondition)random.Next(16)); break;
                    case 8: store.Persist(session, Of(Key())); break;
                    case 9: store.Rename(session, Of(Key()), Of(Key()), random.Next(2) == 0); break;
                    case 10: store.Copy(session, Of(Key()), Of(Key()), random.Next(3), random.Next(2) == 0); break;
                    case 11: store.MultiSet(session, Keys.Of("x", Key(), "m" + i, Key(), "n" + i), 1, random.Next(2) == 0); break;
                    case 12: store.GetDelete(session, Of(Key())); break;
                    case 13: store.GetAndExpire(session, Of(Key()), random.Next(2) == 0 ? 0 : Later()); break;
                    case 14: store.ExpireCycle(); break;
                    case 15:
                        if (random.Next(100) == 0) store.FlushDb(session, random.Next(3));
                        else if (random.Next(50) == 0) store.SwapDb(session, 0, 1);
                        break;
                }
            }
            catch (CommandError)
            {
                // e.g. INCR on a non-number: refused, nothing logged
            }
            clock.Advance(TimeSpan.FromMilliseconds(random.Next(0, 20)));
        }

        var replayed = logged.Replay(replayShards);
        Assert.Equal(store.Digest(), replayed.Digest());
        // Applying one-key events on per-shard threads, and the rest in place between them, gives the same state.
        Assert.Equal(store.Digest(), logged.ReplayInParallel(replayShards, workers: 3).Digest());
        Assert.NotEqual(new Store(logged.Options, null).Digest(), store.Digest()); // the workload left state behind
    }

    [Fact]
    public void A_write_on_an_expired_key_does_not_build_on_the_old_value_even_on_replay()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var s = new Session();
        long soon = clock.Now.ToUnixTimeMilliseconds() + 1000;
        logged.Store.Set(s, Of("k"), Of("old"), SetCondition.Always, soon, false, out _);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(3, logged.Store.Append(s, Of("k"), Of("new")));
        Assert.Equal("new", Text(logged.Store.GetString(s, Of("k"))));

        var replayed = logged.Replay();
        Assert.Equal("new", Text(replayed.GetString(s, Of("k"))));
        Assert.Equal(logged.Store.Digest(), replayed.Digest());
    }

    [Fact]
    public void Counters_replay_as_their_results_and_keep_their_ttl()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var s = new Session();
        long at = clock.Now.ToUnixTimeMilliseconds() + 60_000;
        logged.Store.Set(s, Of("n"), Of("10"), SetCondition.Always, at, false, out _);
        Assert.Equal(15, logged.Store.IncrementBy(s, Of("n"), 5));
        Assert.Equal("15.5", Text(logged.Store.IncrementByFloat(s, Of("n"), Of("0.5"))));
        var replayed = logged.Replay();
        Assert.Equal("15.5", Text(replayed.GetString(s, Of("n"))));
        Assert.Equal(at, replayed.ExpiryOf(s, Of("n")));
    }
}
