namespace HyperCache.StateMachine;

/// <summary>What goes when used memory passes maxmemory (names as <c>maxmemory-policy</c> spells them).</summary>
public enum EvictionPolicy
{
    NoEviction,
    AllKeysLru,
    VolatileLru,
    AllKeysLfu,
    VolatileLfu,
    AllKeysRandom,
    VolatileRandom,
    VolatileTtl,
    /// <summary>Sessions idle past <c>cache.session_idle_timeout</c> or older than <c>cache.session_ttl</c> first, then LRU.</summary>
    Session,
    /// <summary>SIEVE over all keys (see <see cref="Keyspace.SieveQueue"/>).</summary>
    AllKeysSieve,
    /// <summary>S3-FIFO over all keys (see <see cref="Keyspace.S3Fifo"/>).</summary>
    AllKeysS3Fifo,
}

public static class EvictionPolicies
{
    private static readonly (string Name, EvictionPolicy Policy)[] Names =
    [
        ("noeviction", EvictionPolicy.NoEviction),
        ("allkeys-lru", EvictionPolicy.AllKeysLru),
        ("volatile-lru", EvictionPolicy.VolatileLru),
        ("allkeys-lfu", EvictionPolicy.AllKeysLfu),
        ("volatile-lfu", EvictionPolicy.VolatileLfu),
        ("allkeys-random", EvictionPolicy.AllKeysRandom),
        ("volatile-random", EvictionPolicy.VolatileRandom),
        ("volatile-ttl", EvictionPolicy.VolatileTtl),
        ("session", EvictionPolicy.Session),
        ("allkeys-sieve", EvictionPolicy.AllKeysSieve),
        ("allkeys-s3fifo", EvictionPolicy.AllKeysS3Fifo),
    ];

    public static IEnumerable<string> AllNames => Names.Select(n => n.Name);

    public static bool TryParse(string text, out EvictionPolicy policy)
    {
        foreach (var (name, value) in Names)
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase)) { policy = value; return true; }
        policy = EvictionPolicy.NoEviction;
        return false;
    }

    public static string PolicyName(this EvictionPolicy policy) => Names.First(n => n.Policy == policy).Name;

    /// <summary>Only keys with a TTL may go.</summary>
    public static bool VolatileOnly(this EvictionPolicy policy)
        => policy is EvictionPolicy.VolatileLru or EvictionPolicy.VolatileLfu or EvictionPolicy.VolatileRandom or EvictionPolicy.VolatileTtl;

    public static bool UsesLfu(this EvictionPolicy policy) => policy is EvictionPolicy.AllKeysLfu or EvictionPolicy.VolatileLfu;
}

/// <summary>How full memory is against maxmemory (thresholds in <see cref="MemorySettings"/>).</summary>
public enum MemoryPressure { Normal, Warning, Critical, Panic }

/// <summary>maxmemory and everything eviction needs; replaced whole (CONFIG SET swaps in a new one).</summary>
public sealed record MemorySettings
{
    /// <summary>Bytes; 0 = no limit.</summary>
    public long MaxMemory { get; init; }
    public EvictionPolicy Policy { get; init; } = EvictionPolicy.NoEviction;
    /// <summary>Keys sampled per database per eviction (Redis's maxmemory-samples).</summary>
    public int Samples { get; init; } = 5;
    /// <summary>How long a write may evict for itself before it runs anyway (Redis's maxmemory-eviction-tenacity,
    /// 0..100): see <see cref="EvictionTimeLimitUs"/>.</summary>
    public int EvictionTenacity { get; init; } = 10;
    /// <summary>Session policy: a key not read or written for this long is an idle session (0 = never).</summary>
    public TimeSpan SessionIdleTimeout { get; init; } = TimeSpan.FromMinutes(30);
    /// <summary>Session policy: a key older than this is an expired session (0 = never).</summary>
    public TimeSpan SessionTtl { get; init; } = TimeSpan.FromHours(24);
    public double WarningRatio { get; init; } = 0.85;
    public double CriticalRatio { get; init; } = 0.90;
    public double PanicRatio { get; init; } = 0.95;

    /// <summary>Redis's evictionTimeLimitUs: 50 µs per step of tenacity up to 10 (500 µs, the default), then 15 %
    /// more per step, and no limit at 100.</summary>
    public long EvictionTimeLimitUs => EvictionTenacity switch
    {
        <= 10 => 50L * Math.Max(0, EvictionTenacity),
        < 100 => (long)(500.0 * Math.Pow(1.15, EvictionTenacity - 10.0)),
        _ => long.MaxValue,
    };
}
