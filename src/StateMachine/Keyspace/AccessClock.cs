namespace HyperCache.StateMachine.Keyspace;

/// <summary>
/// The store's coarse clock (seconds since start) for access and creation times, and which eviction bookkeeping
/// is on. Set from outside <see cref="Store.Apply"/> (like Redis's LRU clock), so Apply never reads the real clock;
/// none of it is part of the state the digest compares.
/// </summary>
public sealed class AccessClock
{
    /// <summary>Ticks per second.</summary>
    public const int Hz = 100;

    /// <summary>Ticks since the store started, as of the last <see cref="Store.TickAccessClock"/>.</summary>
    public volatile int Ticks;
    /// <summary>Accesses update the LFU counter (an LFU policy is selected).</summary>
    public volatile bool TrackFrequency;
    /// <summary>Accesses set SIEVE's visited bit and new keys join the database's <see cref="SieveQueue"/>.</summary>
    public volatile bool TrackSieve;
    /// <summary>Accesses count S3-FIFO hits and new keys join the database's <see cref="S3Fifo"/> queues.</summary>
    public volatile bool TrackS3Fifo;
}
