using System.Diagnostics;

namespace HyperCache.Frontends.Metrics;

/// <summary>
/// One command's latency distribution: power-of-two ranges from 1024 ns, each cut into eight equal sub-buckets, so a
/// percentile is known within an eighth of its range (INFO latencystats), and LATENCY HISTOGRAM adds the sub-buckets
/// up into Redis 7's shape (1, 2, 4, 8, 16, 32, 65, 131... µs). Fed by the timings the dispatcher already takes (one
/// command in eight; <see cref="CommandMeter"/>), so it costs one increment per timed command and no clock read of
/// its own.
/// </summary>
public sealed class LatencyBuckets
{
    /// <summary>1024 ns · 2^39 ≈ 6.5 days: nothing runs longer.</summary>
    private const int Ranges = 40, SubBuckets = 8;
    private readonly long[] _counts = new long[Ranges * SubBuckets];

    public void Add(long elapsedTicks)
    {
        long ns = Math.Max(0, (long)(elapsedTicks * (1_000_000_000.0 / Stopwatch.Frequency)));
        int range = ns <= 1024 ? 0 : Math.Min(Ranges - 1, 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(ns - 1)) - 10);
        long lower = Lower(range), width = Upper(range) - lower;
        int sub = (int)Math.Clamp((ns - 1 - lower) * SubBuckets / width, 0, SubBuckets - 1);
        Interlocked.Increment(ref _counts[range * SubBuckets + sub]);
    }

    /// <summary>CONFIG RESETSTAT: empties the histogram (a call counted while it runs may land on either side).</summary>
    public void Reset()
    {
        for (int i = 0; i < _counts.Length; i++) Interlocked.Exchange(ref _counts[i], 0);
    }

    private static long Lower(int range) => range == 0 ? 0 : 1024L << (range - 1);
    private static long Upper(int range) => 1024L << range;

    /// <summary>(upper bound in µs, cumulative count) for each power-of-two range that adds to the count, as Redis
    /// lists them.</summary>
    public List<(long Micros, long Cumulative)> Cumulative()
    {
        var result = new List<(long, long)>();
        long total = 0;
        for (int range = 0; range < Ranges; range++)
        {
            long n = 0;
            for (int sub = 0; sub < SubBuckets; sub++) n += Interlocked.Read(ref _counts[range * SubBuckets + sub]);
            if (n == 0) continue;
            total += n;
            result.Add((Upper(range) / 1000, total));
        }
        return result;
    }

    /// <summary>The latency in µs at each percentile (0 to 100) of the timed calls: the upper bound of the sub-bucket
    /// that holds it, as HdrHistogram reports the highest value equivalent to it. Empty when nothing was timed.</summary>
    public double[] Percentiles(IReadOnlyList<double> percentiles)
    {
        var counts = new long[_counts.Length];
        long total = 0;
        for (int i = 0; i < counts.Length; i++) total += counts[i] = Interlocked.Read(ref _counts[i]);
        if (total == 0) return [];
        var result = new double[percentiles.Count];
        for (int p = 0; p < percentiles.Count; p++)
        {
            long rank = Math.Max(1, (long)Math.Ceiling(percentiles[p] / 100 * total));
            long seen = 0;
            for (int i = 0; i < counts.Length; i++)
            {
                seen += counts[i];
                if (seen < rank) continue;
                int range = i / SubBuckets, sub = i % SubBuckets;
                long lower = Lower(range), width = Upper(range) - lower;
                result[p] = (lower + width * (sub + 1) / SubBuckets) / 1000.0;
                break;
            }
        }
        return result;
    }

    public long Total
    {
        get
        {
            long total = 0;
            for (int i = 0; i < _counts.Length; i++) total += Interlocked.Read(ref _counts[i]);
            return total;
        }
    }
}
