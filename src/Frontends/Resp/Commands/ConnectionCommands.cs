using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>PING, ECHO, QUIT, HELLO, SELECT, RESET and CLIENT (AUTH: AuthCommands).</summary>
public static class ConnectionCommands
{
    public const string Version = "7.0.15";

    public static void Register(CommandTable t)
    {
        const CommandFlags F = CommandFlags.Fast;
        t.Add("ping", -1, F, (c, a, r) =>
        {
            if (a.Count > 2) throw ArgParse.WrongArity("ping");
            if (c.Protocol == 2 && c.Subscriptions is { Active: true })
            {
                // A RESP2 subscriber's replies are all arrays, so PING answers like a message.
                r.ArrayHeader(2);
                r.Bulk("pong"u8);
                r.Bulk(a.Count == 2 ? a[1] : []);
            }
            else if (a.Count == 2) r.Bulk(a[1]);
            else r.Simple("PONG"u8);
        });
        t.Add("echo", 2, F, (c, a, r) => r.Bulk(a[1]));
        t.Add("quit", -1, F | CommandFlags.NoAuth, (c, a, r) =>
        {
            r.Ok();
            c.CloseAfterReply = true;
        });
        t.Add("hello", -1, F | CommandFlags.NoAuth, Hello);
        t.Add("select", 2, F, (c, a, r) =>
        {
            if (!Numbers.TryParseInt64(a[1], out long db)) throw CommandError.NotInteger();
            if (db < 0 || db >= c.Store.Databases) throw new CommandError("ERR DB index is out of range");
            c.Session.Db = (int)db;
            r.Ok();
        });
        t.Container("client", CommandFlags.None, ClientSubcommands());
        t.Add("monitor", 1, CommandFlags.Admin, (c, a, r) =>
        {
            // As Redis: a client that needs a reply per command (inside EXEC) cannot monitor; MONITOR again is ignored.
            if (c.InExec) throw new CommandError("ERR MONITOR isn't allowed for DENY BLOCKING client");
            if (c.Monitoring) return;
            c.Monitoring = true;
            c.Node.Monitors.Add(c);
            r.Ok();
        });
        t.Add("reset", 1, F | CommandFlags.NoAuth, (c, a, r) =>
        {
            TransactionCommands.Discard(c);
            c.Node.PubSub.UnsubscribeAll(c);
            if (c.Monitoring) c.Node.Monitors.Remove(c);
            c.Monitoring = false;
            c.Node.Tracking.Disable(c);
            c.Session.Db = 0;
            c.Name = null;
            c.Protocol = 2;
            c.User = c.Node.Acl.Default;
            c.Authenticated = c.User.Rules is { NoPass: true, Enabled: true };
            r.Simple("RESET");
        });
    }

    /// <summary>HELLO [protover [AUTH user pass] [SETNAME name]]: switches between RESP2 and RESP3, as Redis 7:
    /// options are checked first, then AUTH, then the name and protocol change, then the server's properties.</summary>
    private static void Hello(RespClient c, CommandArgs a, RespWriter r)
    {
        long version = 0;
        string? name = null;
        int auth = -1;
        if (a.Count >= 2)
        {
            if (!Numbers.TryParseInt64(a[1], out version)) throw new CommandError("ERR Protocol version is not an integer or out of range");
            if (version is < 2 or > 3) throw new CommandError("NOPROTO unsupported protocol version");
            for (int i = 2; i < a.Count; i++)
            {
                if (a.Is(i, "AUTH"u8) && i + 2 < a.Count) { auth = i + 1; i += 2; }
                else if (a.Is(i, "SETNAME"u8) && i + 1 < a.Count) name = ValidName(a.Text(++i));
                else throw new CommandError($"ERR Syntax error in HELLO option '{a.Text(i)}'");
            }
        }
        if (auth > 0) AuthCommands.Authenticate(c, a.Text(0), a[auth], a[auth + 1]);
        if (!c.Authenticated)
            throw new CommandError("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
        if (name != null) c.Name = name.Length == 0 ? null : name;
        if (version != 0) c.Protocol = (int)version;
        r.MapHeader(7);
        r.Bulk("server"u8); r.Bulk("redis"u8);
        r.Bulk("version"u8); r.Bulk(Version);
        r.Bulk("proto"u8); r.Integer(c.Protocol);
        r.Bulk("id"u8); r.Integer(c.Id);
        r.Bulk("mode"u8); r.Bulk("standalone"u8);
        r.Bulk("role"u8); r.Bulk("master"u8);
        r.Bulk("modules"u8); r.EmptyArray();
    }

    private static string ValidName(string name)
    {
        foreach (char ch in name)
            if (ch < '!' || ch > '~') throw new CommandError("ERR Client names cannot contain spaces, newlines or special characters.");
        return name;
    }

    private static Subcommand[] ClientSubcommands() =>
    [
        new("ID", 2, (c, a, r) => r.Integer(c.Id)),
        new("GETNAME", 2, (c, a, r) =>
        {
            if (c.Name is null) r.NullBulk();
            else r.Bulk(c.Name);
        }),
        new("SETNAME", 3, (c, a, r) =>
        {
            string name = ValidName(a.Text(2));
            c.Name = name.Length == 0 ? null : name;
            r.Ok();
        }),
        new("SETINFO", 4, (c, a, r) => r.Ok()),
        new("INFO", 2, (c, a, r) => r.Verbatim(c.InfoLine(asker: true) + "\n")),
        // admin, as Redis flags them (so MONITOR does not show them either)
        new("LIST", -2, ClientList.Run, Flags: CommandFlags.Admin),
        new("KILL", -3, ClientKill.Run, Flags: CommandFlags.Admin),
        .. ClientControls.Subcommands(),
        .. ClientTrackingCommands.Subcommands(),
    ];
}
