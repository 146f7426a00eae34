using System.Runtime.CompilerServices;

namespace HyperCache.StateMachine.Values;

/// <summary>
/// One element of a sorted set: its member bytes (never mutated once stored), its score, and its skip-list links.
/// The lowest <see cref="InlineLevels"/> levels live inside the node, so a hop reads one object, as in Redis (a
/// separate levels array made every hop two dependent cache misses); with p = 1/4, 15 nodes in 16 have no more.
/// Higher levels, hopped over far less often, are in an overflow array.
/// </summary>
public sealed class ZNode
{
    internal const int InlineLevels = 2;

    internal struct Level
    {
        public ZNode? Forward;
        /// <summary>How many elements the forward link skips over (1 on level 0): ranks are sums of spans.</summary>
        public long Span;
    }

    [InlineArray(InlineLevels)]
    internal struct InlineLevelArray
    {
        private Level _first;
    }

    private InlineLevelArray _low;
    private Level[]? _high;

    internal ZNode(int height, double score, byte[] member)
    {
        Height = height;
        if (height > InlineLevels) _high = new Level[height - InlineLevels];
        Score = score;
        Member = member;
    }

    public byte[] Member { get; }
    public double Score { get; internal set; }
    public ZNode? Backward { get; internal set; }
    public ZNode? Next => _low[0].Forward;

    /// <summary>How many levels the node has: fixed for an element; the list's header grows its own.</summary>
    internal int Height { get; private set; }

    /// <summary>The node's link on level <paramref name="i"/> (below <see cref="Height"/>).</summary>
    internal ref Level this[int i]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref i < InlineLevels ? ref _low[i] : ref _high![i - InlineLevels];
    }

    /// <summary>Object fields (member, backward, overflow references, score, height and padding, the inline
    /// levels) plus the overflow array when there is one.</summary>
    internal long Bytes => MemorySize.Object(40 + 16 * InlineLevels) + (_high is null ? 0 : MemorySize.Array(_high.Length, 16));

    /// <summary>Raises the height (the header's, as the list gets taller); new levels are empty.</summary>
    internal void Grow(int height)
    {
        if (height <= Height) return;
        if (height > InlineLevels) Array.Resize(ref _high, height - InlineLevels);
        Height = height;
    }

    /// <summary>Empties every link, for a node about to be linked again.</summary>
    internal void ClearLinks()
    {
        _low = default;
        if (_high is not null) Array.Clear(_high);
        Backward = null;
    }
}
