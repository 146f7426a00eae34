namespace HyperCache.Replication.Strategies;

/// <summary>What a strategy decides for a write, once per batch of a connection.</summary>
public enum WriteOutcome
{
    /// <summary>Reply now.</summary>
    Acknowledged,
    /// <summary>Not enough replicas confirmed in time: the client must not see a success.</summary>
    NotEnoughReplicas,
}

/// <summary>
/// A replication strategy: whether this primary ships its log, whether a write may run at all, and when its
/// client may be told it succeeded. Chosen by name (<c>replication.mode</c>) from <see cref="ReplicationStrategies"/>.
/// </summary>
public interface IReplicationStrategy
{
    string Name { get; }
    /// <summary>False for <c>none</c>: replicas are refused.</summary>
    bool ShipsLog { get; }
    /// <summary>True when <see cref="AfterWriteAsync"/> may wait (the connection then calls it once per batch).</summary>
    bool WaitsForReplicas { get; }
    /// <summary>Checked before a write command runs; false answers NOREPLICAS without running it.</summary>
    bool MayWrite();
    /// <summary>After a batch whose last write is at <paramref name="address"/> (and its local commit, if any).</summary>
    ValueTask<WriteOutcome> AfterWriteAsync(long address, CancellationToken ct);
}

/// <summary>What a strategy factory gets.</summary>
public sealed record StrategyContext(Replicator Replicator, ReplicationOptions Options);
