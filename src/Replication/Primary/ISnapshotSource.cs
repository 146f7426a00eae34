using HyperCache.StateMachine.Snapshots;

namespace HyperCache.Replication.Primary;

/// <summary>Gives log shipping a durable snapshot of this node (taken now, or a recent one) for a full sync.
/// Implemented by the node's snapshot coordinator (Frontends), which owns SAVE/BGSAVE and compaction.</summary>
public interface ISnapshotSource
{
    Task<(string Path, SnapshotHeader Header)> TakeAsync(CancellationToken ct);
}
