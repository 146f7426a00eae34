using System.Globalization;

namespace HyperCache.Bench.HitRatio;

/// <summary>
/// A named key-access pattern. <c>zipf:A</c> is Zipf(alpha A) over the keyspace; <c>scan:A</c> is the same with a
/// one-shot sequential scan of never-seen ("cold") keys after every <see cref="TraceShape.ScanEvery"/> Zipf requests.
/// </summary>
public sealed record Workload(string Name, double Alpha, bool Scans)
{
    public static Workload Parse(string spec)
    {
        var parts = spec.Split(':');
        if (parts.Length == 2 && (parts[0] == "zipf" || parts[0] == "scan")
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double alpha) && alpha > 0)
            return new Workload(spec, alpha, parts[0] == "scan");
        throw new ArgumentException($"workload '{spec}': expected zipf:ALPHA or scan:ALPHA (e.g. zipf:1.0)");
    }
}

/// <summary>Sizes shared by every workload of a run.</summary>
/// <param name="Keys">Distinct keys the Zipf part draws from: ids 0..Keys-1.</param>
/// <param name="Requests">Zipf requests; scans come on top of these.</param>
/// <param name="ScanEvery">Zipf requests between two scans.</param>
/// <param name="ScanLength">Keys one scan reads; each scan reads fresh ids from Keys upwards, never reused.</param>
public sealed record TraceShape(int Keys, int Requests, ulong Seed, int ScanEvery, int ScanLength);
