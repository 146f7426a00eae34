using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Blocking;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

/// <summary>What a sorted-set pop over several keys took: the key it popped from and the members, in pop order.</summary>
public sealed record PoppedZSet(byte[] Key, List<ScoredMember> Members);

/// <summary>Blocking sorted-set pops: BZPOPMIN, BZPOPMAX, BZMPOP (the waiter protocol is in <see cref="KeyWaiter"/>).</summary>
public sealed partial class Store
{
    /// <summary>
    /// Pops up to <paramref name="count"/> members from the first of keys[first..end) holding a sorted set (a key of
    /// another type met on the way is WRONGTYPE). When none does and <paramref name="block"/> is set, returns null
    /// with a <paramref name="waiter"/> queued on every key, registered under the same locks as the look, so no add
    /// slips in between; a later add serves it the same pop, and its completion gives a <see cref="PoppedZSet"/>.
    /// </summary>
    public PoppedZSet? SortedSetPopFirst<TKeys>(Session session, TKeys keys, int first, int end, bool max, long count,
        bool block, out KeyWaiter? waiter) where TKeys : IKeyList, allows ref struct
    {
        waiter = null;
        using var locks = LockKeys(new KeysBefore<TKeys>(keys, end), first, 1, stackalloc ulong[MaskWords]);
        for (int i = first; i < end; i++)
        {
            // The shard lock is re-entrant: SortedSetPop takes it again and logs the pop as ZPOPMIN/ZPOPMAX would.
            var popped = SortedSetPop(session, keys[i], max, count);
            if (popped != null) return new PoppedZSet(keys[i].ToArray(), popped);
        }
        if (!block) return null;
        var waiting = new ZSetWaiter(session, DistinctKeys(keys, first, end), max, count);
        Block(waiting);
        waiter = waiting;
        return null;
    }

    /// <summary>For the serving worker, under the key's lock: does the key hold a sorted set to pop from?</summary>
    private bool HasZSetToPop(Session session, ReadOnlySpan<byte> key)
    {
        ref Entry entry = ref Live(ShardOf(key).DbIfExists(session.Db), key, NowMs());
        return !Unsafe.IsNullRef(ref entry) && entry.Value is ZSetValue { Count: > 0 };
    }

    private sealed class ZSetWaiter(Session session, byte[][] keys, bool max, long count) : KeyWaiter(session, keys)
    {
        protected internal override bool CanServe(Store store, byte[] key) => store.HasZSetToPop(Session, key);

        protected internal override object Serve(Store store, byte[] key)
            => new PoppedZSet(key, store.SortedSetPop(Session, key, max, count)!);
    }
}
