using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Keyspace;

namespace HyperCache.StateMachine.Values;

/// <summary>How the packed forms (<see cref="PackedPairs"/>, <see cref="PackedList"/>, <see cref="PackedScores"/>)
/// size their one array, and ask for it ahead of a walk.</summary>
internal static class PackedArray
{
    /// <summary>Asks for the array's first two cache lines (its length and the first elements) without reading
    /// the reference's target: the pipeline's look-ahead (see KeyHint).</summary>
    public static void Prefetch(ref byte[] bytes)
    {
        ref object? reference = ref Unsafe.As<byte[], object?>(ref bytes);
        ChainPrefetch.PrefetchObject(ref reference);
        ChainPrefetch.PrefetchObject(ref reference, 64);
    }

    /// <summary>Room for <paramref name="needed"/> bytes, the first <paramref name="used"/> kept: grows by at least
    /// a quarter, so elements added one at a time copy each byte a few times at most, while little room stays
    /// unused.</summary>
    public static void Reserve(ref byte[] bytes, int used, int needed)
    {
        if (needed <= bytes.Length) return;
        var grown = new byte[(Math.Max(needed, bytes.Length + bytes.Length / 4) + 7) & ~7];
        bytes.AsSpan(0, used).CopyTo(grown);
        bytes = grown;
    }

    /// <summary>Gives back the room of an array left less than half used.</summary>
    public static void Trim(ref byte[] bytes, int used)
    {
        if (bytes.Length > 64 && used * 2 <= bytes.Length) bytes = bytes.AsSpan(0, used).ToArray();
    }
}
