using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>
/// CLIENT PAUSE / UNPAUSE (<see cref="ClientPause"/>), REPLY (<see cref="ReplyMode"/>), NO-EVICT, UNBLOCK and HELP
/// (whose text lists the tracking subcommands of <see cref="ClientTrackingCommands"/> too), with redis-server
/// 7.0.15's replies and errors.
/// </summary>
internal static class ClientControls
{
    private static readonly string[] HelpLines =
    [
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CACHING (YES|NO)",
        "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
        "GETREDIR",
        "    Return the client ID we are redirecting to when tracking is enabled.",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
        "         [OPTIN] [OPTOUT] [NOLOOP]",
        "    Control server assisted client side caching.",
        "TRACKINGINFO",
        "    Report tracking status for the current connection.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        "HELP",
        "    Prints this help.",
    ];

    public static Subcommand[] Subcommands() =>
    [
        Subcommand.Help(HelpLines),
        new("PAUSE", -3, Pause, Flags: CommandFlags.Admin),
        new("UNPAUSE", 2, (c, a, r) =>
        {
            c.Node.Pause.Unpause();
            r.Ok();
        }, Flags: CommandFlags.Admin),
        new("REPLY", 3, Reply),
        new("NO-EVICT", 3, (c, a, r) =>
        {
            if (a.Is(2, "ON"u8)) c.NoEvict = true;
            else if (a.Is(2, "OFF"u8)) c.NoEvict = false;
            else throw CommandError.Syntax();
            r.Ok();
        }, Flags: CommandFlags.Admin),
        new("UNBLOCK", -3, Unblock, Flags: CommandFlags.Admin),
    ];

    /// <summary>Redis answers a subcommand whose arity its table allows but its own parser does not like so.</summary>
    private static CommandError Unknown(CommandArgs a) =>
        new($"ERR unknown subcommand or wrong number of arguments for '{a.Text(1)}'. Try CLIENT HELP.");

    /// <summary>CLIENT PAUSE timeout [WRITE|ALL]: the mode is checked before the timeout, as Redis does.</summary>
    private static void Pause(RespClient c, CommandArgs a, RespWriter r)
    {
        if (a.Count > 4) throw Unknown(a);
        var mode = PauseMode.All;
        if (a.Count == 4)
        {
            if (a.Is(3, "WRITE"u8)) mode = PauseMode.Write;
            else if (!a.Is(3, "ALL"u8)) throw new CommandError("ERR CLIENT PAUSE mode must be WRITE or ALL");
        }
        if (!Numbers.TryParseInt64(a[2], out long timeout)) throw new CommandError("ERR timeout is not an integer or out of range");
        if (timeout < 0) throw new CommandError("ERR timeout is negative");
        c.Node.Pause.Pause(timeout, mode, by: c);
        r.Ok();
    }

    /// <summary>CLIENT REPLY ON|OFF|SKIP: OFF and SKIP answer nothing; SKIP while OFF changes nothing.</summary>
    private static void Reply(RespClient c, CommandArgs a, RespWriter r)
    {
        if (a.Is(2, "ON"u8))
        {
            c.Replies = ReplyMode.On;
            r.Muted = false; // its own OK goes out, even after SKIP
            r.Ok();
        }
        else if (a.Is(2, "OFF"u8))
        {
            c.Replies |= ReplyMode.Off;
            r.Muted = true;
        }
        else if (a.Is(2, "SKIP"u8))
        {
            if ((c.Replies & ReplyMode.Off) == 0) c.Replies |= ReplyMode.SkipNext;
        }
        else throw CommandError.Syntax();
    }

    /// <summary>CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 when the client was blocked (BLPOP, BZPOPMIN, XREAD BLOCK,
    /// WAIT...) and is released, 0 otherwise (a command CLIENT PAUSE holds is not blocked in this sense).</summary>
    private static void Unblock(RespClient c, CommandArgs a, RespWriter r)
    {
        if (a.Count > 4) throw Unknown(a);
        bool error = false;
        if (a.Count == 4) // the reason is checked before the id, as Redis does
        {
            if (a.Is(3, "ERROR"u8)) error = true;
            else if (!a.Is(3, "TIMEOUT"u8)) throw new CommandError("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
        }
        long id = ArgParse.Int64(a[2]);
        bool released = c.Node.Clients.TryGet(id, out var target) && target.Waiting is { } waiting && waiting.TryUnblock(error);
        r.Integer(released ? 1 : 0);
    }
}
