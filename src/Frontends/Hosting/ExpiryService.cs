using System.Diagnostics;
using HyperCache.Frontends.Resp;
using Microsoft.Extensions.Hosting;

namespace HyperCache.Frontends.Hosting;

/// <summary>Runs the store's active expiry <c>hz</c> times a second, as Redis's serverCron does, each cycle for at
/// most a quarter of its period (Redis's slow cycle: 25 ms at hz 10); a cycle slower than
/// latency-monitor-threshold is the latency monitor's expire-cycle event.</summary>
public sealed class ExpiryService(Node node) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                double period = 1000.0 / Math.Max(1, node.Config.HzExpiry);
                await Task.Delay(TimeSpan.FromMilliseconds(period), stoppingToken);
                if (node.IsReplica) continue; // a replica gets its primary's expiry deletes (as Redis)
                long started = node.Latency.Enabled ? Stopwatch.GetTimestamp() : 0;
                node.Store.ExpireCycle(TimeSpan.FromMilliseconds(period / 4));
                if (started != 0) node.Latency.RecordTicks(LatencyMonitor.ExpireCycle, Stopwatch.GetTimestamp() - started);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
