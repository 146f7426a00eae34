using HyperCache.StateMachine.Blocking;

namespace HyperCache.StateMachine;

/// <summary>
/// Blocked clients (see <see cref="KeyWaiter"/> for the protocol a data type follows). Apply signals keys that may
/// serve waiters; a thread-pool worker then serves them in blocking order. It has to be another thread: Apply runs
/// under the writer's shard lock and in the middle of its command (or of a MULTI batch, or of a replicated entry),
/// so the served pop is logged after the write that made it possible, once that writer has released the lock.
/// </summary>
public sealed partial class Store
{
    private readonly KeyWaiters _waiters = new();
    private int _serveScheduled;

    /// <summary>Clients blocked right now (INFO blocked_clients).</summary>
    public int BlockedClients => _waiters.Count;

    /// <summary>Queues <paramref name="waiter"/> on its keys. The caller holds the shard locks of those keys and
    /// has just seen that none can serve it, so no write can come between that check and this registration.</summary>
    internal void Block(KeyWaiter waiter) => _waiters.Add(waiter);

    /// <summary>Called by Apply (under the key's shard lock) after an event that may let the key serve a blocked
    /// client. Costs one volatile read when nobody is blocked, which is always the case on replay.</summary>
    internal void SignalKeyReady(int db, ReadOnlySpan<byte> key)
    {
        if (!_waiters.MarkReady(db, key)) return;
        if (Interlocked.Exchange(ref _serveScheduled, 1) == 0)
            ThreadPool.UnsafeQueueUserWorkItem(static store => store.ServeReadyKeys(), this, preferLocal: false);
    }

    private void ServeReadyKeys()
    {
        Volatile.Write(ref _serveScheduled, 0);
        Span<ulong> mask = stackalloc ulong[MaskWords];
        while (_waiters.TryTakeReady(out var key)) ServeKey(key, mask);
    }

    /// <summary>Serves the key's waiters, oldest first, until it cannot serve the next one.</summary>
    private void ServeKey(WaitKey key, Span<ulong> mask)
    {
        while (_waiters.First(key) is { } waiter)
        {
            using var locks = LockKeys(key.Key, waiter.OtherKey ?? key.Key, mask);
            if (!waiter.IsWaiting)
            {
                _waiters.Remove(waiter); // cancelled while we looked
                continue;
            }
            if (!waiter.CanServe(this, key.Key)) return;
            if (!waiter.TryFinish())
            {
                _waiters.Remove(waiter);
                continue;
            }
            _waiters.Remove(waiter);
            try
            {
                waiter.Complete(waiter.Serve(this, key.Key));
            }
            catch (Exception e)
            {
                waiter.Fail(e); // e.g. BLMOVE whose destination is no longer a list: the client hears WRONGTYPE
            }
        }
    }
}
