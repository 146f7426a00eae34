using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>What every blocking command (BLPOP and friends, BZPOPMIN and friends) parses and decides alike.</summary>
public static class BlockingArgs
{
    /// <summary>Whether this command may block: inside MULTI/EXEC a blocking command answers at once, as if it
    /// had timed out (as Redis does).</summary>
    public static bool MayBlock(RespClient c) => !c.InExec;

    /// <summary>
    /// A blocking timeout in seconds (a double; 0 waits forever), in milliseconds. Like Redis, the milliseconds are
    /// truncated (so 0.0001 also waits forever) and a value too large for 64-bit milliseconds counts as negative.
    /// </summary>
    public static long Timeout(ReadOnlySpan<byte> text)
    {
        if (!Numbers.TryParseDouble(text, out double seconds)) throw new CommandError("ERR timeout is not a float or out of range");
        double ms = seconds * 1000;
        long truncated = ms is >= 9.2233720368547758E18 or <= -9.2233720368547758E18 ? long.MinValue : (long)ms;
        if (truncated < 0) throw new CommandError("ERR timeout is negative");
        return truncated;
    }
}
