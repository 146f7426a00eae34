using HyperCache.StateMachine.Blocking;

namespace HyperCache.StateMachine;

/// <summary>
/// Blocked clients (see <see cref="KeyWaiter"/> for the protocol a data type follows). Apply signals keys that may
/// serve waiters, but never serves them itself: it runs under the writer's shard lock and in the middle of its
/// command (or of a MULTI batch, or of a replicated entry), and the served pop must be logged after the write that
/// made it possible. Serving happens once the writer is done: on the writer's own thread when the RESP connection
/// calls <see cref="ServeBlockedClients"/> after the command (Redis's order), and otherwise on a thread-pool worker.
/// Both serve each key's waiters oldest first, each under the key's lock, so they may safely overlap.
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

    /// <summary>Keys this thread's writes made ready, for <see cref="ServeBlockedClients"/> (bounded: the
    /// thread-pool worker serves whatever is not served here).</summary>
    [ThreadStatic] private static List<(Store Store, WaitKey Key)>? _readyHere;
    private const int MaxReadyHere = 64;

    /// <summary>Called by Apply (under the key's shard lock) after an event that may let the key serve a blocked
    /// client. Costs one volatile read when nobody is blocked, which is always the case on replay.</summary>
    internal void SignalKeyReady(int db, ReadOnlySpan<byte> key)
    {
        if (!_waiters.MarkReady(db, key, out var wait)) return;
        var here = _readyHere ??= [];
        if (here.Count < MaxReadyHere) here.Add((this, wait));
        if (Interlocked.Exchange(ref _serveScheduled, 1) == 0)
            ThreadPool.UnsafeQueueUserWorkItem(static store => store.ServeReadyKeys(), this, preferLocal: false);
    }

    /// <summary>
    /// Serves now, on the caller's thread, the clients that this thread's last command can serve, so that (as in
    /// Redis) they get the element before the writer's next command runs: serving a key returns only once, under
    /// its lock, none of its waiters can be served. For the RESP connection to call between two top-level
    /// commands, holding no lock and building no event (so never between EXEC's queued commands: the served pops
    /// must be logged after the transaction). Costs a thread-static read when nothing is ready.
    /// </summary>
    public void ServeBlockedClients()
    {
        var here = _readyHere;
        if (here is null || here.Count == 0) return;
        Span<ulong> mask = stackalloc ulong[MaskWords];
        for (int i = 0; i < here.Count; i++) // serving may make more keys ready (BLMOVE): they join the list
            if (here[i].Store == this) ServeKey(here[i].Key, mask);
        here.Clear();
    }

    private void ServeReadyKeys()
    {
        Volatile.Write(ref _serveScheduled, 0);
        Span<ulong> mask = stackalloc ulong[MaskWords];
        while (_waiters.TryTakeReady(out var key)) ServeKey(key, mask);
        _readyHere?.Clear(); // what this worker's serves made ready went through the queue too
    }

    /// <summary>Serves the key's waiters, oldest first, until it cannot serve the next one.</summary>
    private void ServeKey(WaitKey key, Span<ulong> mask)
    {
        while (true)
        {
            if (_waiters.First(key) is not { } waiter)
            {
                // Another thread may have taken the last waiter and be serving it under the key's lock: once that
                // lock is ours, its serve is complete, and only then is "nobody left to serve" true for the caller.
                using (LockKeys(key.Key, key.Key, mask))
                    if (_waiters.First(key) is null) return;
                continue;
            }
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
