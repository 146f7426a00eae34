using System.Text;
using HyperCache.Frontends.Resp.Tracking;
using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>CLIENT TRACKING, CACHING, TRACKINGINFO and GETREDIR: server-assisted client-side caching
/// (<see cref="TrackingHub"/>), with Redis 7.0's options, checks and errors in its order.</summary>
public static class ClientTrackingCommands
{
    public static Subcommand[] Subcommands() =>
    [
        new("TRACKING", -3, Tracking),
        new("CACHING", 3, Caching),
        new("TRACKINGINFO", 2, TrackingInfo),
        new("GETREDIR", 2, (c, a, r) => r.Integer(c.Tracking is { } t ? t.Redirect : -1)),
    ];

    /// <summary>CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p]... [BCAST] [OPTIN] [OPTOUT] [NOLOOP].</summary>
    private static void Tracking(RespClient c, CommandArgs a, RespWriter r)
    {
        var wanted = new ClientTracking();
        var prefixes = new List<byte[]>();
        for (int i = 3; i < a.Count; i++)
        {
            bool more = i + 1 < a.Count;
            if (a.Is(i, "REDIRECT"u8) && more)
            {
                i++;
                if (wanted.Redirect != 0) throw new CommandError("ERR A client can only redirect to a single other client");
                if (!Numbers.TryParseInt64(a[i], out long id)) throw CommandError.NotInteger();
                if (!c.Node.Clients.TryGet(id, out _)) throw new CommandError("ERR The client ID you want redirect to does not exist");
                wanted.Redirect = id;
            }
            else if (a.Is(i, "BCAST"u8)) wanted.Bcast = true;
            else if (a.Is(i, "OPTIN"u8)) wanted.OptIn = true;
            else if (a.Is(i, "OPTOUT"u8)) wanted.OptOut = true;
            else if (a.Is(i, "NOLOOP"u8)) wanted.NoLoop = true;
            else if (a.Is(i, "PREFIX"u8) && more) prefixes.Add(a[++i].ToArray());
            else throw CommandError.Syntax();
        }
        if (a.Is(2, "OFF"u8))
        {
            c.Node.Tracking.Disable(c);
            r.Ok();
            return;
        }
        if (!a.Is(2, "ON"u8)) throw CommandError.Syntax();
        var current = c.Tracking;
        if (!wanted.Bcast && prefixes.Count > 0) throw new CommandError("ERR PREFIX option requires BCAST mode to be enabled");
        if (current != null && current.Bcast != wanted.Bcast)
            throw new CommandError("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.");
        if (wanted.Bcast && (wanted.OptIn || wanted.OptOut)) throw new CommandError("ERR OPTIN and OPTOUT are not compatible with BCAST");
        if (wanted.OptIn && wanted.OptOut) throw new CommandError("ERR You can't specify both OPTIN mode and OPTOUT mode");
        if (current != null && ((wanted.OptIn && current.OptOut) || (wanted.OptOut && current.OptIn)))
            throw new CommandError("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.");
        if (wanted.Bcast) CheckPrefixes(current, prefixes);
        if (current != null)
        {
            // ON again: the mode's flags and the redirect are replaced, BCAST prefixes added to.
            current.OptIn = wanted.OptIn;
            current.OptOut = wanted.OptOut;
            current.NoLoop = wanted.NoLoop;
            current.Redirect = wanted.Redirect;
            current.BrokenRedirect = false;
            wanted = current;
        }
        c.Node.Tracking.Enable(c, wanted, prefixes);
        r.Ok();
    }

    /// <summary>No prefix may be a prefix of another, among those given and those the client has.</summary>
    private static void CheckPrefixes(ClientTracking? current, List<byte[]> prefixes)
    {
        for (int i = 0; i < prefixes.Count; i++)
        {
            if (current != null)
                foreach (var existing in current.Prefixes)
                    if (Overlap(existing, prefixes[i]))
                        throw new CommandError($"ERR Prefix '{Text(prefixes[i])}' overlaps with an existing prefix '{Text(existing)}'. Prefixes for a single client must not overlap.");
            for (int j = 0; j < prefixes.Count; j++)
                if (i != j && Overlap(prefixes[i], prefixes[j]))
                    throw new CommandError($"ERR Prefix '{Text(prefixes[i])}' overlaps with another provided prefix '{Text(prefixes[j])}'. Prefixes for a single client must not overlap.");
        }
    }

    private static bool Overlap(byte[] a, byte[] b) => a.Length <= b.Length ? b.AsSpan().StartsWith(a) : a.AsSpan().StartsWith(b);

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>CLIENT CACHING YES|NO: whether the next command's reads are remembered (OPTIN / OPTOUT).</summary>
    private static void Caching(RespClient c, CommandArgs a, RespWriter r)
    {
        if (c.Tracking is not { } t)
            throw new CommandError("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled");
        if (a.Is(2, "YES"u8))
        {
            if (!t.OptIn) throw new CommandError("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
        }
        else if (a.Is(2, "NO"u8))
        {
            if (!t.OptOut) throw new CommandError("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
        }
        else throw CommandError.Syntax();
        t.CachingGiven = true;
        r.Ok();
    }

    /// <summary>CLIENT TRACKINGINFO: flags (a set), redirect (-1 when off, 0 for none), prefixes.</summary>
    private static void TrackingInfo(RespClient c, CommandArgs a, RespWriter r)
    {
        var t = c.Tracking;
        var flags = new List<string>();
        if (t is null) flags.Add("off");
        else
        {
            flags.Add("on");
            if (t.Bcast) flags.Add("bcast");
            if (t.OptIn) flags.Add("optin");
            if (t.OptOut) flags.Add("optout");
            if (t.CachingGiven) flags.Add(t.OptIn ? "caching-yes" : "caching-no");
            if (t.NoLoop) flags.Add("noloop");
            if (t.BrokenRedirect) flags.Add("broken_redirect");
        }
        r.MapHeader(3);
        r.Bulk("flags"u8);
        r.SetHeader(flags.Count);
        foreach (var flag in flags) r.Bulk(flag);
        r.Bulk("redirect"u8);
        r.Integer(t?.Redirect ?? -1);
        r.Bulk("prefixes"u8);
        var prefixes = t is null ? [] : c.Node.Tracking.PrefixesOf(t);
        r.ArrayHeader(prefixes.Count);
        foreach (var prefix in prefixes) r.Bulk(prefix);
    }
}
