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
    private readonly FrequencySketch? _sketch;
    private long _smallCount, _mainCount;

    // Experiment knobs (TinyLFU variants); fixed once measured.
    internal static int SmallPercent = 10;
    internal static bool DuelHitCandidates;
    internal static bool GhostWithSketch = true;
    internal static bool FillMain, DuelInMain;
    internal static int PromoteFrequency;
    public static long DebugDuels, DebugWins, DebugMainEvictions, DebugSmallEvictions, DebugPromotions;

    /// <param name="sketch">When given (allkeys-tinylfu), a key leaving the small queue duels main's next victim on
    /// their sketch frequencies instead of being evicted outright (see <see cref="Evict"/>).</param>
    public S3Fifo(FrequencySketch? sketch = null) => _sketch = sketch;

    public FrequencySketch? Sketch => _sketch;

    public long SmallCount => _smallCount;
    public long MainCount => _mainCount;

    public static ulong Hash(ReadOnlySpan<byte> key) => XxHash3.HashToUInt64(key, 0x53334649464FL);

    /// <summary>A key was added to the table: into main when the ghost remembers it, else into small.</summary>
    public void Insert(byte[] key, ref Entry entry, KeyTable table)
    {
        ulong hash = Hash(key);
        if (_sketch != null)
        {
            _sketch.Increment(hash);
            _sketch.EnsureCapacity(_smallCount + _mainCount + 1);
        }
        if ((_sketch == null || GhostWithSketch) && _ghost.Remove(hash, out int copies))
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
            bool fromSmall = _smallCount > 0 && (_smallCount * 100 >= total * SmallPercent || _mainCount == 0);
            if (fromSmall)
            {
                var key = _small.PopOldest(table, out int access);
                if (key is null) { _smallCount = 0; continue; }
                bool hit = AccessBits.S3Hits(access) > 0;
                bool mainFull = (_mainCount + 1) * 100 > total * (100 - SmallPercent); // promoting would pass main's share
                if (_sketch != null && !mainFull && (hit || FillMain))
                {
                    Promote(key, access, table);
                    continue;
                }
                if (_sketch != null && PromoteFrequency > 0 && !hit && _sketch.Frequency(Hash(key)) >= PromoteFrequency)
                {
                    Promote(key, access, table);
                    continue;
                }
                if (_sketch != null && PromoteFrequency == 0 && (!hit || DuelHitCandidates) && MainVictim(table) is { } victim)
                {
                    DebugDuels++;
                    if (_sketch.Frequency(Hash(key)) > _sketch.Frequency(Hash(victim)))
                    {
                        DebugWins++;
                        Promote(key, access, table);
                        _main.PopOldest(table, out _); // the victim: it is main's oldest
                        return victim;
                    }
                    Remember(Hash(key), total);
                    return key;
                }
                if (hit)
                {
                    table.FindExact(key).Access = AccessBits.S3ToMain(access); // keeps its hits, as in the paper
                    _main.Push(key, table);
                    _smallCount--;
                    _mainCount++;
                    continue;
                }
                DebugSmallEvictions++;
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
                if (_sketch != null && DuelInMain && _small.PeekOldest(table, out int smallAccess) is { } candidate
                    && AccessBits.S3Hits(smallAccess) == 0 && _sketch.Frequency(Hash(candidate)) < _sketch.Frequency(Hash(key)))
                {
                    _main.Push(key, table); // main's victim outlives a rarer key from small: it gets another lap
                    _small.PopOldest(table, out _);
                    Remember(Hash(candidate), total);
                    DebugSmallEvictions++;
                    return candidate;
                }
                DebugMainEvictions++;
                return key; // the caller deletes it: Forget counts it out of the main queue
            }
        }
        return null;
    }

    private void Promote(byte[] key, int access, KeyTable table)
    {
        DebugPromotions++;
        table.FindExact(key).Access = AccessBits.S3ToMain(access);
        _main.Push(key, table);
        _smallCount--;
        _mainCount++;
    }

    /// <summary>Main's next victim, left at its old end: keys with hits before it are reinserted with one hit
    /// less, as main's own eviction does (each key at most three times, so amortised O(1)). Null when main is empty.</summary>
    private byte[]? MainVictim(KeyTable table)
    {
        for (long budget = 4 * _mainCount + 8; budget > 0; budget--)
        {
            var key = _main.PeekOldest(table, out int access);
            if (key is null) return null;
            int hits = AccessBits.S3Hits(access);
            if (hits == 0) return key;
            _main.PopOldest(table, out _);
            table.FindExact(key).Access = AccessBits.S3WithHits(access, hits - 1);
            _main.Push(key, table);
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
