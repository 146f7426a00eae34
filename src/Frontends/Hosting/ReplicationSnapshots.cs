using HyperCache.Replication.Primary;
using HyperCache.StateMachine.Snapshots;

namespace HyperCache.Frontends.Hosting;

/// <summary>Snapshots for full syncs, from the node's coordinator: a fresh one, taken on its own thread (waiting
/// while another snapshot runs), so the replica continues from a recent address.</summary>
public sealed class ReplicationSnapshots(Node node) : ISnapshotSource
{
    public async Task<(string Path, SnapshotHeader Header)> TakeAsync(CancellationToken ct)
    {
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var taken = await Task.Factory.StartNew(() =>
            {
                bool ran = node.Snapshots.TrySave(out var header, out var error);
                if (ran && header is null) throw new IOException("snapshot for a full sync failed: " + error);
                return ran ? (node.Snapshots.LastSnapshotPath!, header!) : ((string, SnapshotHeader)?)null;
            }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            if (taken is { } t) return t;
            await Task.Delay(50, ct); // another snapshot is being written
        }
    }
}
