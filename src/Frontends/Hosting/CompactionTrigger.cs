namespace HyperCache.Frontends.Hosting;

/// <summary>
/// When <see cref="IdleHeapCompaction"/> compacts: the node has been idle (no command counted, nothing logged, no
/// snapshot running) for <see cref="IdleFor"/>, and the GC heap committed at least <see cref="MinGrowth"/> and a
/// quarter more than right after the previous compaction. Fed readings rather than reading them, so tests can
/// drive it with made-up clocks and heap sizes.
/// </summary>
public sealed class CompactionTrigger(long committedAtStart)
{
    public static readonly TimeSpan IdleFor = TimeSpan.FromMilliseconds(300);
    public const long MinGrowth = 64L << 20;

    private long _commands = -1, _tail = -1;
    private TimeSpan _quietSince;

    /// <summary>Committed bytes the next growth is measured from.</summary>
    public long Baseline { get; private set; } = committedAtStart;

    /// <summary>One reading; <paramref name="committed"/> is read only once the node is idle (it costs a call
    /// into the GC).</summary>
    public bool Due(TimeSpan now, long commands, long tail, bool snapshotting, Func<long> committed)
    {
        if (commands != _commands || tail != _tail || snapshotting)
        {
            (_commands, _tail, _quietSince) = (commands, tail, now);
            return false;
        }
        if (now - _quietSince < IdleFor) return false;
        long bytes = committed();
        if (bytes - Baseline >= Math.Max(MinGrowth, Baseline / 4)) return true;
        // Shrinking (a FLUSHALL, evictions) moves the baseline down, so the next load is measured from there.
        Baseline = Math.Min(Baseline, bytes);
        return false;
    }

    public void Compacted(long committedAfter) => Baseline = committedAfter;
}
