using HyperCache.Frontends.Configuration;
using HyperCache.Frontends.Metrics;
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

    private Node(NodeConfig config, CommandTable commands, Resp.Acl.AclUsers acl, AppendOnlyLog? log, Store store, RecoveryReport recovery, Prometheus.CollectorRegistry registry)
    {
        Config = config;
        Log = log;
        Store = store;
        Pause = new ClientPause(store, Clients);
        Recovery = recovery;
        store.ConfigureMemory(config.MemorySettings());
        KeyspaceEventPublisher.Configure(this);
        store.PublishSink = PubSub; // a replica's subscribers hear what its primary's PUBLISH sent
        Tracking = new Resp.Tracking.TrackingHub(store, Clients) { MaxKeys = config.TrackingTableMaxKeys };
        Commands = commands;
        Acl = acl;
        SlowLog.Configure(config);
        Latency.ThresholdMs = config.LatencyMonitorThreshold;
        Metrics = new NodeMetrics(this, registry);
        Rates = new InstantaneousRates(() => CommandsProcessed, Traffic);
        if (log is not null)
            log.WriteFailed = reason => Logger.LogError(
                "The AOF cannot be written: {Reason}. Until the node restarts it refuses writes and PING (MISCONF) or, a replica, "
                + "cannot follow its primary; reads go on. Free the disk, then restart: recovery reads the log up to its last good commit", reason);
        if (log is not null)
            log.CommitCompleted += elapsed => Latency.Record(
                log.Durability == Durability.Always ? LatencyMonitor.AofFsyncAlways : LatencyMonitor.AofFsyncBackground, (long)elapsed.TotalMilliseconds);
    }

    public NodeConfig Config { get; }
    public AppendOnlyLog? Log { get; }
    public Store Store { get; }
    public RecoveryReport Recovery { get; }
    public CommandTable Commands { get; }
    public NodeMetrics Metrics { get; }
    /// <summary>True once the host listens after recovery, false again when shutdown begins (GET /ready).</summary>
    public bool AcceptingWrites { get; set; }
    public ClientRegistry Clients { get; } = new();
    public PubSubHub PubSub { get; } = new();
    /// <summary>CLIENT TRACKING: the keys tracking clients read and their invalidations.</summary>
    public Resp.Tracking.TrackingHub Tracking { get; private set; } = null!;
    /// <summary>Clients in MONITOR mode and the feed of commands to them.</summary>
    public MonitorFeed Monitors { get; } = new();
    public SlowLog SlowLog { get; } = new();
    public AclLog AclLog { get; } = new();
    /// <summary>ACL users (in memory and the config file; not in the AOF, not replicated).</summary>
    public Resp.Acl.AclUsers Acl { get; }
    /// <summary>LATENCY: events that took at least latency-monitor-threshold ms.</summary>
    public LatencyMonitor Latency { get; } = new();
    /// <summary>A script past busy-reply-threshold: other clients get BUSY; SCRIPT KILL.</summary>
    public Scripting.BusyScript BusyScript { get; } = new();
    /// <summary>CLIENT PAUSE / UNPAUSE.</summary>
    public ClientPause Pause { get; }
    /// <summary>MIGRATE's cached connections to its targets.</summary>
    public MigrateSockets MigrateSockets { get; } = new();
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;
    public string RunId { get; } = Guid.NewGuid().ToString("N") + "00000000";
    public long CommandsProcessed => Interlocked.Read(ref _commandsProcessed);
    /// <summary>Where INFO stats counts from (CONFIG RESETSTAT).</summary>
    public Frontends.Metrics.StatsBase StatsBase { get; set; } = Frontends.Metrics.StatsBase.Zero;

    public void CountCommands(long n) => Interlocked.Add(ref _commandsProcessed, n);

    /// <summary>RESP bytes in and out (INFO's total_net_*_bytes).</summary>
    public Frontends.Metrics.NetworkTraffic Traffic { get; } = new();

    /// <summary>INFO's instantaneous_* rates, sampled every 100 ms.</summary>
    public Frontends.Metrics.InstantaneousRates Rates { get; }

    /// <summary>Rebuilds the state (snapshot, then log: see <see cref="NodeRecovery"/>) and opens the node.</summary>
    /// <param name="registry">Where its metrics go (the host maps it while recovery runs); a new one when null.</param>
    public static Node Open(NodeConfig config, ILogger logger, Prometheus.CollectorRegistry? registry = null)
    {
        // The config file's users are checked before recovery: a bad user line stops the start (as Redis).
        var commands = CommandCatalog.Build();
        var acl = Resp.Acl.AclUsers.Configured(commands, config);
        var (log, store, report) = NodeRecovery.Open(config, logger);
        var node = new Node(config, commands, acl, log, store, report, registry ?? Prometheus.Metrics.NewCustomRegistry());
        node.Logger = logger;
        node.BusyScript.Stalled = message => logger.LogWarning("Busy script: {Message}", message);
        node.Snapshots = new SnapshotCoordinator(node, logger);
        if (log != null)
            node.Replication = new HyperCache.Replication.Replicator(store, log, config.Replication, config.DataDir,
                renewId: report.DamagedLogKeptAt != null, config.RespPort, new ReplicationSnapshots(node),
                () => LogHoldsWholeState(log, config), logger);
        node.Store.FollowsPrimary = () => node.IsReplica; // a replica evicts nothing itself (replica-ignore-maxmemory)
        if (node.Replication != null)
        {
            node.Replication.RequiredPassword = () => config.RequirePass; // CONFIG SET requirepass applies to new streams
            node.Replication.Admits = node.Acl.AdmitsReplica; // the ACL users decide: a masteruser, or the default user
            node.Replication.RoleChanged = primary => config.ReplicaOf = primary; // FAILOVER, as REPLICAOF sets it
            _ = new ReplicationMetrics(node.Metrics.Registry, node.Replication);
        }
        return node;
    }

    public ILogger Logger { get; private set; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>Stops the host (SHUTDOWN): set by the host once it runs; null before that.</summary>
    public Action? StopHost { get; set; }

    /// <summary>SAVE, BGSAVE, BGREWRITEAOF and the schedule: snapshots and log compaction.</summary>
    public SnapshotCoordinator Snapshots { get; private set; } = null!;

    /// <summary>Replaying the log from its begin rebuilds the state only if it was never truncated and no snapshot
    /// exists (a seeded or repaired data directory starts from a snapshot with a log that begins at the start).</summary>
    private static bool LogHoldsWholeState(AppendOnlyLog log, NodeConfig config)
        => log.BeginAddress <= NodeRecovery.FirstLogAddress && new HyperCache.StateMachine.Snapshots.SnapshotDirectory(config.SnapshotDirectory).List().Count == 0;

    /// <summary>Log shipping, REPLICAOF, WAIT; null without an AOF (nothing to ship).</summary>
    public HyperCache.Replication.Replicator? Replication { get; private set; }

    /// <summary>A replica refuses client writes (READONLY).</summary>
    public bool IsReplica => Replication is { IsPrimary: false };

    /// <summary>Writes need a check before they run: refused on a replica, or NOREPLICAS under the sync strategy.</summary>
    public bool GatesWrites => Replication is { } r && (!r.IsPrimary || r.Strategy.WaitsForReplicas);

    public void Dispose()
    {
        Replication?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(15));
        // A background snapshot commits the log before it publishes itself: let it finish first.
        Snapshots?.WaitIdle(TimeSpan.FromSeconds(30));
        Log?.Dispose();
        Pause.Dispose();
        MigrateSockets.Dispose();
        Rates.Dispose();
    }
}
