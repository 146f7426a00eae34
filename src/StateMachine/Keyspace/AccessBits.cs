namespace HyperCache.StateMachine.Keyspace;

/// <summary>
/// <see cref="Entry.Access"/>: bits 0-7 Redis's logarithmic LFU counter, bits 8-23 the minute (mod 65536) it was
/// last decremented, bits 24-25 S3-FIFO's hit counter (0-3), bit 26 "in S3-FIFO's main queue", bit 30 SIEVE's
/// "visited" mark. Redis's algorithm (evict.c), with its defaults
/// lfu-log-factor 10 and lfu-decay-time 1 minute: a new key starts at 5; an access increments with probability
/// 1 / ((counter - 5) × 10 + 1), so 255 takes about a million accesses; the counter loses one per idle minute.
/// </summary>
public static class AccessBits
{
    public const int LfuInitial = 5;
    public const int LogFactor = 10;
    public const int DecayMinutes = 1;
    public const int Visited = 1 << 30;
    private const int S3HitShift = 24, S3HitMask = 3 << S3HitShift, S3Main = 1 << 26;

    public static int S3Hits(int access) => (access & S3HitMask) >> S3HitShift;
    public static bool S3InMain(int access) => (access & S3Main) != 0;
    public static int S3WithHits(int access, int hits) => (access & ~S3HitMask) | (Math.Clamp(hits, 0, 3) << S3HitShift);
    /// <summary>No hits yet, in the given queue.</summary>
    public static int S3Reset(int access, bool inMain) => (access & ~(S3HitMask | S3Main)) | (inMain ? S3Main : 0);
    public static int S3ToMain(int access) => access | S3Main;
    /// <summary>A hit under S3-FIFO: the counter goes up, capped at 3.</summary>
    public static int S3Hit(int access) => S3WithHits(access, S3Hits(access) + 1);

    /// <summary>Minutes (mod 65536) of an <see cref="AccessClock"/> time in ticks.</summary>
    public static int Minutes(int ticks) => (ticks / (60 * AccessClock.Hz)) & 0xFFFF;

    /// <summary>A new key: initial counter, decremented "now", not visited.</summary>
    public static int New(int ticks) => (Minutes(ticks) << 8) | LfuInitial;

    /// <summary>The counter after decay (what OBJECT FREQ answers and LFU eviction compares).</summary>
    public static int Counter(int access, int ticks)
    {
        int counter = access & 0xFF;
        int last = (access >> 8) & 0xFFFF, now = Minutes(ticks);
        int elapsed = now >= last ? now - last : 65535 - last + now;
        int periods = elapsed / DecayMinutes;
        return periods > counter ? 0 : counter - periods;
    }

    /// <summary>An access under an LFU policy: decay, then a logarithmic increment (keeps the visited bit).</summary>
    public static int Touch(int access, int ticks, double random)
    {
        int counter = Counter(access, ticks);
        if (counter < 255)
        {
            int baseline = Math.Max(0, counter - LfuInitial);
            if (random < 1.0 / (baseline * LogFactor + 1)) counter++;
        }
        return (access & Visited) | (Minutes(ticks) << 8) | counter;
    }
}
