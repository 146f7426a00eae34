using System.Diagnostics;

namespace HyperCache.Frontends.Metrics;

/// <summary>
/// One command's latency distribution for LATENCY HISTOGRAM, in Redis 7's shape: power-of-two buckets from 1024 ns
/// (reported as 1, 2, 4, 8, 16, 32, 65, 131... µs). Fed by the timings the dispatcher already takes (one command in
/// eight; <see cref="CommandMeter"/>), so it costs one increment per timed command and no clock read of its own.
/// </summary>
public sealed class LatencyBuckets
{
    /// <summary>1024 ns · 2^39 ≈ 6.5 days: nothing runs longer.</summary>
    private const int Count = 40;
    private readonly long[] _counts = new long[Count];

    public void Add(long elapsedTicks)
    {
        long ns = (long)(elapsedTicks * (1_000_000_000.0 / Stopwatch.Frequency));
        int bucket = ns <= 1024 ? 0 : Math.Min(Count - 1, 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(ns - 1)) - 10);
        Interlocked.Increment(ref _counts[bucket]);
    }

    /// <summary>(upper bound in µs, cumulative count) for each bucket that adds to the count, as Redis lists them.</summary>
    public List<(long Micros, long Cumulative)> Cumulative()
    {
        var result = new List<(long, long)>();
        long total = 0;
        for (int i = 0; i < Count; i++)
        {
            long n = Interlocked.Read(ref _counts[i]);
            if (n == 0) continue;
            total += n;
            result.Add(((1024L << i) / 1000, total));
        }
        return result;
    }

    public long Total
    {
        get
        {
            long total = 0;
            for (int i = 0; i < Count; i++) total += Interlocked.Read(ref _counts[i]);
            return total;
        }
    }
}
