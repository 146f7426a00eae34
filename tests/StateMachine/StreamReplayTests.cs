using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Values;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>Stream writes replay from the log to the same state (IDs "*" picked from the clock included), a
/// snapshot rebuilds streams with their counters, and trims replay as the entries they removed.</summary>
public class StreamReplayTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static StreamId? Add(Store store, Session s, string key, string id = "*", StreamTrim trim = default, bool noMake = false, params string[] fields)
    {
        var mode = StreamIdMode.Auto;
        StreamId parsed = default;
        if (id != "*")
        {
            Assert.True(StreamId.TryParse(Of(id), 0, true, out parsed, out bool seqGiven));
            mode = seqGiven ? StreamIdMode.Explicit : StreamIdMode.AutoSeq;
        }
        return store.StreamAdd(s, Of(key), noMake, mode, parsed, trim, Keys.Of(fields.Length == 0 ? ["f", "v"] : fields), 0);
    }

    [Theory]
    [InlineData(1, 8)]
    [InlineData(2, 1)]
    [InlineData(3, 64)]
    public void Random_stream_workload_replays_to_the_same_digest(int seed, int replayShards)
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var session = new Session();
        var random = new Random(seed);
        string Key() => "x" + random.Next(10);
        string SomeId() => $"{T0.ToUnixTimeMilliseconds() + random.Next(-5, 3000)}-{random.Next(3)}";
        StreamTrim Trim() => random.Next(4) switch
        {
            0 => new StreamTrim(StreamTrimStrategy.MaxLength, 0, default, 0),
            1 => new StreamTrim(StreamTrimStrategy.MaxLength, random.Next(0, 30), default, random.Next(0, 5)),
            2 => new StreamTrim(StreamTrimStrategy.MinId, 0, new StreamId((ulong)(T0.ToUnixTimeMilliseconds() + random.Next(0, 3000)), 0), 0),
            _ => default,
        };

        for (int i = 0; i < 6000; i++)
        {
            session.Db = random.Next(2);
            try
            {
                switch (random.Next(12))
                {
                    case < 5: Add(store, session, Key(), "*", random.Next(4) == 0 ? Trim() : default, random.Next(8) == 0, "f", "v" + i, "g", new string('p', random.Next(30))); break;
                    case 5: Add(store, session, Key(), random.Next(2) == 0 ? SomeId() : SomeId().Split('-')[0] + "-*"); break;
                    case 6:
                    {
                        var ids = Enumerable.Range(0, random.Next(1, 4)).Select(_ => SomeId()).ToArray();
                        store.StreamDelete(session, Of(Key()), Keys.Of(ids), 0);
                        break;
                    }
                    case 7:
                        var trim = Trim();
                        if (trim.Strategy != StreamTrimStrategy.None) store.StreamTrimEntries(session, Of(Key()), trim);
                        break;
                    case 8: store.Copy(session, Of(Key()), Of(Key()), random.Next(2), random.Next(2) == 0); break;
                    case 9: store.Expire(session, Of(Key()), clock.Now.ToUnixTimeMilliseconds() + random.Next(-100, 2000), ExpireCondition.None); break;
                    case 10 when random.Next(4) == 0:
                        store.StreamSetId(session, Of(Key()), new StreamId((ulong)(T0.ToUnixTimeMilliseconds() + random.Next(0, 4000)), 0),
                            random.Next(2) == 0 ? -1 : random.Next(0, 400), random.Next(2) == 0 ? StreamId.Zero : new StreamId(5, 5));
                        break;
                    case 10: store.Set(session, Of(Key()), Of("str"), SetCondition.IfNotExists, 0, false, out _); break;
                    default: store.ExpireCycle(); break;
                }
            }
            catch (CommandError)
            {
                // WRONGTYPE against the odd string key, an ID below the top one: refused, nothing logged
            }
            // Mostly forward, sometimes back: "*" must then continue from the last ID, not the clock.
            clock.Advance(TimeSpan.FromMilliseconds(random.Next(-3, 6)));
        }

        int streams = Enumerable.Range(0, 10).Count(k => store.PeekValue(0, Of("x" + k)) is StreamValue { Count: > 0 });
        Assert.True(streams > 0, "the workload left no non-empty stream in db 0");
        clock.Advance(TimeSpan.FromHours(1)); // replay at another time: the IDs come from the log, not the clock
        var replayed = logged.Replay(replayShards);
        Assert.Equal(store.Digest(), replayed.Digest());
        Assert.Equal(store.Digest(), logged.ReplayInParallel(replayShards).Digest());
        Assert.Equal(store.Digest(), logged.FromSnapshot().Digest());
        Assert.NotEqual(new Store(logged.Options, null).Digest(), store.Digest());
    }

    [Fact]
    public void Star_ids_come_from_the_clock_and_replay_as_logged()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var s = new Session();
        ulong t0 = (ulong)T0.ToUnixTimeMilliseconds();
        Assert.Equal(new StreamId(t0, 0), Add(store, s, "x"));
        Assert.Equal(new StreamId(t0, 1), Add(store, s, "x"));
        clock.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Equal(new StreamId(t0 + 5, 0), Add(store, s, "x"));
        clock.Advance(TimeSpan.FromMilliseconds(-50)); // the clock went back: IDs keep growing from the last one
        Assert.Equal(new StreamId(t0 + 5, 1), Add(store, s, "x"));
        Assert.Equal(new StreamId(t0 + 5, 2), Add(store, s, "x", trim: new StreamTrim(StreamTrimStrategy.MaxLength, 2, default, 0)));

        clock.Advance(TimeSpan.FromDays(1));
        var replayed = logged.Replay();
        var entries = replayed.StreamRange(s, Of("x"), StreamId.Zero, StreamId.Max, 0, false)!;
        Assert.Equal([new StreamId(t0 + 5, 1), new StreamId(t0 + 5, 2)], entries.Select(e => e.Id));
        var info = replayed.StreamInfo(s, Of("x"))!;
        Assert.Equal(5, info.EntriesAdded);
        Assert.Equal(new StreamId(t0 + 5, 2), info.LastId);
        Assert.Equal(store.Digest(), replayed.Digest());
    }

    [Fact]
    public void Empty_streams_and_their_counters_survive_a_snapshot()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var s = new Session();
        Add(store, s, "x", "5-1");
        Add(store, s, "x", "6-1");
        Assert.Equal(1, store.StreamDelete(s, Of("x"), Keys.Of("6-1"), 0));
        Assert.Equal(1, store.StreamTrimEntries(s, Of("x"), new StreamTrim(StreamTrimStrategy.MaxLength, 0, default, 0)));
        var loaded = logged.FromSnapshot();
        var info = loaded.StreamInfo(s, Of("x"))!;
        Assert.Equal(0, info.Length);
        Assert.Equal(new StreamId(6, 1), info.LastId);
        Assert.Equal(new StreamId(6, 1), info.MaxDeletedId);
        Assert.Equal(2, info.EntriesAdded);
        Assert.Equal(store.Digest(), loaded.Digest());
        var error = Assert.Throws<CommandError>(() => Add(loaded, s, "x", "6-1"));
        Assert.Equal(Store.StreamIdTooSmall, error.Message);
    }

    [Fact]
    public void A_stream_rebuilds_from_its_own_events_in_chunks()
    {
        var store = new Store(new StoreOptions { Shards = 4 }, null);
        var s = new Session();
        for (int i = 1; i <= 2500; i++) Add(store, s, "big", $"{i}-0", default, false, "field", "value" + i);
        store.StreamDelete(s, Of("big"), Keys.Of("7-0", "2000-0"), 0);

        var copy = new Store(new StoreOptions { Shards = 2 }, null);
        var sink = new ApplySink(copy);
        ((StreamValue)store.PeekValue(0, Of("big"))!).WriteRebuild(0, Of("big"), sink);
        Assert.Equal(4, sink.Events); // the counters, then 1024 + 1024 + 450 entries
        Assert.Equal(store.Digest(), copy.Digest());
        Assert.Equal(2498, copy.StreamLength(s, Of("big")));
    }

    private sealed class ApplySink(Store target) : IRebuildSink
    {
        public int Events { get; private set; }

        public void Emit(EventBuffer buffer)
        {
            Events++;
            Assert.True(target.Apply((byte)buffer.Kind, buffer.Body));
        }
    }
}
