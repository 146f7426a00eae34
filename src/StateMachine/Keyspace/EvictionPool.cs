namespace HyperCache.StateMachine.Keyspace;

/// <summary>
/// Redis's eviction pool, one per shard: the best candidates (highest score: most idle, least used, soonest
/// expiring) that sampling has seen, kept across evictions so each eviction compares more than one sample's keys.
/// Keys are the table's own arrays, so a candidate deleted meanwhile is recognised by reference.
/// </summary>
public sealed class EvictionPool
{
    public const int Size = 16;

    private readonly Database?[] _dbs = new Database?[Size];
    private readonly byte[]?[] _keys = new byte[Size][];
    private readonly long[] _scores = new long[Size];
    private int _count;    // candidates in 0.._count-1, ascending by score

    public int Count => _count;

    public void Clear()
    {
        Array.Clear(_dbs);
        Array.Clear(_keys);
        _count = 0;
    }

    /// <summary>Offers a candidate; a full pool keeps it only if it beats the worst one there.</summary>
    public void Offer(Database db, byte[] key, long score)
    {
        for (int i = 0; i < _count; i++)
            if (ReferenceEquals(_keys[i], key)) return;   // already a candidate
        int at;
        if (_count < Size) at = _count++;
        else if (score > _scores[0]) { RemoveAt(0); at = _count++; }
        else return;
        while (at > 0 && _scores[at - 1] > score)
        {
            _dbs[at] = _dbs[at - 1]; _keys[at] = _keys[at - 1]; _scores[at] = _scores[at - 1];
            at--;
        }
        _dbs[at] = db; _keys[at] = key; _scores[at] = score;
    }

    /// <summary>The best candidate, taken out of the pool; false when empty.</summary>
    public bool TakeBest(out Database db, out byte[] key, out long score)
    {
        if (_count == 0) { db = null!; key = null!; score = 0; return false; }
        _count--;
        db = _dbs[_count]!; key = _keys[_count]!; score = _scores[_count];
        _dbs[_count] = null; _keys[_count] = null;
        return true;
    }

    /// <summary>Score of the best candidate left (long.MinValue when empty).</summary>
    public long BestScore => _count == 0 ? long.MinValue : _scores[_count - 1];

    private void RemoveAt(int index)
    {
        for (int i = index; i < _count - 1; i++)
        {
            _dbs[i] = _dbs[i + 1]; _keys[i] = _keys[i + 1]; _scores[i] = _scores[i + 1];
        }
        _count--;
        _dbs[_count] = null; _keys[_count] = null;
    }
}
