using System.Diagnostics;
using HyperCache.Frontends.Configuration;
using HyperCache.Log;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Snapshots;
using Microsoft.Extensions.Logging;

namespace HyperCache.Frontends.Hosting;

/// <summary>What start-up did to rebuild the state.</summary>
public sealed record RecoveryReport(long Entries, long KeysInDb0, TimeSpan Duration, string? DamagedLogKeptAt,
    string? Snapshot = null, long Applied = 0, long Skipped = 0);

/// <summary>Start-up could not rebuild the state (for example the log was truncated and no snapshot is usable).</summary>
public sealed class RecoveryException(string message) : Exception(message);

/// <summary>
/// Rebuilds a node's state at start-up: the newest intact snapshot (falling back to the one before, with a
/// warning), then the log from the lowest address a shard of it does not cover, skipping what each shard already
/// holds (<see cref="SnapshotReplay"/>). A damaged log stops start-up unless told to cut it.
/// </summary>
public static class NodeRecovery
{
    /// <summary>FasterLog's first entry address: a log that begins later was truncated.</summary>
    public const long FirstLogAddress = 64;

    /// <summary>Wall-time stamps in the log every this often, for point-in-time replay.</summary>
    public static readonly TimeSpan ClockResolution = TimeSpan.FromMilliseconds(1);

    public static LogOptions LogOptionsFor(NodeConfig config) => new()
    {
        Directory = config.AofDirectory,
        Durability = config.AppendFsync,
        SegmentSize = (long)LogLayout.SegmentMb(config.AofDirectory, config.LogSegmentMb) << 20,
        ClockResolution = ClockResolution,
    };

