using HyperCache.Frontends.Configuration;
using HyperCache.Frontends.Hosting;
using HyperCache.Log;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Snapshots;

namespace HyperCache.Frontends.Cli;

/// <summary>What an offline replay produced.</summary>
public sealed record ReplayOutcome(Store Store, LogScanResult Scan, LoadedSnapshot? Snapshot, long Begin, long Tail, long End,
    long Applied, long Skipped, long LastClockUnixMs, List<string> Warnings);

/// <summary>
/// Rebuilds a data directory's state without a running node, up to an address or a wall time: the newest intact
/// snapshot that lies wholly before the end point, then the log up to it (as start-up does). Run it on a stopped
/// node's directory or on a copy: it opens the log files itself.
/// </summary>
public static class OfflineReplay
{
    public static AppendOnlyLog OpenLog(string dataDir)
    {
        var config = new NodeConfig { DataDir = dataDir };
        string aof = config.AofDirectory;
        if (!Directory.Exists(aof)) throw new RecoveryException($"{aof} does not exist: not a HyperCache data directory");
        return AppendOnlyLog.Open(new LogOptions
        {
            Directory = aof,
            SegmentSize = (long)LogLayout.SegmentMb(aof, config.LogSegmentMb) << 20,
        });
    }

    /// <param name="untilAddress">Stop before this address (-1: the log's end).</param>
    /// <param name="untilUnixMs">Stop at the first clock entry later than this (-1: no time limit).</param>
    /// <param name="progress">Fraction done, now and then.</param>
    public static ReplayOutcome Run(string dataDir, long untilAddress, long untilUnixMs, int shards, int databases, Action<double>? progress)
    {
        using var log = OpenLog(dataDir);
        long begin = log.BeginAddress, tail = log.TailAddress;
        long end = untilAddress < 0 ? tail : Math.Min(untilAddress, tail);
        if (untilUnixMs >= 0)
        {
            var finder = new TimeFinder(untilUnixMs);
            log.Scan(begin, end, finder);
            if (finder.Address >= 0) end = finder.Address;
        }
        var warnings = new List<string>();
        string? Usable(SnapshotHeader h) =>
            h.MinCovered < begin ? $"needs the log from {h.MinCovered}, the log begins at {begin}"
            : h.MaxCovered > end ? $"covers up to {h.MaxCovered}, past the replay's end {end}"
            : null;
        var snapshots = new SnapshotDirectory(new NodeConfig { DataDir = dataDir }.SnapshotDirectory);
        var options = new StoreOptions { Shards = shards, Databases = databases };
        var (store, loaded) = SnapshotRecovery.LoadNewest(snapshots.List(), () => new Store(options, null), Usable, warnings.Add);
        if (loaded is null && begin > NodeRecovery.FirstLogAddress)
            throw new RecoveryException($"the log begins at address {begin} (truncated) and no snapshot lies between it and address {end}: " +
                                        "that point in time can no longer be rebuilt");
        using var parallel = ParallelApply.Worthwhile() ? new ParallelApply(store, Environment.ProcessorCount) : null;
        var replay = new SnapshotReplay(store, loaded?.Header, untilAddress: end,
            progress: progress is null ? null : r => progress((double)(r.CurrentAddress - begin) / Math.Max(1, end - begin)),
            every: TimeSpan.FromMilliseconds(200)) { Applier = parallel };
        // What lies below the snapshot's lowest covered address is in the snapshot: start reading there.
        long from = loaded is null ? begin : Math.Max(begin, loaded.Header.MinCovered);
        store.Rebuilding = true; // nothing else sees this store yet: strings may be overwritten in place
        var scan = log.Scan(from, end, replay);
        parallel?.Finish();
        store.Rebuilding = false;
        progress?.Invoke(1);
        return new ReplayOutcome(store, scan, loaded, begin, tail, end, replay.Applied, replay.Skipped, replay.LastClockUnixMs, warnings);
    }

    /// <summary>
    /// A second, independent rebuild up to <paramref name="end"/> for cross-checks: from the log alone if it was
    /// never truncated, else from another intact snapshot than <paramref name="used"/> plus the log. Null when
    /// there is no other way. <paramref name="source"/> says which.
    /// </summary>
    public static Store? Alternative(string dataDir, long end, string? used, int shards, int databases, out string? source)
    {
        source = null;
        using var log = OpenLog(dataDir);
        var options = new StoreOptions { Shards = shards, Databases = databases };
        if (used != null && log.BeginAddress <= NodeRecovery.FirstLogAddress)
        {
            var whole = new Store(options, null);
            log.Scan(log.BeginAddress, end, whole);
            source = "log only";
            return whole;
        }
        long begin = log.BeginAddress;
        var others = new SnapshotDirectory(new NodeConfig { DataDir = dataDir }.SnapshotDirectory).List().Where(f => f != used);
        var (store, loaded) = SnapshotRecovery.LoadNewest(others, () => new Store(options, null),
            h => h.MinCovered >= begin && h.MaxCovered <= end ? null : "not usable for this end point", _ => { });
        if (loaded is null) return null;
        log.Scan(begin, end, new SnapshotReplay(store, loaded.Header, untilAddress: end));
        source = loaded.Path + " + log";
        return store;
    }

    /// <summary>Finds the first clock entry later than a time: everything before it was logged no later than that.</summary>
    private sealed class TimeFinder(long unixMs) : IEntryVisitor, IClockVisitor
    {
        public long Address { get; private set; } = -1;
        public void Visit(long address, byte kind, ulong sequence, ReadOnlyMemory<byte> body) { }
        public void Clock(long address, long ms)
        {
            if (Address < 0 && ms > unixMs) Address = address;
        }
    }
}
