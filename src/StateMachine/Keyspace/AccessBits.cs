namespace HyperCache.StateMachine.Keyspace;

/// <summary>
/// <see cref="Entry.Access"/>: bits 0-7 Redis's logarithmic LFU counter, bits 8-23 the minute (mod 65536) it was
/// last decremented, bit 30 SIEVE's "visited" mark. Redis's algorithm (evict.c), with its defaults
/// lfu-log-factor 10 and lfu-decay-time 1 minute: a new key starts at 5; an access increments with probability
/// 1 / ((counter - 5) × 10 + 1), so 255 takes about a million accesses; the counter loses one per idle minute.
/// </summary>
public static class AccessBits
{
    public const int LfuInitial = 5;
    public const int LogFactor = 10;
    public const int DecayMinutes = 1;
    public const int Visited = 1 << 30;

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