    public static (AppendOnlyLog? Log, Store Store, RecoveryReport Report) Open(NodeConfig config, ILogger logger, string? damagedLogKeptAt = null)
    {
        var storeOptions = new StoreOptions
        {
            Shards = config.Shards, Databases = config.Databases, KeyspaceFilter = config.KeyspaceFilter,
            OnApplyFault = fault => LogApplyFault(logger, fault),
        };
        var snapshots = new SnapshotDirectory(config.SnapshotDirectory);
        var clock = Stopwatch.StartNew();
        void Warn(string message) => logger.LogWarning("{Message}", message);
        var lastReport = TimeSpan.Zero;
        void LoadProgress(string path, long events)
        {
            if (clock.Elapsed - lastReport < TimeSpan.FromSeconds(3)) return;
            lastReport = clock.Elapsed;
            logger.LogInformation("Loading snapshot {Path}: {Events} events so far ({Rate:F0} events/s)", path, events, events / clock.Elapsed.TotalSeconds);
        }

        if (!config.AppendOnly)
        {
            // No log: the newest snapshot is all there is.
            var candidates = config.FromSnapshot is { } only ? [only] : snapshots.List();
            var (plain, loadedPlain) = SnapshotRecovery.LoadNewest(candidates, () => new Store(storeOptions, null), _ => null, Warn, LoadProgress);
            return (null, plain, new RecoveryReport(0, plain.DbSize(0), clock.Elapsed, null, loadedPlain?.Path));
        }

        var logOptions = LogOptionsFor(config);
        var log = AppendOnlyLog.Open(logOptions);
        try
        {
            if (config.FromSnapshot is { } seed) return Seed(config, logger, log, storeOptions, snapshots, seed, clock);

            string? Usable(SnapshotHeader h) =>
                h.MinCovered < log.BeginAddress ? $"it needs the log from address {h.MinCovered}, but the log begins at {log.BeginAddress}"
                : h.MaxCovered > log.TailAddress ? $"it covers log addresses up to {h.MaxCovered}, beyond the log's end ({log.TailAddress})"
                : null;
            var files = snapshots.List();
            var (store, loaded) = SnapshotRecovery.LoadNewest(files, () => new Store(storeOptions, log), Usable, Warn, LoadProgress);
            if (loaded is null && log.BeginAddress > FirstLogAddress)
                throw new RecoveryException($"the AOF was truncated at address {log.BeginAddress} and no usable snapshot is left in " +
                    $"{snapshots.Path}: the state cannot be rebuilt. Restore a snapshot (serve --from-snapshot) or move the data directory aside.");
            if (loaded != null)
                logger.LogInformation("Loaded snapshot {Path}: {Keys} keys, covering log addresses {Min}..{Max}",
                    loaded.Path, loaded.Header.Keys, loaded.Header.MinCovered, loaded.Header.MaxCovered);

            using var parallel = ParallelApply.Worthwhile() ? new ParallelApply(store, Environment.ProcessorCount) : null;
            var replay = new SnapshotReplay(store, loaded?.Header, progress: r =>
                logger.LogInformation("Replaying the AOF: {Entries} entries so far ({Rate:F0} entries/s)", r.Applied + r.Skipped, r.EntriesPerSecond))
            { Applier = parallel };
            // Entries below the snapshot's lowest covered address are all in it: the scan starts there (an entry
            // boundary, see AppendOnlyLog.EntryBoundaryTail) instead of reading them only to skip them.
            long from = loaded is null ? log.BeginAddress : Math.Max(log.BeginAddress, loaded.Header.MinCovered);
            // Reading on this thread, applying on the workers (on one core, in place).
            var scan = log.Scan(from, -1, replay);
            parallel?.Finish();
            // Nothing after the snapshot, not even a clock stamp: one plain pass learns the last sequence number.
            if (scan.Clean && !log.ReadyForAppends) scan = log.Scan(log.BeginAddress, -1, null);
            if (!scan.Clean)
            {
                if (scan.GoodEntriesAfterBad && !config.CutCorruptLog) throw new LogCorruptedException(scan);
                logger.LogWarning("AOF damaged at address {Address} ({Problem}); cutting the log there. Entries before it: {Entries}",
                    scan.FirstBadAddress, scan.Problem, scan.EntriesRead);
                bool truncated = log.BeginAddress > FirstLogAddress;
                log.Dispose();
                string kept = LogRepair.CutAt(logOptions, scan.FirstBadAddress);
                LogLayout.Record(config.AofDirectory, (int)(logOptions.SegmentSize >> 20));
                logger.LogWarning("The damaged log was kept at {Path}", kept);
                if (files.Count > 0 || truncated) ReplaceSnapshots(config, store, snapshots, logOptions, kept, logger);
                return Open(config, logger, kept);
            }
            var report = new RecoveryReport(scan.EntriesRead, store.DbSize(0), clock.Elapsed, damagedLogKeptAt, loaded?.Path, replay.Applied, replay.Skipped);
            logger.LogInformation("Recovered {Entries} log entries ({Applied} applied, {Skipped} already in the snapshot) in {Ms:F1} ms (log {Begin}..{Tail})",
                scan.EntriesRead, replay.Applied, replay.Skipped, clock.Elapsed.TotalMilliseconds, log.BeginAddress, log.TailAddress);
            if (store.ApplyFaults > 0)
                logger.LogError("{Faults} replayed events could not be applied (errors above); the node starts without their effects, as it ran before",
                    store.ApplyFaults);
            return (log, store, report);
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }

    /// <summary>
    /// After a cut, the repaired log is a copy whose addresses may differ from the old one (when the old one had been
    /// truncated), so the old snapshots no longer line up with it: they move aside with the damaged log, and the
    /// recovered state (<paramref name="store"/>: snapshot + good prefix) becomes a snapshot at the new log's end.
    /// </summary>
    private static void ReplaceSnapshots(NodeConfig config, Store store, SnapshotDirectory snapshots, LogOptions logOptions, string kept, ILogger logger)
    {
        long tail;
        using (var repaired = AppendOnlyLog.Open(logOptions))
        {
            var check = repaired.Scan(repaired.BeginAddress, -1, null);
            if (!check.Clean) throw new LogCorruptedException(check);
            tail = repaired.TailAddress;
        }
        string aside = Path.Combine(kept, "snapshots");
        Directory.CreateDirectory(aside);
        foreach (var file in snapshots.List()) File.Move(file, Path.Combine(aside, Path.GetFileName(file)));
        string path = snapshots.NextPath();
        SnapshotWriter.Write(store, path, config.NodeId, null, tail);
        logger.LogWarning("Old snapshots moved to {Aside}; the recovered state was saved as {Path} at log address {Tail}", aside, path, tail);
    }

    /// <summary>The first faults in full, then one line at each power of two: a replay of many faulting entries
    /// must not drown the log.</summary>
    private static void LogApplyFault(ILogger logger, ApplyFault fault)
    {
        if (fault.Count <= 10)
            logger.LogError(fault.Error, "A logged {Kind} event could not be applied (fault {Count}); the node goes on without it. This is a bug: please report it with this message",
                (EventKind)fault.Kind, fault.Count);
        else if (System.Numerics.BitOperations.IsPow2(fault.Count))
            logger.LogError("{Count} logged events could not be applied so far; the last: {Kind}, {Error}",
                fault.Count, (EventKind)fault.Kind, fault.Error.Message);
    }

    /// <summary>serve --from-snapshot: a new data directory starts from a snapshot file (e.g. a point-in-time replay).</summary>
    private static (AppendOnlyLog?, Store, RecoveryReport) Seed(NodeConfig config, ILogger logger, AppendOnlyLog log, StoreOptions storeOptions,
        SnapshotDirectory snapshots, string seed, Stopwatch clock)
    {
        var scan = log.Scan(log.BeginAddress, -1, null);
        if (!scan.Clean || scan.EntriesRead > 0 || snapshots.List().Count > 0)
            throw new RecoveryException($"--from-snapshot seeds a new data directory, but {config.DataDir} already holds a log or snapshots; " +
                                        "use an empty --data-dir");
        var store = new Store(storeOptions, log);
        var header = SnapshotFile.Load(seed, store);
        // From now on the data directory stands on its own: its first snapshot is this state, at its (empty) log.
        SnapshotWriter.Write(store, snapshots.NextPath(), config.NodeId, log);
        logger.LogInformation("Started from snapshot {Path}: {Keys} keys", seed, header.Keys);
        return (log, store, new RecoveryReport(0, store.DbSize(0), clock.Elapsed, null, seed));
    }
}
