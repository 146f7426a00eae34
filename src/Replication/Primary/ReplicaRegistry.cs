using HyperCache.Log;

namespace HyperCache.Replication.Primary;

/// <summary>
/// A primary's replicas: who is connected, what each acknowledged, and waiting for acknowledgements (WAIT, the
/// sync strategy). Also the log's truncation floor: the log keeps what a replica has not acknowledged, unless that
/// replica is more than max_lag_bytes behind, in which case it is dropped from the floor (and must full-sync).
/// Only connected replicas count: a replica that is down does not stop compaction (when it comes back below the
/// log's begin it gets a snapshot).
/// </summary>
public sealed class ReplicaRegistry(AppendOnlyLog log, ReplicationOptions options) : ITruncationFloor
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ReplicaLink> _links = [];
    private TaskCompletionSource _pulse = NewPulse();
    private long _fullSyncs, _partialSyncs;
    private volatile bool _any;

    public long FullSyncs => Interlocked.Read(ref _fullSyncs);
    public long PartialSyncs => Interlocked.Read(ref _partialSyncs);
    public void CountFullSync() => Interlocked.Increment(ref _fullSyncs);
    public void CountPartialSync() => Interlocked.Increment(ref _partialSyncs);

    public ReplicaLink Attach(string host, int port, string connectionId, long from)
    {
        lock (_lock)
        {
            string key = $"{host}:{port}";
            if (!_links.TryGetValue(key, out var link)) _links[key] = link = new ReplicaLink(host, port);
            _any = true;
            link.ConnectionId = connectionId;
            link.Restart(from);
            return link;
        }
    }

    public void Detach(ReplicaLink link, string connectionId)
    {
        lock (_lock)
            if (link.ConnectionId == connectionId) link.ConnectionId = null;
        Pulse();
    }

    public void Acknowledge(string connectionId, long address)
    {
        lock (_lock)
            foreach (var link in _links.Values)
                if (link.ConnectionId == connectionId) link.Acknowledge(address);
        Pulse();
    }

    public IReadOnlyList<ReplicaLink> Links
    {
        get { lock (_lock) return [.. _links.Values]; }
    }

    public int Online
    {
        get { lock (_lock) return _links.Values.Count(l => l.Online); }
    }

    /// <summary>Whether a replica has attached since the last <see cref="Clear"/>, connected now or not (one that comes
    /// back resumes from where it was: as Redis keeps its backlog, what it missed meanwhile is still for it). A
    /// lock-free read for paths that pass things on only when someone may get them (PUBLISH).</summary>
    public bool Any => _any;

    /// <summary>Forgets every replica (promotion to a new history, or becoming a replica).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _links.Clear();
            _any = false;
        }
        Pulse();
    }

    /// <summary>How many online replicas have acknowledged everything up to and including <paramref name="address"/>
    /// (-1: no write: every online replica counts).</summary>
    public int AcknowledgedCount(long address)
    {
        lock (_lock) return _links.Values.Count(l => l.Online && l.AckedAddress > address);
    }

    /// <summary>Waits until <paramref name="needed"/> replicas acknowledged <paramref name="address"/> or the timeout
    /// passes (<see cref="Timeout.InfiniteTimeSpan"/>: no limit); returns how many did.</summary>
    public async Task<int> WaitForAcksAsync(long address, int needed, TimeSpan timeout, CancellationToken ct = default)
    {
        long deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            var pulse = Volatile.Read(ref _pulse).Task;
            int count = AcknowledgedCount(address);
            long left = deadline - Environment.TickCount64;
            if (count >= needed || left <= 0) return count;
            try
            {
                await pulse.WaitAsync(TimeSpan.FromMilliseconds(Math.Min(left, int.MaxValue)), ct);
            }
            catch (TimeoutException)
            {
            }
        }
    }

    private void Pulse() => Interlocked.Exchange(ref _pulse, NewPulse()).TrySetResult();

    private static TaskCompletionSource NewPulse() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The lowest address a connected replica within the lag cap still needs.</summary>
    public long LowestNeededAddress
    {
        get
        {
            long tail = log.TailAddress, lowest = long.MaxValue;
            lock (_lock)
                foreach (var link in _links.Values)
                {
                    if (!link.Online || link.DroppedFromFloor) continue;
                    if (tail - link.AckedAddress > options.MaxLagBytes)
                    {
                        link.DroppedFromFloor = true; // too far behind: it will need a full sync
                        continue;
                    }
                    lowest = Math.Min(lowest, link.AckedAddress);
                }
            return lowest;
        }
    }
}
