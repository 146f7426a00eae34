using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Snapshots;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

/// <summary>Snapshot support: a cut in progress, and the capture of one shard under its lock.</summary>
public sealed partial class Store
{
    /// <summary>The snapshot being taken, if any; multi-shard writes consult it (see <see cref="SnapshotCut"/>).</summary>
    private SnapshotCut? _cut;

    /// <summary>Installs a cut; only one at a time.</summary>
    internal void BeginCut(SnapshotCut cut)
    {
        if (Interlocked.CompareExchange(ref _cut, cut, null) != null)
            throw new InvalidOperationException("a snapshot is already in progress");
    }

    internal void EndCut(SnapshotCut cut) => Interlocked.CompareExchange(ref _cut, null, cut);

    /// <summary>Shard <paramref name="index"/>'s capture for this cut: taken now under its lock, unless a
    /// multi-shard write already took it.</summary>
    internal ShardCapture TakeCapture(SnapshotCut cut, int index)
    {
        var shard = _shards[index];
        lock (shard.Lock) return cut.Take(shard);
    }

    /// <summary>
    /// Copies what a shard holds, under its lock: keys are immutable arrays, so they are shared; strings are shared
    /// too, because no string is overwritten in place while a cut is installed (Store.CanOverwriteInPlace), and the
    /// cut lasts until the file is written; collections are mutable, so they are cloned. The events that rebuild
    /// them are written later, unlocked.
    /// </summary>
    internal ShardCapture Capture(Shard shard, long coveredAddress)
    {
        var keys = new List<CapturedKey>();
        for (int db = 0; db < Databases; db++)
        {
            var table = shard.DbIfExists(db)?.Table;
            if (table is null) continue;
            for (int i = 0; i < table.Capacity; i++)
            {
                var key = table.KeyAt(i);
                if (key is null) continue;
                ref Entry entry = ref table.EntryAt(i);
                object value = entry.Value is CollectionValue collection ? collection.Clone() : entry.Value;
                keys.Add(new CapturedKey(db, key, value, entry.ExpireAt));
            }
        }
        return new ShardCapture(shard.Index, coveredAddress, keys, ReplicationOrigin);
    }
}
