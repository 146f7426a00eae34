namespace HyperCache.Frontends.Metrics;

/// <summary>
/// INFO stats' counters as they stood at the last CONFIG RESETSTAT: INFO shows the counts since then, as Redis
/// does, while the counters themselves only grow (Prometheus reads them, and a counter that goes back reads as a
/// restart there).
/// </summary>
public sealed record StatsBase(long Connections, long Commands, long RejectedConnections, long Expired, long Evicted, long Hits, long Misses,
    long NetInput, long NetOutput)
{
    public static readonly StatsBase Zero = new(0, 0, 0, 0, 0, 0, 0, 0, 0);
}
