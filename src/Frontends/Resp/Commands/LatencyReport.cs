using System.Text;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>The texts of LATENCY GRAPH and LATENCY DOCTOR, in our own words and layout.</summary>
public static class LatencyReport
{
    private const int Rows = 4;

    /// <summary>A header with the event's range, then one column per sample (oldest left): '#' up to the sample's
    /// height between the lowest and highest held, '_' for the lowest; under each column, how long ago it was.</summary>
    public static string Graph(string name, List<LatencyMonitor.Sample> samples, long allTimeMax, long nowSeconds)
    {
        long high = samples.Max(s => s.Ms), low = samples.Min(s => s.Ms);
        var text = new StringBuilder();
        text.Append(name).Append(" - high ").Append(high).Append(" ms, low ").Append(low)
            .Append(" ms (all time high ").Append(allTimeMax).Append(" ms)\n").Append('-', 80).Append('\n');
        var heights = samples.Select(s => high == low ? Rows : 1 + (int)((s.Ms - low) * (Rows - 1) / (high - low))).ToArray();
        for (int row = Rows; row >= 1; row--)
        {
            foreach (int h in heights) text.Append(h >= row ? (row == 1 && h == 1 ? '_' : '#') : ' ');
            text.Append('\n');
        }
        // How long ago, written downwards under each column ("12s" reads 1, 2, s).
        var ages = samples.Select(s => Age(nowSeconds - s.UnixSeconds)).ToArray();
        int depth = ages.Length == 0 ? 0 : ages.Max(a => a.Length);
        for (int line = 0; line < depth; line++)
        {
            foreach (var age in ages) text.Append(line < age.Length ? age[line] : ' ');
            text.Append('\n');
        }
        return text.ToString();
    }

    private static string Age(long seconds) => seconds switch
    {
        < 60 => $"{Math.Max(0, seconds)}s",
        < 3600 => $"{seconds / 60}m",
        < 86400 => $"{seconds / 3600}h",
        _ => $"{seconds / 86400}d",
    };

    public static string Doctor(LatencyMonitor monitor)
    {
        if (!monitor.Enabled)
            return "The latency monitor is off, so there is nothing to analyse. Turn it on with CONFIG SET latency-monitor-threshold <milliseconds> (events at least that slow are recorded), then ask again.\n";
        var events = monitor.Latest();
        if (events.Count == 0)
            return $"No event has taken {monitor.ThresholdMs} ms or more since the monitor was turned on (or last reset): no latency problem to report.\n";
        var text = new StringBuilder("Latency report (events at or above ").Append(monitor.ThresholdMs).Append(" ms):\n\n");
        int n = 1;
        var advice = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (name, _, max) in events.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            var samples = monitor.History(name)?.Samples ?? [];
            if (samples.Count == 0) continue;
            double average = samples.Average(s => s.Ms);
            double deviation = samples.Average(s => Math.Abs(s.Ms - average));
            long span = samples[^1].UnixSeconds - samples[0].UnixSeconds;
            text.Append(n++).Append(". ").Append(name).Append(": ").Append(samples.Count).Append(samples.Count == 1 ? " sample" : " samples")
                .Append(", average ").Append(Math.Round(average)).Append(" ms, mean deviation ").Append(Math.Round(deviation))
                .Append(" ms, worst ever ").Append(max).Append(" ms");
            if (samples.Count > 1) text.Append(", one every ").Append(Math.Round((double)span / (samples.Count - 1), 1)).Append(" s on average");
            text.Append(".\n");
            advice.Add(Advice(name));
        }
        text.Append("\nWhat to look at:\n");
        foreach (var line in advice) text.Append("- ").Append(line).Append('\n');
        return text.ToString();
    }

    private static string Advice(string name) => name switch
    {
        LatencyMonitor.Command => "Slow commands: SLOWLOG GET names them. O(n) commands on big keys (KEYS, SMEMBERS, LRANGE 0 -1, DEL of a large value) are the usual cause; SCAN and smaller values avoid them.",
        LatencyMonitor.FastCommand => "Slow O(1)/O(log n) commands point at the machine rather than the data: CPU contention, swapping, or garbage-collection pauses (MEMORY MALLOC-STATS shows the GC's pause time).",
        LatencyMonitor.ExpireCycle => "Active expiry took long: many keys expiring at the same moment. Spreading TTLs (a random jitter) smooths it.",
        LatencyMonitor.EvictionCycle => "Background eviction took long: the node runs at maxmemory with a high write rate. More memory, or smaller values, reduce it.",
        LatencyMonitor.AofFsyncAlways or LatencyMonitor.AofFsyncBackground => "Log commits were slow: the disk under the data directory is slow or shared. appendfsync everysec lets replies not wait for it.",
        _ => $"Event '{name}': see docs/decisions.md for what it measures.",
    };
}
