namespace HyperCache.StateMachine.Keyspace;

/// <summary>
/// TinyLFU's frequency sketch (Einziger et al., "TinyLFU: A Highly Efficient Cache Admission Policy"): a count-min
/// sketch of 4-bit counters, 16 to a <c>long</c>, four counters per key, that estimates how often a key was accessed
/// recently, whether or not it is in the cache. Aging: after ten additions per counter word, every counter is halved,
/// so the estimate follows the recent past. About one word per cached key (8 bytes); it grows with the key count it
/// is told about, by doubling in a way that keeps every estimate (word i of the old table is copied to words i and
/// i + old length, where the wider mask sends its keys). Not thread-safe: the owning shard's lock guards it.
/// </summary>
public sealed class FrequencySketch
{
    public const int MaxCount = 15;
    private const int MinWords = 64;
    internal static int SamplesPerWord = 10, WordsPerKey = 1;
    internal static bool Conservative, Exact;
    public static long DebugHalvings, DebugIncrements, DebugMaxWords;
    private readonly Dictionary<ulong, int> _exact = [];
    private const long ResetMask = 0x7777_7777_7777_7777L;
    private static readonly ulong[] Seeds = [0xC3A5C85C97CB3127UL, 0xB492B66FBE98F273UL, 0x9AE16A3B2F90404FUL, 0xCBF29CE484222325UL];

    private long[] _table = new long[MinWords];
    private long _additions;

    /// <summary>Increments counted since the last halving (halving also halves this).</summary>
    public long Additions => _additions;
    /// <summary>Counter words; the sketch halves every counter after <see cref="SamplesPerWord"/> times this many increments.</summary>
    public int Words => _table.Length;

    /// <summary>Grows (doubling, estimates kept) until there is a word per key.</summary>
    public void EnsureCapacity(long keys)
    {
        keys *= WordsPerKey;
        if (keys <= _table.Length || _table.Length >= 1 << 26) return;
        int words = _table.Length;
        while (words < keys && words < 1 << 26) words *= 2;
        var grown = new long[words];
        for (int i = 0; i < words; i++) grown[i] = _table[i & (_table.Length - 1)];
        _table = grown;
    }

    /// <summary>One access of the key with this 64-bit hash; every few increments per word, all counters halve.</summary>
    public void Increment(ulong hash)
    {
        DebugIncrements++; DebugMaxWords = Math.Max(DebugMaxWords, _table.Length);
        if (Exact) { _exact[hash] = _exact.GetValueOrDefault(hash) + 1; return; }
        bool added = false;
        int min = Conservative ? Frequency(hash) : 0;
        for (int i = 0; i < 4; i++)
        {
            Locate(hash, i, out int word, out int shift);
            long counter = (_table[word] >> shift) & 0xF;
            if (counter < MaxCount && (!Conservative || counter == min))
            {
                _table[word] += 1L << shift;
                added = true;
            }
        }
        if (added && ++_additions >= (long)SamplesPerWord * _table.Length) Halve();
    }

    /// <summary>The estimated recent accesses of the key (the smallest of its four counters, 0-15).</summary>
    public int Frequency(ulong hash)
    {
        if (Exact) return _exact.GetValueOrDefault(hash);
        int min = MaxCount;
        for (int i = 0; i < 4; i++)
        {
            Locate(hash, i, out int word, out int shift);
            min = Math.Min(min, (int)((_table[word] >> shift) & 0xF));
        }
        return min;
    }

    /// <summary>Aging: every counter is halved (the sketch then forgets half of what it saw).</summary>
    public void Halve()
    {
        DebugHalvings++;
        for (int i = 0; i < _table.Length; i++) _table[i] = (_table[i] >> 1) & ResetMask;
        _additions /= 2;
    }

    public void Clear()
    {
        _table = new long[MinWords];
        _additions = 0;
    }

    /// <summary>Row <paramref name="row"/>'s counter for the hash: its own mix of the hash picks a word and a nibble.</summary>
    private void Locate(ulong hash, int row, out int word, out int shift)
    {
        ulong h = (hash ^ Seeds[row]) * 0x9E3779B97F4A7C15UL;
        h ^= h >> 31;
        word = (int)(h >> 34) & (_table.Length - 1);
        shift = (int)(h & 15) << 2;
    }
}
