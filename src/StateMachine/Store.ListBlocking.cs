using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Blocking;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

/// <summary>Multi-key and blocking list pops: LMPOP, BLPOP, BRPOP, BLMPOP, BLMOVE, BRPOPLPUSH.</summary>
public sealed partial class Store
{
    /// <summary>
    /// LMPOP and BLPOP/BRPOP/BLMPOP over keys[first..end): pops up to <paramref name="count"/> elements from the
    /// first key holding a non-empty list (a key of another type met on the way is WRONGTYPE). When there is none
    /// and <paramref name="block"/> is set, returns null with a <paramref name="waiter"/> queued on every key; a
    /// later push serves it with the same pop, and its <see cref="KeyWaiter.Completion"/> gives a <see cref="PoppedList"/>.
    /// </summary>
    public PoppedList? ListPopFirst<TKeys>(Session session, TKeys keys, int first, int end, ListSide side, long count,
        bool block, out KeyWaiter? waiter) where TKeys : IKeyList, allows ref struct
    {
        waiter = null;
        using var locks = LockKeys(new KeysBefore<TKeys>(keys, end), first, 1, stackalloc ulong[MaskWords]);
        long now = NowMs();
        for (int i = first; i < end; i++)
        {
            var key = keys[i];
            var list = AsList(ref Live(ShardOf(key).DbIfExists(session.Db), key, now));
            if (list is null) continue;
            return new PoppedList(key.ToArray(), PopLocked(session, key, side, count)!);
        }
        if (!block) return null;
        var waiting = new ListWaiter(session, DistinctKeys(keys, first, end), side, count, null, default);
        Block(waiting);
        waiter = waiting;
        return null;
    }

    /// <summary>BLMOVE/BRPOPLPUSH: moves at once when the source holds a list, else queues a
    /// <paramref name="waiter"/> whose completion gives the moved element (byte[]).</summary>
    public byte[]? ListMoveOrBlock(Session session, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination,
        ListSide from, ListSide to, out KeyWaiter? waiter)
    {
        waiter = null;
        using var locks = LockKeys(source, destination, stackalloc ulong[MaskWords]);
        var moved = MoveLocked(session, source, destination, from, to);
        if (moved != null) return moved;
        var waiting = new ListWaiter(session, [source.ToArray()], from, 1, destination.ToArray(), to);
        Block(waiting);
        waiter = waiting;
        return null;
    }

    private static byte[][] DistinctKeys<TKeys>(TKeys keys, int first, int end) where TKeys : IKeyList, allows ref struct
    {
        var distinct = new List<byte[]>(end - first);
        for (int i = first; i < end; i++)
        {
            var key = keys[i];
            bool seen = false;
            foreach (var earlier in distinct) seen |= earlier.AsSpan().SequenceEqual(key);
            if (!seen) distinct.Add(key.ToArray());
        }
        return [.. distinct];
    }

    /// <summary>For the serving worker, under the key's lock: does the key hold a list to pop from?</summary>
    private bool HasListToPop(Session session, ReadOnlySpan<byte> key)
    {
        ref Entry entry = ref Live(ShardOf(key).DbIfExists(session.Db), key, NowMs());
        return !Unsafe.IsNullRef(ref entry) && entry.Value is ListValue { Length: > 0 };
    }

    /// <summary>A client blocked in BLPOP/BRPOP/BLMPOP (no destination) or BLMOVE/BRPOPLPUSH.</summary>
    private sealed class ListWaiter(Session session, byte[][] keys, ListSide from, long count, byte[]? destination, ListSide to)
        : KeyWaiter(session, keys)
    {
        public override byte[]? OtherKey => destination;

        protected internal override bool CanServe(Store store, byte[] key) => store.HasListToPop(Session, key);

        protected internal override object Serve(Store store, byte[] key)
        {
            if (destination is null) return new PoppedList(key, store.PopLocked(Session, key, from, count)!);
            return store.MoveLocked(Session, key, destination, from, to)!;
        }
    }

    /// <summary>The first <c>end</c> items of a key list (the blocking pops' keys stop before the timeout).</summary>
    private readonly ref struct KeysBefore<TKeys>(TKeys keys, int end) : IKeyList where TKeys : IKeyList, allows ref struct
    {
        private readonly TKeys _keys = keys;
        public int Count => end;
        public ReadOnlySpan<byte> this[int index] => _keys[index];
    }
}
