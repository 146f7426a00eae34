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

    private Node(NodeConfig config, AppendOnlyLog? log, Store store, RecoveryReport recovery)
    {
        Config = config;
        Log = log;
        Store = store;
        Recovery = recovery;
        store.ConfigureMemory(config.MemorySettings());
        Commands = CommandCatalog.Build();
        Metrics = new NodeMetrics(this);
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
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;
    public string RunId { get; } = Guid.NewGuid().ToString("N") + "00000000";
    public long CommandsProcessed => Interlocked.Read(ref _commandsProcessed);

    public void CountCommands(long n) => Interlocked.Add(ref _commandsProcessed, n);

    /// <summary>Rebuilds the state (snapshot, then log: see <see cref="NodeRecovery"/>) and opens the node.</summary>
    public static Node Open(NodeConfig config, ILogger logger)
    {
        var (log, store, report) = NodeRecovery.Open(config, logger);
        var node = new Node(config, log, store, report);
        node.Snapshots = new SnapshotCoordinator(node, logger);
        return node;
    }

    /// <summary>SAVE, BGSAVE, BGREWRITEAOF and the schedule: snapshots and log compaction.</summary>
    public SnapshotCoordinator Snapshots { get; private set; } = null!;

    public void Dispose()
    {
        // A background snapshot commits the log before it publishes itself: let it finish first.
        Snapshots?.WaitIdle(TimeSpan.FromSeconds(30));
        Log?.Dispose();
    }
}
