namespace HyperCache.Frontends.Hosting;

/// <summary>
/// When the log has grown enough since the last snapshot to take the next one: at least
/// <c>persistence.snapshot_after_mb</c>, and at least <c>persistence.snapshot_after_percent</c> of the last
/// snapshot's size, as Redis rewrites its AOF only when it has grown by <c>auto-aof-rewrite-percentage</c> over the
/// last rewrite and passed <c>auto-aof-rewrite-min-size</c>. Without the percentage, a node holding 10 GB would
/// write 10 GB of snapshot for every 64 MB of new log.
/// </summary>
public static class SnapshotGrowthRule
{
    /// <param name="growth">Bytes logged since the last snapshot.</param>
    /// <param name="lastSnapshotBytes">The last snapshot's size (0 when there is none).</param>
    /// <param name="minMb">The floor in MB; 0 turns size-based snapshots off.</param>
    /// <param name="percent">The proportional part; 0 leaves the floor alone.</param>
    public static bool Due(long growth, long lastSnapshotBytes, int minMb, int percent)
    {
        if (minMb <= 0) return false;
        long floor = (long)minMb << 20;
        long proportional = percent <= 0 ? 0 : lastSnapshotBytes / 100 * percent;
        return growth >= Math.Max(floor, proportional);
    }
}
