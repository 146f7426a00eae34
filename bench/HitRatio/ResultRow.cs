using System.Globalization;

namespace HyperCache.Bench.HitRatio;

/// <summary>One line of results.tsv: one workload replayed against one server/policy (or simulated).</summary>
public sealed record ResultRow(
    string Workload, string Server, string Policy, string Status,
    long Requests, long Hits, double HitRatio, double WarmHitRatio, double ZipfHitRatio, double ServerHitRatio,
    long SetErrors, long KeysEnd, long EvictedKeys, long UsedMemoryEnd, long MaxMemory, long CapacityKeys,
    double Seconds, string TraceHash, string Note)
{
    public static readonly string Header = string.Join('\t',
        "workload", "server", "policy", "status", "requests", "hits", "hit_ratio", "warm_hit_ratio", "zipf_hit_ratio",
        "server_hit_ratio", "set_errors", "keys_end", "evicted_keys", "used_memory_end", "maxmemory", "capacity_keys",
        "seconds", "trace_hash", "note");

    /// <summary>A row for a run that did not happen (policy unsupported, server failed): numbers left at -1.</summary>
    public static ResultRow NotRun(string workload, string server, string policy, string status, string note) =>
        new(workload, server, policy, status, -1, -1, double.NaN, double.NaN, double.NaN, double.NaN, -1, -1, -1, -1, -1, -1, 0, "", note);

    public string ToTsv()
    {
        static string F(double d) => double.IsNaN(d) ? "" : d.ToString("F6", CultureInfo.InvariantCulture);
        static string I(long n) => n < 0 ? "" : n.ToString(CultureInfo.InvariantCulture);
        return string.Join('\t', Workload, Server, Policy, Status, I(Requests), I(Hits), F(HitRatio), F(WarmHitRatio),
            F(ZipfHitRatio), F(ServerHitRatio), I(SetErrors), I(KeysEnd), I(EvictedKeys), I(UsedMemoryEnd), I(MaxMemory),
            I(CapacityKeys), Seconds.ToString("F1", CultureInfo.InvariantCulture), TraceHash,
            Note.Replace('\t', ' ').Replace('\n', ' '));
    }

    public static ResultRow Parse(string line)
    {
        var f = line.Split('\t');
        if (f.Length < 19) throw new FormatException($"results line has {f.Length} fields, expected 19: {line}");
        static double D(string s) => s.Length == 0 ? double.NaN : double.Parse(s, CultureInfo.InvariantCulture);
        static long L(string s) => s.Length == 0 ? -1 : long.Parse(s, CultureInfo.InvariantCulture);
        return new(f[0], f[1], f[2], f[3], L(f[4]), L(f[5]), D(f[6]), D(f[7]), D(f[8]), D(f[9]), L(f[10]), L(f[11]),
            L(f[12]), L(f[13]), L(f[14]), L(f[15]), D(f[16]), f[17], f[18]);
    }

    public static void Append(string file, ResultRow row)
    {
        bool fresh = !File.Exists(file) || new FileInfo(file).Length == 0;
        File.AppendAllText(file, (fresh ? Header + "\n" : "") + row.ToTsv() + "\n");
    }
}
