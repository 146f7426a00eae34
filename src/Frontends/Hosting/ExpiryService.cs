using Microsoft.Extensions.Hosting;

namespace HyperCache.Frontends.Hosting;

/// <summary>Runs the store's active expiry <c>hz</c> times a second, as Redis's serverCron does.</summary>
public sealed class ExpiryService(Node node) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(1000.0 / Math.Max(1, node.Config.HzExpiry)), stoppingToken);
                if (!node.IsReplica) node.Store.ExpireCycle(); // a replica gets its primary's expiry deletes (as Redis)
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
