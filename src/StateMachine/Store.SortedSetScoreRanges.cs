using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

/// <summary>
/// Reads of several score ranges of one sorted set under one lock, for GEO searches: a search area is up to nine
/// geohash boxes, each a range of scores. The caller's <c>select</c> (pure: it filters by distance, sorts and
/// limits) runs under the lock too, and with a destination its result replaces that key in the same step, so the
/// search and the store are one atomic command, as in Redis.
/// </summary>
public sealed partial class Store
{
    /// <summary>The members whose scores lie in any of [Min, Max) of <paramref name="ranges"/>, in range order (a
    /// range equal to the one before it is read once), passed through <paramref name="select"/>. Null when the key
    /// does not exist (and then nothing is stored). <paramref name="storeEvent"/> names the keyspace notification of a
    /// store ("geosearchstore", "georadiusstore").</summary>
    public List<T>? SortedSetScoreRanges<T>(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<(double Min, double Max)> ranges,
        Func<List<ScoredMember>, List<T>> select, ReadOnlySpan<byte> destination = default, Func<T, ScoredMember>? stored = null,
        ReadOnlySpan<byte> storeEvent = default)
    {
        long now = NowMs();
        using var locks = destination.IsEmpty ? LockKeys(key, key, stackalloc ulong[MaskWords]) : LockKeys(key, destination, stackalloc ulong[MaskWords]);
        var zset = ZSetForRead(ShardOf(key), session, key, now);
        var candidates = new List<ScoredMember>();
        if (zset is not null)
        {
            for (int i = 0; i < ranges.Length; i++)
            {
                if (i > 0 && ranges[i] == ranges[i - 1]) continue;
                var range = new ScoreRange(ranges[i].Min, false, ranges[i].Max, true);
                for (var at = zset.FirstInRange(range); at.IsValid && at.Score < ranges[i].Max; at.MoveNext())
                    candidates.Add(new ScoredMember(at.Member, at.Score));
            }
        }
        var result = select(candidates);
        if (!destination.IsEmpty && stored != null) StoreSortedSet(session, destination, result.ConvertAll(r => stored(r)), storeEvent);
        return zset is null ? null : result;
    }
}
