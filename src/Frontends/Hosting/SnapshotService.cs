using Microsoft.Extensions.Hosting;

namespace HyperCache.Frontends.Hosting;

/// <summary>
/// The snapshot schedule: every <c>persistence.snapshot_interval</c> seconds if anything was written, and as soon
/// as the log has grown by <c>persistence.snapshot_after_mb</c> MB and <c>persistence.snapshot_after_percent</c> of the
/// last snapshot since it (<see cref="SnapshotGrowthRule"/>; this also bounds the log on disk, since each snapshot
/// lets the log be truncated).
/// </summary>
public sealed class SnapshotService(Node node) : BackgroundService
{
    /// <summary>A thread of its own (not the thread pool, which a busy node can keep waiting for seconds while the
    /// log grows), checking ten times a second.</summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Factory.StartNew(() =>
    {
        var snapshots = node.Snapshots;
        while (!stoppingToken.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(100)))
        {
            if (snapshots.InProgress || (snapshots.TakeScheduled() ?? Due(node, snapshots)) is not { } rewrite) continue;
            snapshots.TryStartBackground(rewrite);
        }
    }, stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Null: not due. Otherwise whether it is due for log size (a rewrite) rather than for time.</summary>
    private static bool? Due(Node node, SnapshotCoordinator snapshots)
    {
        var config = node.Config;
        if (node.Log is { } log && SnapshotGrowthRule.Due(log.TailAddress - snapshots.TailAtLastSave, snapshots.LastSnapshotBytes,
                config.SnapshotAfterMb, config.SnapshotAfterPercent))
            return true;
        long age = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - snapshots.LastSaveUnix;
        if (config.SnapshotInterval > 0 && age >= config.SnapshotInterval && snapshots.ChangesSinceLastSave > 0) return false;
        return null;
    }
}
