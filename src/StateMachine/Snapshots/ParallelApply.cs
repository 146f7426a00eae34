using System.Collections.Concurrent;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;

namespace HyperCache.StateMachine.Snapshots;

/// <summary>
/// Replay's apply step on several threads. An event that touches one key only (SET, EXPIRE, APPEND, SETRANGE,
/// a one-key DEL: the bulk of a log) goes to the worker that owns its key's shard, so each shard still sees its
/// events in log order; any other event waits until every worker is idle and is applied in place, in order, as
/// are the ones after it until the next one-key event. Workers only ever touch their own shards, so nothing is
/// shared but the queues. <see cref="Finish"/> waits for the last event and rethrows a worker's failure.
/// With one worker (a store of one shard) it is a two-stage pipeline: reading and verifying on the caller's
/// thread, applying on the worker.
/// </summary>
public sealed class ParallelApply : IDisposable
{
    private const int BatchBytes = 1 << 17;

    private readonly Store _store;
    private readonly Worker[] _workers;
    private bool _parallel; // something may still be queued on a worker
    private Exception? _failure;

    public ParallelApply(Store store, int workers)
    {
        _store = store;
        _workers = new Worker[Math.Clamp(workers, 1, store.ShardCount)];
        for (int i = 0; i < _workers.Length; i++) _workers[i] = new Worker(this);
    }

    /// <summary>Whether replay gains anything from this on this machine: with one shard it still reads on one
    /// thread and applies on another; on one core it only adds hand-offs.</summary>
    public static bool Worthwhile() => Environment.ProcessorCount >= 2;

    public void Apply(byte kind, ReadOnlySpan<byte> body)
    {
        if (Volatile.Read(ref _failure) is { } failure) throw new InvalidOperationException("a replay worker failed", failure);
        if (kind == (byte)EventKind.Batch)
        {
            ApplyPairs(body);
            return;
        }
        if (kind == (byte)EventKind.ReplicationMark)
        {
            _store.Apply(kind, body); // a replica's resume position: no key, nothing the workers touch
            return;
        }
        if (OneKey(kind, body, out var key))
        {
            int shard = _store.ShardIndexOf(key);
            _workers[shard % _workers.Length].Add(kind, shard, body);
            _parallel = true;
            return;
        }
        if (_parallel) Drain();
        _store.Apply(kind, body);
    }

    /// <summary>
    /// A Batch entry (a transaction, or everything a replica logs: its primary's entries plus a replication mark)
    /// goes pair by pair through the same routing as top-level events, so a replica's log replays on every worker
    /// with the look-ahead instead of on this thread alone. Nothing reads the state before replay ends, so a
    /// transaction need not be applied as one step here; each shard still sees its events in log order.
    /// </summary>
    private void ApplyPairs(ReadOnlySpan<byte> batch)
    {
        var r = new EventReader(batch);
        int count = r.ReadArrayHeader();
        for (int i = 0; i < count; i++)
        {
            byte kind = r.ReadBatchPair(out var body);
            Apply(kind, body);
        }
    }

    /// <summary>Applies what is queued and waits for it; rethrows a worker's failure.</summary>
    public void Finish()
    {
        Drain();
        if (_failure != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_failure);
    }

    private void Drain()
    {
        foreach (var worker in _workers) worker.Flush();
        foreach (var worker in _workers) worker.WaitIdle();
        _parallel = false;
    }

    /// <summary>Events whose whole effect is on one key (their layout is [db, key, ...], see EventKind.cs).</summary>
    private static bool OneKey(byte kind, ReadOnlySpan<byte> body, out ReadOnlySpan<byte> key)
    {
        key = default;
        switch ((EventKind)kind)
        {
            case EventKind.Set:
            case EventKind.Expire:
            case EventKind.Append:
            case EventKind.SetRange:
                return EntryKeys.TryFirstKey(kind, body, out key);
            case EventKind.Delete:
                // [db, key] only: a DEL of several keys may span shards.
                return body.Length > 0 && body[0] == 0x92 && EntryKeys.TryFirstKey(kind, body, out key);
            default:
                return false;
        }
    }

