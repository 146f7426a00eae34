namespace HyperCache.Log;

/// <summary>Where the log lives and how it commits. Sizes are in bytes (FasterLog's own unit).</summary>
public sealed record LogOptions
{
    public required string Directory { get; init; }
    public Durability Durability { get; init; } = Durability.EverySec;
    /// <summary>Small pages keep the in-memory tail (where FasterLog checks nothing) small.</summary>
    public long PageSize { get; init; } = 1L << 22;
    public long MemorySize { get; init; } = 1L << 24;
    /// <summary>FasterLog frees disk only in whole segments once the log is truncated below them, so segments are
    /// small enough (64 MB) for compaction to give space back.</summary>
    public long SegmentSize { get; init; } = 1L << 26;
    /// <summary>
    /// When set, an entry appended at least this long after the previous clock entry is preceded by a clock entry
    /// holding the wall time (point-in-time replay). Null: no clock entries (tests, repaired copies).
    /// </summary>
    public TimeSpan? ClockResolution { get; init; }
    /// <summary>
    /// Commit interval for <see cref="Durability.EverySec"/>: "at least once a second", as Redis promises, but more
    /// often, because FasterLog's unflushed tail is process memory: Redis loses nothing to a process crash under
    /// everysec (the kernel has its writes), we lose at most this much.
    /// </summary>
    public TimeSpan EverySecInterval { get; init; } = TimeSpan.FromMilliseconds(100);
    /// <summary>Commit interval for <see cref="Durability.No"/>.</summary>
    public TimeSpan LazyCommitInterval { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>
    /// Makes the FASTER device for the segment files at the given path and base name. Null (the default): a
    /// <see cref="SegmentFileDevice"/>. Tests pass FASTER's own device to check the two read each other's files.
    /// </summary>
    internal Func<string, FASTER.core.IDevice>? DeviceFactory { get; init; }
}
