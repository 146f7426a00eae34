using HyperCache.Frontends.Hosting;
using HyperCache.Frontends.Metrics;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>CONFIG RESETSTAT, as Redis 7.0's: INFO stats' counters, errorstats, commandstats and the per-command
/// latency histograms (INFO latencystats, LATENCY HISTOGRAM) count from now on. Not the slow log or the latency
/// monitor's events, which have their own RESET, as in Redis.</summary>
internal static class StatsReset
{
    public static void Run(Node node)
    {
        var (hits, misses, expired) = node.Store.Counters();
        node.StatsBase = new StatsBase(node.Clients.TotalConnections, node.CommandsProcessed, node.Clients.Rejected, expired,
            node.Store.EvictedKeys, hits, misses, node.Traffic.Input, node.Traffic.Output);
        node.Rates.Reset();
        node.Metrics.Errors.Reset();
        foreach (var (_, meter) in ServerInfo.Meters(node)) meter.ResetStats();
    }
}
