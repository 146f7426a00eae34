using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Values;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>Sorted-set writes replay from the log to the same state, and a set rebuilds from its own events.</summary>
public class SortedSetReplayTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1, 8)]
    [InlineData(2, 1)]
    [InlineData(3, 64)]
    public void Random_sorted_set_workload_replays_to_the_same_digest(int seed, int replayShards)
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var session = new Session();
        var random = new Random(seed);
        string Key() => "z" + random.Next(12);
        string Member() => "m" + random.Next(60);
        double Score() => random.Next(8) switch { 0 => double.PositiveInfinity, 1 => double.NegativeInfinity, _ => Math.Round(random.NextDouble() * 20 - 10, 1) };

        for (int i = 0; i < 5000; i++)
        {
            session.Db = random.Next(2);
            try
            {
                switch (random.Next(14))
                {
                    case 0 or 1 or 2:
                    {
                        int n = random.Next(1, 5);
                        var args = new List<string>();
                        var scores = new double[n];
                        for (int j = 0; j < n; j++) { args.Add("s"); args.Add(Member()); scores[j] = Score(); }
                        var flags = (ZAddFlags)random.Next(64) & (random.Next(2) == 0 ? ZAddFlags.Changed : (ZAddFlags)63);
                        if ((flags & ZAddFlags.IfNotExists) != 0) flags &= ~(ZAddFlags.IfExists | ZAddFlags.IfGreater | ZAddFlags.IfLess);
                        if ((flags & ZAddFlags.IfGreater) != 0) flags &= ~ZAddFlags.IfLess;
                        if (n > 1) flags &= ~ZAddFlags.Increment;
                        store.SortedSetAdd(session, Of(Key()), flags, Keys.Of(args.ToArray()), 0, scores);
                        break;
                    }
                    case 3: store.SortedSetRemove(session, Of(Key()), Keys.Of(Member(), Member()), 0); break;
                    case 4: store.SortedSetPop(session, Of(Key()), random.Next(2) == 0, random.Next(0, 4)); break;
                    case 5: store.SortedSetRemoveRangeByRank(session, Of(Key()), random.Next(-5, 5), random.Next(-5, 5)); break;
                    case 6:
                    {
                        double a = Score(), b = Score();
                        store.SortedSetRemoveRangeByScore(session, Of(Key()), new ScoreRange(Math.Min(a, b), random.Next(2) == 0, Math.Max(a, b), false));
                        break;
                    }
                    case 7:
                        LexRange.TryParse(Of("[" + Member()), Of("(" + Member()), out var lex);
                        store.SortedSetRemoveRangeByLex(session, Of(Key()), lex);
                        break;
                    case 8:
                    {
                        var keys = Keys.Of(Key(), Key(), Key());
                        double[] weights = [1, random.Next(-2, 3), 0.5];
                        store.SortedSetCombineStore(session, Of(Key()), (ZSetOperation)random.Next(3), keys, 0, weights, (ZAggregate)random.Next(3));
                        break;
                    }
                    case 9:
                    {
                        var query = new ZRangeQuery { By = ZRangeBy.Score, Scores = new ScoreRange(-5, false, 5, true), Reverse = random.Next(2) == 0, Limit = random.Next(-1, 5) };
                        store.SortedSetRangeStore(session, Of(Key()), Of(Key()), query);
                        break;
                    }
                    case 10: store.Expire(session, Of(Key()), clock.Now.ToUnixTimeMilliseconds() + random.Next(-100, 2000), ExpireCondition.None); break;
                    case 11: store.Copy(session, Of(Key()), Of(Key()), random.Next(2), random.Next(2) == 0); break;
                    case 12: store.Set(session, Of(Key()), Of("str"), SetCondition.IfNotExists, 0, false, out _); break;
                    case 13: store.ExpireCycle(); break;
                }
            }
            catch (CommandError)
            {
                // WRONGTYPE against the odd string key, NaN from INCR: refused, nothing logged
            }
            clock.Advance(TimeSpan.FromMilliseconds(random.Next(0, 20)));
        }

        var replayed = logged.Replay(replayShards);
        Assert.Equal(store.Digest(), replayed.Digest());
        Assert.NotEqual(new Store(logged.Options, null).Digest(), store.Digest());
    }

    [Fact]
    public void Incr_replays_as_the_resulting_score_and_pops_as_the_members_removed()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var s = new Session();
        var key = Of("z");
        store.SortedSetAdd(s, key, ZAddFlags.Increment, Keys.Of("", "a"), 0, [0.1]);
        var result = store.SortedSetAdd(s, key, ZAddFlags.Increment, Keys.Of("", "a"), 0, [0.2]);
        Assert.Equal(0.1 + 0.2, result.Score);
        store.SortedSetAdd(s, key, ZAddFlags.None, Keys.Of("", "b", "", "c"), 0, [5, 6]);
        var popped = store.SortedSetPop(s, key, max: true, 1)!;
        Assert.Equal("c", Text(popped[0].Member));

        var replayed = logged.Replay();
        Assert.Equal(0.1 + 0.2, replayed.SortedSetScore(s, key, Of("a")));
        Assert.Null(replayed.SortedSetScore(s, key, Of("c")));
        Assert.Equal(store.Digest(), replayed.Digest());
    }

    [Fact]
    public void A_set_rebuilds_from_its_own_events_in_chunks()
    {
        var store = new Store(new StoreOptions { Shards = 4 }, null);
        var s = new Session();
        var args = new List<string>();
        var scores = new double[2500];
        for (int i = 0; i < scores.Length; i++) { args.Add(""); args.Add("m" + i); scores[i] = i % 13 - 6.5; }
        store.SortedSetAdd(s, Of("big"), ZAddFlags.None, Keys.Of(args.ToArray()), 0, scores);

        var copy = new Store(new StoreOptions { Shards = 2 }, null);
        var sink = new ApplySink(copy);
        var zset = new ZSetValue();
        for (int i = 0; i < scores.Length; i++) zset.Set(scores[i], Of("m" + i));
        zset.WriteRebuild(0, Of("big"), sink);
        Assert.Equal(3, sink.Events);
        Assert.Equal(store.Digest(), copy.Digest());
        Assert.Equal(2500, copy.SortedSetCard(s, Of("big")));
    }

    private sealed class ApplySink(Store target) : IRebuildSink
    {
        public int Events { get; private set; }

        public void Emit(EventBuffer buffer)
        {
            Events++;
            target.Apply((byte)buffer.Kind, buffer.Body);
        }
    }
}
