namespace HyperCache.Replication.Primary;

/// <summary>What a primary knows of one replica (keyed by its RESP host:port, so a restarted replica takes over
/// its old record): how far it has been sent and how far it has acknowledged.</summary>
public sealed class ReplicaLink(string host, int port)
{
    private long _acked;
    private long _shipped;
    private long _bytesShipped;

    public string Host { get; } = host;
    public int Port { get; } = port;
    public string Key => $"{Host}:{Port}";
    /// <summary>The current connection's id (a new one per subscription); null while disconnected.</summary>
    public string? ConnectionId { get; set; }
    public bool Online => ConnectionId != null;
    /// <summary>Everything below this primary address is durable on the replica.</summary>
    public long AckedAddress => Volatile.Read(ref _acked);
    /// <summary>Everything below this primary address has been sent.</summary>
    public long ShippedAddress => Volatile.Read(ref _shipped);
    public long BytesShipped => Volatile.Read(ref _bytesShipped);
    /// <summary>Environment.TickCount64 of the last acknowledgement.</summary>
    public long LastAckTick { get; private set; } = Environment.TickCount64;
    /// <summary>Unix ms at which the primary's log first held an entry this replica has not acknowledged; 0 = none.</summary>
    public long BehindSinceUnixMs { get; set; }
    /// <summary>Fell more than max_lag_bytes behind: no longer holds back truncation, must full-sync.</summary>
    public bool DroppedFromFloor { get; set; }

    // Shipped batches not yet acknowledged: where each ends and the sequence number of its last entry.
    private readonly Queue<(long Next, ulong Sequence)> _inFlight = new();
    private long _ackedSequence = -1;

    /// <summary>Sequence number of the last entry acknowledged (-1: not known yet on this connection).</summary>
    public long AckedSequence => Interlocked.Read(ref _ackedSequence);

    public void Acknowledge(long address)
    {
        long seen;
        while ((seen = Volatile.Read(ref _acked)) < address && Interlocked.CompareExchange(ref _acked, address, seen) != seen) { }
        lock (_inFlight)
            while (_inFlight.TryPeek(out var batch) && batch.Next <= address)
            {
                _inFlight.Dequeue();
                Interlocked.Exchange(ref _ackedSequence, (long)batch.Sequence);
            }
        LastAckTick = Environment.TickCount64;
    }

    public void Shipped(long nextAddress, long bytes, ulong lastSequence = 0)
    {
        Volatile.Write(ref _shipped, nextAddress);
        Interlocked.Add(ref _bytesShipped, bytes);
        if (lastSequence != 0)
            lock (_inFlight) _inFlight.Enqueue((nextAddress, lastSequence));
    }

    /// <summary>A (re)subscription from <paramref name="from"/>: what it had acknowledged before is what it says now.</summary>
    public void Restart(long from)
    {
        Volatile.Write(ref _acked, from);
        Volatile.Write(ref _shipped, from);
        lock (_inFlight) _inFlight.Clear();
        Interlocked.Exchange(ref _ackedSequence, -1);
        DroppedFromFloor = false;
        LastAckTick = Environment.TickCount64;
    }
}
