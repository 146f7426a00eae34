namespace HyperCache.StateMachine.Blocking;

/// <summary>
/// A client blocked until one of its keys can serve it: BLPOP, BRPOP, BLMPOP, BLMOVE, BRPOPLPUSH, and later
/// BZPOPMIN/BZPOPMAX. It waits in the FIFO queue of each of its keys (<see cref="KeyWaiters"/>); when an event makes
/// a key ready, the store serves the waiters queued on it in blocking order, each under the key's shard lock,
/// through the normal log-and-apply path, so what a woken client gets is logged as an ordinary pop.
/// <para>
/// How a data type reuses this (sorted sets for BZPOPMIN/BZPOPMAX):
/// 1. its Apply calls <see cref="Store.SignalKeyReady"/> after any event that may let a key serve (a ZADD; a push);
/// 2. it subclasses <see cref="KeyWaiter"/>: <see cref="CanServe"/> says whether the key holds something to take,
///    <see cref="Serve"/> takes it (logging its events) and returns the result the frontend will write;
/// 3. its blocking command, holding the locks of all its keys, tries them in order; if none can serve it calls
///    <see cref="Store.Block"/> with the waiter before releasing the locks (so no write slips in between);
/// 4. the frontend parks the connection on <see cref="Completion"/> (RespClient.Blocked) and calls
///    <see cref="Cancel"/> on timeout or disconnect; a null result means "timed out".
/// </para>
/// </summary>
public abstract class KeyWaiter
{
    private readonly TaskCompletionSource<object?> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _finished;

    protected KeyWaiter(Session session, IReadOnlyList<byte[]> keys)
    {
        Session = session;
        Db = session.Db;
        Keys = keys;
    }

    /// <summary>The blocked client's session: pops served for it are logged in its name (its LastLogAddress moves).</summary>
    public Session Session { get; }

    public int Db { get; }

    /// <summary>Distinct keys, in the order the command named them.</summary>
    public IReadOnlyList<byte[]> Keys { get; }

    /// <summary>A key the serve also writes (BLMOVE's destination): its shard is locked too while serving.</summary>
    public virtual byte[]? OtherKey => null;

    /// <summary>The served result, null when cancelled (timeout, disconnect), or a <see cref="CommandError"/>.</summary>
    public Task<object?> Completion => _done.Task;

    public bool IsWaiting => Volatile.Read(ref _finished) == 0;

    /// <summary>Set while queued; <see cref="KeyWaiters"/> keeps the queue nodes here for O(1) removal.</summary>
    internal KeyWaiters? Registry;
    internal readonly List<(WaitKey Key, LinkedListNode<KeyWaiter> Node)> Queued = [];

    /// <summary>Under the key's shard lock: can <paramref name="key"/> serve this waiter now?</summary>
    protected internal abstract bool CanServe(Store store, byte[] key);

    /// <summary>Under the shard locks of <paramref name="key"/> and <see cref="OtherKey"/>, after
    /// <see cref="CanServe"/>: does the command's work (logging its events) and returns what to reply.</summary>
    protected internal abstract object Serve(Store store, byte[] key);

    /// <summary>Timeout or disconnect: ends the wait with a null result, unless the waiter was served first
    /// (then returns false and <see cref="Completion"/> carries what it got).</summary>
    public bool Cancel()
    {
        if (!TryFinish()) return false;
        Registry?.Remove(this);
        _done.TrySetResult(null);
        return true;
    }

    /// <summary>Claims the waiter: exactly one of serving and cancelling wins.</summary>
    internal bool TryFinish() => Interlocked.CompareExchange(ref _finished, 1, 0) == 0;

    internal void Complete(object result) => _done.TrySetResult(result);

    internal void Fail(Exception error) => _done.TrySetException(error);
}
