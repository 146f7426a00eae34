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

    internal void EndCut(SnapshotCut cut)
    {
        cut.ReleaseAll();
        Interlocked.CompareExchange(ref _cut, null, cut);
    }

    /// <summary>Shard <paramref name="index"/>'s capture for this cut: taken now under its lock, unless a
    /// multi-shard write already took it.</summary>
    internal ShardCapture TakeCapture(SnapshotCut cut, int index)
    {
        var shard = _shards[index];
        lock (shard.Lock) return cut.Take(shard);
    }

    /// <summary>How many slots (or captured keys) ahead a snapshot asks for the memory it will touch: values and key
    /// arrays lie scattered over the heap, and a 100 k-key shard walked without it is one miss after another.</summary>
    internal const int CapturePrefetchDistance = 8;

    /// <summary>
    /// Lists what a shard holds, under its lock, sharing every value: keys are immutable arrays; no string is
    /// overwritten in place while a cut is installed (Store.CanOverwriteInPlace), and the cut lasts until the file
    /// is written; collections are marked with the capture's token, and a write copies one before changing it
    /// (<see cref="Unshared"/>) until the writer has written the shard out. The capture therefore costs a pass
    /// over the keys, not a copy of every collection (which stalled the shard and doubled the collections' memory
    /// while the snapshot was written), and only collections written during that time are copied, as a fork's
    /// copy-on-write pages are for Redis. The events that rebuild the values are written later, unlocked.
    /// </summary>
    internal ShardCapture Capture(Shard shard, long coveredAddress)
    {
        var token = new CaptureToken();
        int count = 0;
        for (int db = 0; db < Databases; db++) count += shard.DbIfExists(db)?.Table.Count ?? 0;
        var keys = new List<CapturedKey>(count);
        for (int db = 0; db < Databases; db++)
        {
            var table = shard.DbIfExists(db)?.Table;
            if (table is null) continue;
            for (int i = 0; i < table.Capacity; i++)
            {
                table.PrefetchValueAt(i + CapturePrefetchDistance); // the type test below reads each value's header
                var key = table.KeyAt(i);
                if (key is null) continue;
                ref Entry entry = ref table.EntryAt(i);
                if (entry.Value is CollectionValue collection) collection.CapturedBy = token;
                keys.Add(new CapturedKey(db, key, entry.Value, entry.ExpireAt));
            }
        }
        return new ShardCapture(shard.Index, coveredAddress, keys, token, ReplicationOrigin,
            shard.Index == 0 ? Libraries : null);
    }

    /// <summary>
    /// The value at <paramref name="entry"/>, safe to change: a collection that a snapshot captured and is still
    /// writing out is first replaced by a copy (see <see cref="Capture"/>). Every Apply path calls it before it
    /// changes a collection in place.
    /// </summary>
    private static object Unshared(Database database, ref Entry entry)
    {
        if (entry.Value is CollectionValue { CapturedBy: { Released: false } } captured)
            database.SetValue(ref entry, captured.Clone());
        return entry.Value;
    }
}
