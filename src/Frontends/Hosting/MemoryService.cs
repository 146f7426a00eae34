using System.Diagnostics;
using HyperCache.Frontends.Resp;
using Microsoft.Extensions.Hosting;

namespace HyperCache.Frontends.Hosting;

/// <summary>Background eviction, ten times a second: once used memory reaches the panic level (95 % of
/// maxmemory by default) it makes room for as many bytes as writes added since the previous pass (never evicting
/// below just under the panic level), so writes rarely have to evict before they run (<see cref="StateMachine.Store.EvictInBackground"/>). A pass that evicted and took longer than
/// latency-monitor-threshold is the latency monitor's eviction-cycle event. Each pass also shrinks the key tables
/// that deletes or evictions left sparse (<see cref="StateMachine.Store.ShrinkSparseTables"/>).</summary>
public sealed class MemoryService(Node node) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), stoppingToken);
                // Keep going without the delay while a burst of writes keeps pressure up.
                bool evicted = false;
                long started = node.Latency.Enabled ? Stopwatch.GetTimestamp() : 0;
                while (node.Store.EvictInBackground() > 0 && !stoppingToken.IsCancellationRequested) evicted = true;
                node.Store.ShrinkSparseTables(); // after mass deletes too, with or without maxmemory
                if (evicted && started != 0) node.Latency.RecordTicks(LatencyMonitor.EvictionCycle, Stopwatch.GetTimestamp() - started);
                // Under appendfsync always nothing waits for these deletes otherwise: make them durable now.
                if (evicted && node.Log is { Durability: Log.Durability.Always } log && node.Store.LastEvictionAddress >= 0)
                    await log.WaitForCommitAsync(node.Store.LastEvictionAddress);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
