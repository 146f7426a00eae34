using HyperCache.StateMachine.Values;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>SINTERSTORE, SUNIONSTORE, SDIFFSTORE and ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE are logged as the operation
/// over their keys, not as their result, and replay (one shard, many, in parallel) to what the live store holds.</summary>
public class SetAlgebraStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static void AddMembers(Store store, Session s, string key, IEnumerable<string> members)
    {
        foreach (var chunk in members.Chunk(1000)) store.SetAdd(s, Of(key), Keys.Of(chunk), 0);
    }

    private static HashSet<string> Members(Store store, Session s, string key)
        => store.SetMembers(s, Of(key)).Select(m => System.Text.Encoding.UTF8.GetString(m)).ToHashSet();

    private static void AssertReplaysToTheSameState(LoggedStore logged)
    {
        var digest = logged.Store.Digest();
        Assert.Equal(digest, logged.Replay().Digest());
        Assert.Equal(digest, logged.Replay(shards: 1).Digest());
        Assert.Equal(digest, logged.ReplayInParallel().Digest());
    }

    [Fact]
    public void Set_stores_log_the_operation_and_replay_to_the_same_members()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var s = new Session();
        var a = Enumerable.Range(0, 20_000).Select(i => "member:" + i).ToArray();
        var b = Enumerable.Range(10_000, 20_000).Select(i => "member:" + i).ToArray();
        AddMembers(store, s, "{k}a", a);
        AddMembers(store, s, "{k}b", b);
        AddMembers(store, s, "{k}c", ["member:1", "member:15000", "other"]);
        store.Expire(s, Of("{k}c"), clock.Now.ToUnixTimeMilliseconds() + 1000, ExpireCondition.None);
        store.Set(s, Of("{k}d"), Of("a string"), SetCondition.Always, clock.Now.ToUnixTimeMilliseconds() + 60_000, false, out _);
        clock.Advance(TimeSpan.FromSeconds(2)); // c has expired: every store reads it as missing and deletes it first

        long before = s.LastLogAddress;
        Assert.Equal(30_000, store.SetCombineStore(s, SetOperation.Union, Keys.Of("SUNIONSTORE", "{k}d", "{k}a", "{k}b", "{k}c"), 1));
        Assert.Equal(a.Union(b).ToHashSet(), Members(store, s, "{k}d"));
        Assert.Equal(-1, store.ExpiryOf(s, Of("{k}d"))); // the string's TTL went with it
        Assert.Equal(10_000, store.SetCombineStore(s, SetOperation.Intersection, Keys.Of("SINTERSTORE", "{k}i", "{k}a", "{k}b"), 1));
        Assert.Equal(a.Intersect(b).ToHashSet(), Members(store, s, "{k}i"));
        Assert.Equal(10_000, store.SetCombineStore(s, SetOperation.Difference, Keys.Of("SDIFFSTORE", "{k}x", "{k}a", "{k}b", "{k}c"), 1));
        Assert.Equal(a.Except(b).ToHashSet(), Members(store, s, "{k}x"));
        // The destination among the sources: read before it is replaced.
        Assert.Equal(10_000, store.SetCombineStore(s, SetOperation.Difference, Keys.Of("SDIFFSTORE", "{k}d", "{k}d", "{k}a"), 1));
        Assert.Equal(b.Except(a).ToHashSet(), Members(store, s, "{k}d"));
        Assert.InRange(s.LastLogAddress - before, 1, 4096); // 30 k, 10 k, 10 k and 10 k members were logged whole before
        Assert.Equal("none", store.TypeOf(s, Of("{k}c")));
        AssertReplaysToTheSameState(logged);
    }

    [Fact]
    public void Empty_results_delete_the_destination_and_log_nothing_when_there_is_none()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var s = new Session();
        AddMembers(store, s, "{k}a", ["x", "y"]);
        AddMembers(store, s, "{k}b", ["z"]);
        long before = s.LastLogAddress;
        Assert.Equal(0, store.SetCombineStore(s, SetOperation.Intersection, Keys.Of("SINTERSTORE", "{k}d", "{k}a", "{k}missing"), 1));
        Assert.Equal(0, store.SetCombineStore(s, SetOperation.Difference, Keys.Of("SDIFFSTORE", "{k}d", "{k}missing", "{k}a"), 1));
        Assert.Equal(0, store.SetCombineStore(s, SetOperation.Union, Keys.Of("SUNIONSTORE", "{k}d", "{k}missing"), 1));
        Assert.Equal(0, store.SortedSetCombineStore(s, Of("{k}d"), ZSetOperation.Inter, Keys.Of("{k}a", "{k}missing"), 0, [1, 1], ZAggregate.Sum));
        Assert.Equal(before, s.LastLogAddress);

        // Disjoint sources: empty only once computed, so logged; the destination is deleted.
        AddMembers(store, s, "{k}d", ["old"]);
        Assert.Equal(0, store.SetCombineStore(s, SetOperation.Intersection, Keys.Of("SINTERSTORE", "{k}d", "{k}a", "{k}b"), 1));
        Assert.Equal("none", store.TypeOf(s, Of("{k}d")));
        AddMembers(store, s, "{k}d", ["old"]);
        Assert.Equal(0, store.SetCombineStore(s, SetOperation.Intersection, Keys.Of("SINTERSTORE", "{k}d", "{k}a", "{k}missing"), 1));
        Assert.Equal("none", store.TypeOf(s, Of("{k}d")));
        AssertReplaysToTheSameState(logged);
    }

    [Fact]
    public void A_source_of_another_type_is_refused_before_anything_is_logged()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var s = new Session();
        AddMembers(store, s, "{k}a", ["x"]);
        store.Set(s, Of("{k}str"), Of("v"), SetCondition.Always, 0, false, out _);
        long before = s.LastLogAddress;
        Assert.Throws<CommandError>(() => store.SetCombineStore(s, SetOperation.Union, Keys.Of("SUNIONSTORE", "{k}d", "{k}a", "{k}str"), 1));
        Assert.Throws<CommandError>(() => store.SortedSetCombineStore(s, Of("{k}d"), ZSetOperation.Union, Keys.Of("{k}a", "{k}str"), 0, [1, 1], ZAggregate.Sum));
        Assert.Equal(before, s.LastLogAddress);
        Assert.Equal("none", store.TypeOf(s, Of("{k}d")));
    }

    [Fact]
    public void Sorted_set_stores_log_the_operation_and_replay_to_the_same_scores()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var s = new Session();
        void AddScored(string key, IEnumerable<(string Member, double Score)> elements)
        {
            foreach (var chunk in elements.Chunk(1000))
                store.SortedSetAdd(s, Of(key), ZAddFlags.None, Keys.Of(chunk.SelectMany(e => new[] { "", e.Member }).ToArray()), 0,
                    chunk.Select(e => e.Score).ToArray());
        }
        AddScored("{k}z1", Enumerable.Range(0, 20_000).Select(i => ("m" + i, i * 0.1)));
        AddScored("{k}z2", Enumerable.Range(10_000, 20_000).Select(i => ("m" + i, i * 0.5)));
        AddMembers(store, s, "{k}plain", ["m5", "m15000", "only-here"]); // a plain set scores 1
        var z1 = Enumerable.Range(0, 20_000).ToDictionary(i => "m" + i, i => i * 0.1);
        var z2 = Enumerable.Range(10_000, 20_000).ToDictionary(i => "m" + i, i => i * 0.5);
        var plain = new Dictionary<string, double> { ["m5"] = 1, ["m15000"] = 1, ["only-here"] = 1 };

        long before = s.LastLogAddress;
        Assert.Equal(30_001, store.SortedSetCombineStore(s, Of("{k}u"), ZSetOperation.Union, Keys.Of("{k}z1", "{k}z2", "{k}plain"), 0, [2, 0.5, 3], ZAggregate.Max));
        var union = new Dictionary<string, double>();
        foreach (var (source, weight) in new[] { (z1, 2.0), (z2, 0.5), (plain, 3.0) })
            foreach (var (member, score) in source)
                union[member] = union.TryGetValue(member, out double had) ? Math.Max(had, score * weight) : score * weight;
        AssertScores(union, "{k}u");
        Assert.Equal(10_000, store.SortedSetCombineStore(s, Of("{k}i"), ZSetOperation.Inter, Keys.Of("{k}z1", "{k}z2"), 0, [1, 1], ZAggregate.Sum));
        AssertScores(z1.Keys.Intersect(z2.Keys).ToDictionary(m => m, m => z1[m] + z2[m]), "{k}i");
        Assert.Equal(9_999, store.SortedSetCombineStore(s, Of("{k}z1"), ZSetOperation.Diff, Keys.Of("{k}z1", "{k}z2", "{k}plain"), 0, [1, 1, 1], ZAggregate.Sum));
        AssertScores(z1.Where(e => !z2.ContainsKey(e.Key) && !plain.ContainsKey(e.Key)).ToDictionary(), "{k}z1");
        Assert.InRange(s.LastLogAddress - before, 1, 4096);
        AssertReplaysToTheSameState(logged);

        void AssertScores(Dictionary<string, double> expected, string key)
        {
            var range = new List<ScoredMember>();
            store.SortedSetRange(s, Of(key), new ZRangeQuery { By = ZRangeBy.Rank, Start = 0, Stop = -1, Limit = -1 }, range);
            Assert.Equal(expected.Count, range.Count);
            foreach (var element in range)
                Assert.Equal(expected[System.Text.Encoding.UTF8.GetString(element.Member)], element.Score);
        }
    }

    [Fact]
    public void Stored_results_are_encoded_as_redis_names_them()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var s = new Session();
        AddMembers(store, s, "{k}ints", ["3", "-1", "20"]);
        AddMembers(store, s, "{k}more", ["7", "3"]);
        AddMembers(store, s, "{k}words", ["x"]);
        string Encoding(string key) => store.Describe(s, Of(key))!.Value.Encoding;
        Assert.Equal(4, store.SetCombineStore(s, SetOperation.Union, Keys.Of("SUNIONSTORE", "{k}d", "{k}ints", "{k}more"), 1));
        Assert.Equal("intset", Encoding("{k}d"));
        Assert.Equal(["-1", "3", "7", "20"], store.SetMembers(s, Of("{k}d")).Select(m => System.Text.Encoding.UTF8.GetString(m))); // an intset's order
        Assert.Equal(5, store.SetCombineStore(s, SetOperation.Union, Keys.Of("SUNIONSTORE", "{k}d", "{k}ints", "{k}more", "{k}words"), 1));
        Assert.Equal("hashtable", Encoding("{k}d"));
        AddMembers(store, s, "{k}big", Enumerable.Range(0, 600).Select(i => i.ToString()));
        Assert.Equal(600, store.SetCombineStore(s, SetOperation.Union, Keys.Of("SUNIONSTORE", "{k}d", "{k}big"), 1));
        Assert.Equal("hashtable", Encoding("{k}d")); // past set-max-intset-entries

        Assert.Equal(4, store.SortedSetCombineStore(s, Of("{k}z"), ZSetOperation.Union, Keys.Of("{k}ints", "{k}more"), 0, [1, -0.0], ZAggregate.Min));
        Assert.Equal("listpack", Encoding("{k}z"));
        Assert.Equal(600, store.SortedSetCombineStore(s, Of("{k}z"), ZSetOperation.Union, Keys.Of("{k}big"), 0, [1], ZAggregate.Sum));
        Assert.Equal("skiplist", Encoding("{k}z"));
        AddMembers(store, s, "{k}long", [new string('m', 65)]);
        Assert.Equal(1, store.SortedSetCombineStore(s, Of("{k}z"), ZSetOperation.Union, Keys.Of("{k}long"), 0, [1], ZAggregate.Sum));
        Assert.Equal("skiplist", Encoding("{k}z")); // a member past zset-max-listpack-value
        AssertReplaysToTheSameState(logged);
    }

    [Theory]
    [InlineData(1, 8)]
    [InlineData(2, 1)]
    [InlineData(3, 64)]
    public void Random_set_algebra_workload_replays_to_the_same_digest(int seed, int replayShards)
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        var session = new Session();
        var random = new Random(seed);
        string Key() => "{k}" + random.Next(8);
        string Member() => random.Next(3) == 0 ? random.Next(40).ToString() : "m" + random.Next(40); // intsets too

        for (int i = 0; i < 4000; i++)
        {
            session.Db = random.Next(2);
            try
            {
                switch (random.Next(9))
                {
                    case 0 or 1: store.SetAdd(session, Of(Key()), Keys.Of(Member(), Member(), Member()), 0); break;
                    case 2: store.SetRemove(session, Of(Key()), Keys.Of(Member(), Member()), 0); break;
                    case 3:
                        store.SortedSetAdd(session, Of(Key()), ZAddFlags.None, Keys.Of("", Member(), "", Member()), 0,
                            [Math.Round(random.NextDouble() * 10, 2), random.Next(3) == 0 ? double.PositiveInfinity : random.Next(-5, 5)]);
                        break;
                    case 4:
                        store.SetCombineStore(session, (SetOperation)random.Next(3), Keys.Of("STORE", Key(), Key(), Key(), Key()), 1);
                        break;
                    case 5:
                    {
                        double[] weights = [random.Next(-2, 3), 0.5, random.Next(2) == 0 ? double.PositiveInfinity : 1];
                        store.SortedSetCombineStore(session, Of(Key()), (ZSetOperation)random.Next(3), Keys.Of(Key(), Key(), Key()), 0, weights, (ZAggregate)random.Next(3));
                        break;
                    }
                    case 6: store.Expire(session, Of(Key()), clock.Now.ToUnixTimeMilliseconds() + random.Next(-100, 2000), ExpireCondition.None); break;
                    case 7: store.Set(session, Of(Key()), Of("str"), SetCondition.IfNotExists, 0, false, out _); break;
                    case 8: store.Delete(session, Keys.Of(Key()), 0); break;
                }
            }
            catch (CommandError)
            {
                // WRONGTYPE against the odd string key: refused, nothing logged
            }
            clock.Advance(TimeSpan.FromMilliseconds(random.Next(0, 20)));
        }

        var replayed = logged.Replay(replayShards);
        Assert.Equal(store.Digest(), replayed.Digest());
        Assert.Equal(store.Digest(), logged.ReplayInParallel(replayShards).Digest());
        Assert.NotEqual(new Store(logged.Options, null).Digest(), store.Digest());
    }
}
