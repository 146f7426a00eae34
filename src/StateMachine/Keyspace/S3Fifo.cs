using System.IO.Hashing;
using System.Runtime.CompilerServices;

namespace HyperCache.StateMachine.Keyspace;

/// <summary>
/// S3-FIFO (Yang et al., SOSP '23) over one database's keys: a small FIFO that new keys enter (about 10 % of the
/// keys), a main FIFO, and a ghost FIFO of the hashes of keys recently evicted from the small one. Each key has a
/// 2-bit hit counter (<see cref="AccessBits"/>). Evicting: while the small queue holds its share, its oldest key
/// moves to main if it was hit since insertion, else it is evicted and remembered in the ghost; otherwise main's
/// oldest key is reinserted with one hit less, or evicted at zero. A new key whose hash is in the ghost goes
/// straight to main. One-hit wonders leave through the small queue quickly; all of it is amortised O(1).
/// </summary>
public sealed class S3Fifo
{
    private readonly KeyFifo _small = new(), _main = new();
    private readonly Queue<ulong> _ghostOrder = new();
    private readonly Dictionary<ulong, int> _ghost = [];
    private long _smallCount, _mainCount;

    public long SmallCount => _smallCount;
    public long MainCount => _mainCount;

    private static ulong Hash(ReadOnlySpan<byte> key) => XxHash3.HashToUInt64(key, 0x53334649464FL);

    /// <summary>A key was added to the table: into main when the ghost remembers it, else into small.</summary>
    public void Insert(byte[] key, ref Entry entry, KeyTable table)
    {
        ulong hash = Hash(key);
        if (_ghost.Remove(hash, out int copies))
        {
            if (copies > 1) _ghost[hash] = copies - 1;
            entry.Access = AccessBits.S3Reset(entry.Access, inMain: true);
            _main.Push(key, table);
            _mainCount++;
        }
        else
        {
            entry.Access = AccessBits.S3Reset(entry.Access, inMain: false);
            _small.Push(key, table);
            _smallCount++;
        }
    }

    /// <summary>A key left the table by other means (DEL, expiry, overwrite by a new incarnation).</summary>
    public void Forget(int access)
    {
        if (AccessBits.S3InMain(access)) _mainCount--;
        else _smallCount--;
    }

    public void Clear()
    {
        _small.Clear();
        _main.Clear();
        _ghost.Clear();
        _ghostOrder.Clear();
        _smallCount = _mainCount = 0;
    }

    /// <summary>The next key to evict, taken out of its queue (the caller deletes it); null when none is left.</summary>
    public byte[]? Evict(KeyTable table)
    {
        long total = _smallCount + _mainCount;
        for (long budget = 4 * total + 8; budget > 0; budget--)
        {
            bool fromSmall = _smallCount > 0 && (_smallCount * 10 >= total || _mainCount == 0);
            if (fromSmall)
            {
                var key = _small.PopOldest(table, out int access);
                if (key is null) { _smallCount = 0; continue; }
                if (AccessBits.S3Hits(access) > 0)
                {
                    table.FindExact(key).Access = AccessBits.S3ToMain(access); // keeps its hits, as in the paper
                    _main.Push(key, table);
                    _smallCount--;
                    _mainCount++;
                    continue;
                }
                Remember(Hash(key), total);
                return key; // the caller deletes it: Forget counts it out of the small queue
            }
            else
            {
                var key = _main.PopOldest(table, out int access);
                if (key is null) { _mainCount = 0; if (_smallCount == 0) return null; continue; }
                int hits = AccessBits.S3Hits(access);
                if (hits > 0)
                {
                    table.FindExact(key).Access = AccessBits.S3WithHits(access, hits - 1);
                    _main.Push(key, table);
                    continue;
                }
                return key; // the caller deletes it: Forget counts it out of the main queue
            }
        }
        return null;
    }

    /// <summary>The ghost remembers about as many evicted keys as the cache holds.</summary>
    private void Remember(ulong hash, long capacity)
    {
        _ghostOrder.Enqueue(hash);
        _ghost[hash] = _ghost.GetValueOrDefault(hash) + 1;
        while (_ghostOrder.Count > Math.Max(16, capacity))
        {
            ulong old = _ghostOrder.Dequeue();
            if (_ghost.TryGetValue(old, out int n))
            {
                if (n > 1) _ghost[old] = n - 1;
                else _ghost.Remove(old);
            }
        }
    }
}
