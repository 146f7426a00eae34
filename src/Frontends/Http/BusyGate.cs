using HyperCache.Frontends.Hosting;
using Microsoft.AspNetCore.Http;

namespace HyperCache.Frontends.Http;

/// <summary>
/// The HTTP side of Redis's busy scripts: while a Lua script or function is past busy-reply-threshold, a request on
/// the cache API is answered 503 <c>busy</c> at once, as RESP answers BUSY, instead of holding a request thread on the
/// script's shard locks until it ends. While a script runs, not yet busy, the request waits for it here
/// (<see cref="Scripting.BusyScript.MustRefuse"/>), so that it too is refused if the script becomes busy. With no
/// script, one volatile read.
/// </summary>
internal static class BusyGate
{
    public static void Check(Node node)
    {
        var busy = node.BusyScript;
        if (!busy.Quiet && busy.MustRefuse())
            throw new ApiException(StatusCodes.Status503ServiceUnavailable, ErrorCodes.Busy, busy.BusyText);
    }
}
