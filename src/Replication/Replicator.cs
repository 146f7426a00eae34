using HyperCache.Log;
using HyperCache.Replication.Failover;
using HyperCache.Replication.Primary;
using HyperCache.Replication.Replica;
using HyperCache.Replication.Strategies;
using HyperCache.StateMachine;
using Microsoft.Extensions.Logging;

namespace HyperCache.Replication;

/// <summary>
/// A node's replication role. It ships its log (<see cref="LogShippingService"/>) and tracks its replicas
/// (<see cref="Replicas"/>, also the log's truncation floor); as a replica it also follows one primary
/// (<see cref="ReplicaFollower"/>), refuses client writes, and its own replicas are chained below it (its log holds
/// what it applied). REPLICAOF switches between the two.
/// </summary>
public sealed class Replicator : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly ILogger _logger;
    private readonly Func<bool> _logHoldsWholeState;
    private ReplicaFollower? _follower;
    private long _bytesShipped;
    private int _upstreamEpoch;

    /// <param name="logHoldsWholeState">True while replaying this node's log from its begin rebuilds its state (never
    /// truncated, not seeded from a snapshot): a full sync can then ship the log instead of a snapshot.</param>
    public Replicator(Store store, AppendOnlyLog log, ReplicationOptions options, string dataDir, bool renewId, int ownPort,
        ISnapshotSource snapshots, Func<bool> logHoldsWholeState, ILogger logger)
    {
        Store = store;
        Log = log;
        Options = options;
        DataDir = dataDir;
        OwnPort = ownPort;
        Snapshots = snapshots;
        _logHoldsWholeState = logHoldsWholeState;
        _logger = logger;
        ReplicationId = Replication.ReplicationId.LoadOrCreate(dataDir, renewId);
        // A cut log changed what its addresses mean: the previous history's promotion address with them.
        if (renewId) PreviousHistory.Save(dataDir, null);
        Previous = PreviousHistory.Load(dataDir, ReplicationId);
        Replicas = new ReplicaRegistry(log, options);
        log.AddTruncationFloor(Replicas);
        Strategy = ReplicationStrategies.Create(options.Mode, new StrategyContext(this, options));
        Failover = new FailoverCoordinator(this, logger);
    }

    public Store Store { get; }
    public AppendOnlyLog Log { get; }
    public ReplicationOptions Options { get; }

    /// <summary>The password a replica must give to follow this node (requirepass, which CONFIG SET may change):
    /// see <see cref="ReplicationAuth"/>. Set by the host; none by default.</summary>
    public Func<string> RequiredPassword { get; set; } = static () => "";

    /// <summary>When set (by a host with ACL users), decides instead of <see cref="RequiredPassword"/> whether a
    /// replica's user and password may follow this node.</summary>
    public Func<string, byte[]?, bool>? Admits { get; set; }

    /// <summary>The guard every replication call passes first (see <see cref="ReplicationAuth"/>).</summary>
    public void Authorize(global::Grpc.Core.ServerCallContext context)
    {
        if (Admits is { } admits) ReplicationAuth.Demand(context, admits);
        else ReplicationAuth.Demand(context, RequiredPassword());
    }
    public string DataDir { get; }
    /// <summary>This node's RESP port (a replica reports it to its primary, as Redis's REPLCONF listening-port).</summary>
    public int OwnPort { get; }
    public ISnapshotSource Snapshots { get; }
    public IReplicationStrategy Strategy { get; }
    public ReplicaRegistry Replicas { get; }
    /// <summary>FAILOVER on this node as a primary.</summary>
    public FailoverCoordinator Failover { get; }
    public string ReplicationId { get; private set; }
    /// <summary>The history this node followed before its last promotion (master_replid2); null when none.</summary>
    public PreviousHistory? Previous { get; private set; }
    public ReplicaFollower? Follower => Volatile.Read(ref _follower);
    public bool IsPrimary => Follower is null;
    /// <summary>Whether a PUBLISH here should be logged for replicas (<see cref="Store.LogPublish"/>): a primary
    /// that ships its log and has had a replica.</summary>
    public bool PassesOnMessages => Strategy.ShipsLog && Replicas.Any && IsPrimary;
    public long BytesShipped => Interlocked.Read(ref _bytesShipped);

    /// <summary>This node's id, then those of the primaries above it up to the top (<see cref="ReplicationChain"/>).</summary>
    public IReadOnlyList<string> Chain => Follower is { } f ? [ReplicationId, .. f.Upstream] : [ReplicationId];

    /// <summary>Changes whenever what is above this node may have changed (it follows another primary, or learned a
    /// new chain): the log streams it serves end then, and their replicas resubscribe, checking the new chain.</summary>
    public int UpstreamEpoch => Volatile.Read(ref _upstreamEpoch);
    internal void UpstreamChanged() => Interlocked.Increment(ref _upstreamEpoch);

    public bool LogHoldsWholeState() => _logHoldsWholeState();
    internal void CountBytesShipped(long bytes) => Interlocked.Add(ref _bytesShipped, bytes);

    /// <summary>REPLICAOF host port: follow that primary (keeping the data until a full sync replaces it).
    /// False when already following it.</summary>
    public async Task<bool> FollowAsync(string host, int port)
    {
        ReplicaFollower? old, started;
        lock (_lock)
        {
            old = _follower;
            if (old != null && old.Host == host && old.Port == port) return false;
            started = new ReplicaFollower(this, host, port, _logger);
            _follower = started;
        }
        if (old != null) await old.DisposeAsync();
        Replicas.Clear();
        UpstreamChanged();
        started.Start();
        return true;
    }

    /// <summary>REPLICAOF NO ONE: stop following and become a primary of a new history (new replication id); the
    /// data stays. The old primary's id and how far this node had applied its log are kept (<see cref="Previous"/>),
    /// so the old primary's other replicas can continue here without a full sync.</summary>
    public async Task PromoteAsync()
    {
        ReplicaFollower? old;
        lock (_lock)
        {
            old = _follower;
            _follower = null;
        }
        if (old is null) return;
        await old.DisposeAsync();
        var origin = Store.ReplicationOrigin;
        // Logged, so that after a restart the node does not believe it still holds the old primary's position
        // while its own writes have diverged from it.
        long promotion = Store.ApplyReplicated([], null);
        await Log.WaitForCommitAsync(promotion);
        // Written before the new id: a crash between the two leaves the old id in both, which Load ignores.
        var previous = origin is { } o && promotion >= 0 ? new PreviousHistory(o.ReplicationId, o.NextAddress, promotion, ReplicationId) : null;
        PreviousHistory.Save(DataDir, previous);
        ReplicationId = Replication.ReplicationId.Save(DataDir, Replication.ReplicationId.New());
        Previous = previous;
    }

    /// <summary>FAILOVER's last step on the old primary: follow <paramref name="host"/>:<paramref name="port"/>, which
    /// took over this node's history up to <paramref name="resumeAddress"/>. A replication mark first records that this
    /// node holds its own history up to there, so the follower continues in the new primary's log (its second id is
    /// this node's id) instead of a full sync.</summary>
    public async Task HandOverAsync(string host, int port, long resumeAddress)
    {
        long mark = Store.ApplyReplicated([], new ReplicationPosition(ReplicationId, resumeAddress));
        await Log.WaitForCommitAsync(mark);
        await FollowAsync(host, port);
        RoleChanged($"{host} {port}");
    }

    /// <summary>Told when a FAILOVER changes this node's role (the host keeps CONFIG's replicaof in step): the new
    /// primary's "host port", or null when this node became a primary.</summary>
    public Action<string?> RoleChanged { get; set; } = static _ => { };

    public async ValueTask DisposeAsync()
    {
        ReplicaFollower? old;
        lock (_lock)
        {
            old = _follower;
            _follower = null;
        }
        if (old != null) await old.DisposeAsync();
    }
}