    public void Dispose()
    {
        foreach (var worker in _workers) worker.Stop();
    }

    private void Fail(Exception e) => Interlocked.CompareExchange(ref _failure, e, null);

    /// <summary>A batch holds records back to back: kind (1 byte), body length (4), the key's shard (2: the
    /// prefetch need not hash the key for it again), body.</summary>
    internal const int RecordHeader = 7;

    internal static int RecordLength(byte[] data, int at) => BitConverter.ToInt32(data, at + 1);
    internal static int RecordShard(byte[] data, int at) => BitConverter.ToUInt16(data, at + 5);

    /// <summary>One applying thread and its queue of batches of records.</summary>
    private sealed class Worker
    {
        private readonly ParallelApply _owner;
        private readonly BlockingCollection<(byte[] Data, int Used)> _queue = new(16);
        private readonly ConcurrentBag<byte[]> _free = [];
        private readonly Thread _thread;
        private byte[] _current = new byte[BatchBytes];
        private int _used;
        private readonly object _sync = new(); // a monitor: WaitIdle waits on it
        private int _pending; // batches handed over and not yet applied, under _sync
        private readonly ReplayPrefetch _prefetch;
        private int[] _offsets = new int[1024]; // where each entry of the batch being applied starts

        public Worker(ParallelApply owner)
        {
            _owner = owner;
            _prefetch = new ReplayPrefetch(owner._store);
            _thread = new Thread(Run) { IsBackground = true, Name = "replay apply" };
            _thread.Start();
        }

        public void Add(byte kind, int shard, ReadOnlySpan<byte> body)
        {
            int size = RecordHeader + body.Length;
            if (_used + size > _current.Length)
            {
                Flush();
                if (size > _current.Length) _current = new byte[size];
            }
            _current[_used] = kind;
            BitConverter.TryWriteBytes(_current.AsSpan(_used + 1), body.Length);
            BitConverter.TryWriteBytes(_current.AsSpan(_used + 5), (ushort)shard);
            body.CopyTo(_current.AsSpan(_used + RecordHeader));
            _used += size;
        }

        public void Flush()
        {
            if (_used == 0) return;
            lock (_sync) _pending++;
            _queue.Add((_current, _used));
            _current = _free.TryTake(out var batch) && batch.Length >= BatchBytes ? batch : new byte[BatchBytes];
            _used = 0;
        }

        public void WaitIdle()
        {
            lock (_sync)
                while (_pending > 0) Monitor.Wait(_sync);
        }

        public void Stop()
        {
            _queue.CompleteAdding();
            _thread.Join();
            _queue.Dispose();
        }

        /// <summary>Applies a batch in order, prefetching the table entries of the ones a few places ahead.</summary>
        private void ApplyBatch(byte[] data, int used)
        {
            int count = 0;
            for (int at = 0; at < used; at += RecordHeader + RecordLength(data, at))
            {
                if (count == _offsets.Length) Array.Resize(ref _offsets, count * 2);
                _offsets[count++] = at;
            }
            for (int i = 0; i < count; i++)
            {
                _prefetch.Before(i, count, data, _offsets);
                int at = _offsets[i];
                _owner._store.Apply(data[at], data.AsSpan(at + RecordHeader, RecordLength(data, at)));
            }
        }

        private void Run()
        {
            foreach (var (data, used) in _queue.GetConsumingEnumerable())
            {
                if (Volatile.Read(ref _owner._failure) == null)
                {
                    try
                    {
                        ApplyBatch(data, used);
                    }
                    catch (Exception e)
                    {
                        _owner.Fail(e);
                    }
                }
                _free.Add(data);
                lock (_sync)
                    if (--_pending == 0) Monitor.PulseAll(_sync);
            }
        }
    }
}
