namespace HyperCache.Replication.Strategies;

/// <summary>
/// Strategies by name. A new one registers a factory here; the write path only ever talks to
/// <see cref="IReplicationStrategy"/>.
/// </summary>
public static class ReplicationStrategies
{
    private static readonly Dictionary<string, Func<StrategyContext, IReplicationStrategy>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["none"] = _ => new NoneStrategy(),
        ["async"] = _ => new AsyncStrategy(),
        ["sync"] = c => new SyncStrategy(c.Replicator, c.Options),
    };

    public static IReadOnlyCollection<string> Names
    {
        get { lock (Factories) return [.. Factories.Keys]; }
    }

    public static void Register(string name, Func<StrategyContext, IReplicationStrategy> factory)
    {
        lock (Factories) Factories[name] = factory;
    }

    public static bool IsKnown(string name)
    {
        lock (Factories) return Factories.ContainsKey(name);
    }

    public static IReplicationStrategy Create(string name, StrategyContext context)
    {
        Func<StrategyContext, IReplicationStrategy>? factory;
        lock (Factories) Factories.TryGetValue(name, out factory);
        return factory is null
            ? throw new ArgumentException($"unknown replication mode '{name}' (known: {string.Join(", ", Names)})")
            : factory(context);
    }
}

/// <summary>No replication: replicas are refused, writes reply at once.</summary>
public sealed class NoneStrategy : IReplicationStrategy
{
    public string Name => "none";
    public bool ShipsLog => false;
    public bool WaitsForReplicas => false;
    public bool MayWrite() => true;
    public ValueTask<WriteOutcome> AfterWriteAsync(long address, CancellationToken ct) => ValueTask.FromResult(WriteOutcome.Acknowledged);
}

/// <summary>Redis's default: reply at once, the log is shipped in the background.</summary>
public sealed class AsyncStrategy : IReplicationStrategy
{
    public string Name => "async";
    public bool ShipsLog => true;
    public bool WaitsForReplicas => false;
    public bool MayWrite() => true;
    public ValueTask<WriteOutcome> AfterWriteAsync(long address, CancellationToken ct) => ValueTask.FromResult(WriteOutcome.Acknowledged);
}

/// <summary>
/// Reply only once <c>min_acks</c> replicas hold the write durably. A write is refused up front (NOREPLICAS, as
/// Redis's min-replicas-to-write) while fewer replicas are online; if the acknowledgements do not come within
/// <c>sync_timeout_ms</c> the outcome is <see cref="WriteOutcome.NotEnoughReplicas"/>.
/// </summary>
public sealed class SyncStrategy(Replicator replicator, ReplicationOptions options) : IReplicationStrategy
{
    public string Name => "sync";
    public bool ShipsLog => true;
    public bool WaitsForReplicas => replicator.IsPrimary;
    public bool MayWrite() => !replicator.IsPrimary || replicator.Replicas.Online >= options.MinAcks;

    public async ValueTask<WriteOutcome> AfterWriteAsync(long address, CancellationToken ct)
    {
        if (!replicator.IsPrimary || address < 0) return WriteOutcome.Acknowledged;
        // Only committed entries are shipped: ask for the commit now rather than at the next everysec tick.
        await replicator.Log.WaitForCommitAsync(address);
        int acked = await replicator.Replicas.WaitForAcksAsync(address, options.MinAcks, TimeSpan.FromMilliseconds(options.SyncTimeoutMs), ct);
        return acked >= options.MinAcks ? WriteOutcome.Acknowledged : WriteOutcome.NotEnoughReplicas;
    }
}
