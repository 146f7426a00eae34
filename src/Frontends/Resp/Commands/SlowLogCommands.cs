using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>SLOWLOG GET [count] | LEN | RESET | HELP, replying as Redis 7 does (see <see cref="SlowLog"/>).</summary>
public static class SlowLogCommands
{
    private static readonly string[] Help =
    [
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        "HELP",
        "    Prints this help.",
    ];

    public static void Register(CommandTable t)
    {
        t.Container("slowlog", CommandFlags.Admin,
            new Subcommand("GET", -2, Get),
            new Subcommand("LEN", 2, (c, a, r) => r.Integer(c.Node.SlowLog.Length)),
            new Subcommand("RESET", 2, (c, a, r) =>
            {
                c.Node.SlowLog.Reset();
                r.Ok();
            }),
            Subcommand.Help(Help));
    }

    private static void Get(RespClient c, CommandArgs a, RespWriter r)
    {
        if (a.Count > 3) throw new CommandError($"ERR unknown subcommand or wrong number of arguments for '{a.Text(1)}'. Try SLOWLOG HELP.");
        long count = 10;
        if (a.Count == 3)
        {
            if (!Numbers.TryParseInt64(a[2], out count) || count < -1) // one message for both, as Redis
                throw new CommandError("ERR count should be greater than or equal to -1");
        }
        var entries = c.Node.SlowLog.Newest(count);
        r.ArrayHeader(entries.Length);
        foreach (var e in entries)
        {
            r.ArrayHeader(6);
            r.Integer(e.Id);
            r.Integer(e.UnixSeconds);
            r.Integer(e.Micros);
            r.ArrayHeader(e.Args.Length);
            foreach (var arg in e.Args) r.Bulk(arg);
            r.Bulk(e.Client);
            r.Bulk(e.Name);
        }
    }
}
