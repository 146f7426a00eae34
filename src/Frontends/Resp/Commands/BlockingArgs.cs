using HyperCache.StateMachine;
using HyperCache.StateMachine.Blocking;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>What every blocking command (BLPOP and friends, BZPOPMIN and friends) parses and decides alike.</summary>
public static class BlockingArgs
{
    /// <summary>Whether this command may block: inside MULTI/EXEC a blocking command answers at once, as if it
    /// had timed out (as Redis does).</summary>
    public static bool MayBlock(RespClient c) => !c.InExec;

    /// <summary>
    /// The reply of a blocking pop: what it took at once, a null array when it could not block (inside EXEC), or
    /// the client parked on <paramref name="waiter"/> until it is served (then <paramref name="write"/>) or times
    /// out (a null array), as Redis replies.
    /// </summary>
    public static void ReplyOrBlock<T>(RespClient c, RespWriter r, T? taken, KeyWaiter? waiter, long timeoutMs,
        Action<RespWriter, T> write) where T : class
    {
        if (taken != null) write(r, taken);
        else if (waiter is null) r.NullArray();
        else c.Blocked = new BlockedCommand(waiter, timeoutMs, (w, result) =>
        {
            if (result is T served) write(w, served);
            else w.NullArray();
        });
    }

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
