using System.Diagnostics;
using HyperCache.Frontends.Configuration;
using HyperCache.Frontends.Resp;
using HyperCache.Frontends.Resp.Commands;
using HyperCache.Log;
using HyperCache.StateMachine;
using Microsoft.Extensions.Logging;

namespace HyperCache.Frontends.Hosting;

/// <summary>
/// One running node: its configuration, its log, the state machine rebuilt from that log, and what the
/// frontends share (commands, clients, counters). Created by <see cref="Open"/>, which performs recovery.
/// </summary>
public sealed class Node : IDisposable
{
    private long _commandsProcessed;

    private Node(NodeConfig config, AppendOnlyLog? log, Store store, RecoveryReport recovery)
    {
        Config = config;
        Log = log;
        Store = store;
        Recovery = recovery;
        Commands = CommandCatalog.Build();
    }

    public NodeConfig Config { get; }
    public AppendOnlyLog? Log { get; }
    public Store Store { get; }
    public RecoveryReport Recovery { get; }
    public CommandTable Commands { get; }
    public ClientRegistry Clients { get; } = new();
    public PubSubHub PubSub { get; } = new();
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;
    public string RunId { get; } = Guid.NewGuid().ToString("N") + "00000000";
    public long CommandsProcessed => Interlocked.Read(ref _commandsProcessed);
    public long LastSaveUnix { get; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public void CountCommands(long n) => Interlocked.Add(ref _commandsProcessed, n);

    /// <summary>Opens the AOF (if enabled) and replays it into a fresh store. A damaged final entry is cut with a
    /// warning; damage with good entries after it stops start-up unless <see cref="NodeConfig.CutCorruptLog"/>.</summary>
    public static Node Open(NodeConfig config, ILogger logger)
    {
        var storeOptions = new StoreOptions { Shards = config.Shards, Databases = config.Databases };
        if (!config.AppendOnly)
        {
            var volatileStore = new Store(storeOptions, null);
            return new Node(config, null, volatileStore, new RecoveryReport(0, 0, TimeSpan.Zero, null));
        }
        var logOptions = new LogOptions { Directory = config.AofDirectory, Durability = config.AppendFsync };
        var clock = Stopwatch.StartNew();
        var log = AppendOnlyLog.Open(logOptions);
        var store = new Store(storeOptions, log);
        var scan = log.Scan(log.BeginAddress, -1, store);
        string? cut = null;
        if (!scan.Clean)
        {
            if (scan.GoodEntriesAfterBad && !config.CutCorruptLog)
            {
                log.Dispose();
                throw new LogCorruptedException(scan);
            }
            logger.LogWarning("AOF damaged at address {Address} ({Problem}); cutting the log there. Entries before it: {Entries}",
                scan.FirstBadAddress, scan.Problem, scan.EntriesRead);
            log.Dispose();
            cut = LogRepair.CutAt(logOptions, scan.FirstBadAddress);
            logger.LogWarning("The damaged log was kept at {Path}", cut);
            log = AppendOnlyLog.Open(logOptions);
            store = new Store(storeOptions, log);
            scan = log.Scan(log.BeginAddress, -1, store);
            if (!scan.Clean) throw new LogCorruptedException(scan);
        }
        var report = new RecoveryReport(scan.EntriesRead, store.DbSize(0), clock.Elapsed, cut);
        logger.LogInformation("Recovered {Entries} log entries in {Ms:F1} ms (log {Begin}..{Tail})",
            scan.EntriesRead, clock.Elapsed.TotalMilliseconds, log.BeginAddress, log.TailAddress);
        return new Node(config, log, store, report);
    }

    public void Dispose() => Log?.Dispose();
}

public sealed record RecoveryReport(long Entries, long KeysInDb0, TimeSpan Duration, string? DamagedLogKeptAt);
