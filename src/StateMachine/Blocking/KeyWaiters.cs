namespace HyperCache.StateMachine.Blocking;

/// <summary>
/// The blocked clients of one store: a FIFO queue of waiters per (db, key), and the keys signalled ready since they
/// were last served. One lock guards it; it is always taken last (after any shard lock), and only briefly. When
/// nobody is blocked, <see cref="MarkReady"/> costs one volatile read, which is all the Apply path pays.
/// </summary>
internal sealed class KeyWaiters
{
    private readonly Lock _lock = new();
    private readonly Dictionary<WaitKey, LinkedList<KeyWaiter>> _queues = [];
    private readonly Queue<WaitKey> _ready = new();
    private readonly HashSet<WaitKey> _readySet = [];
    private int _waiters;

    /// <summary>Clients blocked right now (INFO blocked_clients).</summary>
    public int Count => Volatile.Read(ref _waiters);

    public void Add(KeyWaiter waiter)
    {
        lock (_lock)
        {
            waiter.Registry = this;
            foreach (var key in waiter.Keys)
            {
                var wait = new WaitKey(waiter.Db, key);
                if (!_queues.TryGetValue(wait, out var queue)) _queues[wait] = queue = new LinkedList<KeyWaiter>();
                waiter.Queued.Add((wait, queue.AddLast(waiter)));
            }
            Volatile.Write(ref _waiters, _waiters + 1);
        }
    }

    /// <summary>Takes the waiter out of every queue it is in; harmless when already out.</summary>
    public void Remove(KeyWaiter waiter)
    {
        lock (_lock)
        {
            if (waiter.Queued.Count == 0) return;
            foreach (var (key, node) in waiter.Queued)
            {
                var queue = node.List!;
                queue.Remove(node);
                if (queue.Count == 0) _queues.Remove(key);
            }
            waiter.Queued.Clear();
            Volatile.Write(ref _waiters, _waiters - 1);
        }
    }

    /// <summary>Notes that the key may now serve its waiters; false when nobody waits on it.</summary>
    public bool MarkReady(int db, ReadOnlySpan<byte> key, out WaitKey wait)
    {
        wait = default;
        if (Count == 0) return false;
        wait = new WaitKey(db, key.ToArray());
        lock (_lock)
        {
            if (!_queues.ContainsKey(wait)) return false;
            if (_readySet.Add(wait)) _ready.Enqueue(wait);
            return true;
        }
    }

    /// <summary>The keys of <paramref name="db"/> someone waits on (after a flush or SWAPDB each may have gone or
    /// come); empty at the cost of one volatile read when nobody is blocked.</summary>
    public IReadOnlyList<byte[]> KeysWaitedIn(int db)
    {
        if (Count == 0) return [];
        var keys = new List<byte[]>();
        lock (_lock)
            foreach (var wait in _queues.Keys)
                if (wait.Db == db) keys.Add(wait.Key);
        return keys;
    }

    public bool TryTakeReady(out WaitKey key)
    {
        lock (_lock)
        {
            if (!_ready.TryDequeue(out key)) return false;
            _readySet.Remove(key);
            return true;
        }
    }

    /// <summary>The longest-waiting client on the key, or null.</summary>
    public KeyWaiter? First(WaitKey key)
    {
        lock (_lock) return _queues.TryGetValue(key, out var queue) ? queue.First?.Value : null;
    }
}
