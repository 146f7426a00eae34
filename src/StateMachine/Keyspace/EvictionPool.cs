namespace HyperCache.StateMachine.Keyspace;

/// <summary>
/// Redis's eviction pool, one per shard: the best candidates (highest score: most idle, least used, soonest
/// expiring) that sampling has seen, kept across evictions so each eviction compares more than one sample's keys.
/// Keys are the table's own arrays, so a candidate deleted meanwhile is recognised by reference.
/// </summary>
public sealed class EvictionPool
{
    public const int Size = 16;

    // One array of structs: storing a key into a byte[][] costs a covariance check that reads the key's header,
    // a cache miss per sampled key (14 % of an eviction-bound SET load's CPU); a struct field store does not.
    private readonly Candidate[] _candidates = new Candidate[Size];
    private int _count;    // candidates in 0.._count-1, ascending by score

    private struct Candidate
    {
        public Database Db;
        public byte[] Key;
        public int Slot;   // where the key was in its table when sampled (-1: unknown); checked before use
        public long Score;
    }

    public int Count => _count;

    public void Clear()
    {
        Array.Clear(_candidates);
        _count = 0;
    }

    /// <summary>Offers a candidate; a full pool keeps it only if it beats the worst one there.</summary>
    public void Offer(Database db, byte[] key, int slot, long score)
    {
        for (int i = 0; i < _count; i++)
            if (ReferenceEquals(_candidates[i].Key, key)) return;   // already a candidate
        int at;
        if (_count < Size) at = _count++;
        else if (score > _candidates[0].Score) { RemoveAt(0); at = _count++; }
        else return;
        while (at > 0 && _candidates[at - 1].Score > score)
        {
            _candidates[at] = _candidates[at - 1];
            at--;
        }
        _candidates[at] = new Candidate { Db = db, Key = key, Slot = slot, Score = score };
    }

    /// <summary>The best candidate, taken out of the pool; false when empty.</summary>
    public bool TakeBest(out Database db, out byte[] key, out int slot, out long score)
    {
        if (_count == 0) { db = null!; key = null!; slot = -1; score = 0; return false; }
        _count--;
        ref var best = ref _candidates[_count];
        db = best.Db; key = best.Key; slot = best.Slot; score = best.Score;
        best = default;
        return true;
    }

    /// <summary>Score of the best candidate left (long.MinValue when empty).</summary>
    public long BestScore => _count == 0 ? long.MinValue : _candidates[_count - 1].Score;

    private void RemoveAt(int index)
    {
        for (int i = index; i < _count - 1; i++) _candidates[i] = _candidates[i + 1];
        _count--;
        _candidates[_count] = default;
    }
}
