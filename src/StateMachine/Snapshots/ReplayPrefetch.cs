using HyperCache.StateMachine.Keyspace;

namespace HyperCache.StateMachine.Snapshots;

/// <summary>
/// Look-ahead for one replay worker going through a batch of one-key events. Applying a SET to a table far bigger
/// than the CPU cache is a chain of four misses (bucket, slot, key array, value), each waiting for the one before;
/// here each link is asked for a few entries before it is needed, one link per stage: the bucket six entries
/// ahead, the slot four ahead, key and value two ahead. By the time Apply looks the key up, it is in the cache.
/// Hints only: whatever happens in between (a table grows, a key is added), Apply does the real lookup.
/// </summary>
internal sealed class ReplayPrefetch(Store store)
{
    private const int BucketAhead = 6, SlotAhead = 4, KeyAhead = 2, Ring = 8;

    private readonly KeyHint[] _hints = new KeyHint[Ring];

    /// <summary>The three stages due before applying entry <paramref name="i"/> of <paramref name="count"/>, whose
    /// records lie in <paramref name="data"/> at <paramref name="offsets"/>.</summary>
    public void Before(int i, int count, byte[] data, int[] offsets)
    {
        if (i == 0)
            for (int j = 0; j < Math.Min(BucketAhead, count); j++) Locate(j, data, offsets[j]); // the batch's first few
        if (i + BucketAhead < count) Locate(i + BucketAhead, data, offsets[i + BucketAhead]);
        if (i + SlotAhead < count) _hints[(i + SlotAhead) % Ring].Slot();
        if (i + KeyAhead < count) _hints[(i + KeyAhead) % Ring].KeyAndValue();
    }

    /// <summary>Stage 1: the entry's bucket, and the hint kept for the later stages.</summary>
    private void Locate(int i, byte[] data, int at)
    {
        var body = data.AsSpan(at + ParallelApply.RecordHeader, ParallelApply.RecordLength(data, at));
        _hints[i % Ring] = store.HintEvent(ParallelApply.RecordShard(data, at), body);
    }
}
