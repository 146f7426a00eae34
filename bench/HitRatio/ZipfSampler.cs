namespace HyperCache.Bench.HitRatio;

/// <summary>
/// Draws ranks 0..n-1 with P(rank k) proportional to 1/(k+1)^alpha, by inverting a precomputed CDF
/// (8 bytes per rank; a binary search per draw). Exact, and fast enough for millions of draws.
/// </summary>
public sealed class ZipfSampler
{
    private readonly double[] _cdf;

    public ZipfSampler(int n, double alpha)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n));
        _cdf = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) _cdf[k] = sum += Math.Pow(k + 1, -alpha);
        for (int k = 0; k < n; k++) _cdf[k] /= sum;
        _cdf[n - 1] = 1.0;
    }

    public int Next(Rng rng)
    {
        int i = Array.BinarySearch(_cdf, rng.NextDouble());
        return i >= 0 ? i : ~i;
    }
}
