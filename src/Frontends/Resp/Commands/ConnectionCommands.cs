using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>PING, ECHO, QUIT, HELLO, SELECT, AUTH and CLIENT.</summary>
public static class ConnectionCommands
{
    public const string Version = "7.0.15";

    public static void Register(CommandTable t)
    {
        const CommandFlags F = CommandFlags.Fast;
        t.Add("ping", -1, F, (c, a, r) =>
        {
            if (a.Count > 2) throw ArgParse.WrongArity("ping");
            if (a.Count == 2) r.Bulk(a[1]);
            else r.Simple("PONG"u8);
        });
        t.Add("echo", 2, F, (c, a, r) => r.Bulk(a[1]));
        t.Add("quit", -1, F | CommandFlags.NoAuth, (c, a, r) =>
        {
            r.Ok();
            c.CloseAfterReply = true;
        });
        t.Add("hello", -1, F | CommandFlags.NoAuth, Hello);
        t.Add("auth", -2, F | CommandFlags.NoAuth, (c, a, r) =>
        {
            if (a.Count > 3) throw CommandError.Syntax();
            throw new CommandError("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
        });
        t.Add("select", 2, F, (c, a, r) =>
        {
            if (!Numbers.TryParseInt64(a[1], out long db)) throw CommandError.NotInteger();
            if (db < 0 || db >= c.Store.Databases) throw new CommandError("ERR DB index is out of range");
            c.Session.Db = (int)db;
            r.Ok();
        });
        t.Container("client", CommandFlags.None, ClientSubcommands());
        t.Add("reset", 1, F | CommandFlags.NoAuth, (c, a, r) =>
        {
            c.Session.Db = 0;
            c.Name = null;
            c.Protocol = 2;
            r.Simple("RESET");
        });
    }

    /// <summary>HELLO [protover [AUTH user pass] [SETNAME name]]: RESP2 only until RESP3 lands.</summary>
    private static void Hello(RespClient c, CommandArgs a, RespWriter r)
    {
        if (a.Count >= 2)
        {
            if (!Numbers.TryParseInt64(a[1], out long version)) throw new CommandError("ERR Protocol version is not an integer or out of range");
            if (version != 2) throw new CommandError("NOPROTO unsupported protocol version");
            for (int i = 2; i < a.Count; i++)
            {
                if (a.Is(i, "SETNAME"u8) && i + 1 < a.Count) c.Name = ValidName(a.Text(++i));
                else if (a.Is(i, "AUTH"u8) && i + 2 < a.Count)
                    throw new CommandError("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
                else throw new CommandError($"ERR Syntax error in HELLO option '{a.Text(i)}'");
            }
        }
        r.MapHeader(7);
        r.Bulk("server"u8); r.Bulk("redis"u8);
        r.Bulk("version"u8); r.Bulk(Version);
        r.Bulk("proto"u8); r.Integer(2);
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
        new("INFO", 2, (c, a, r) => r.Bulk(c.InfoLine() + "\n")),
        new("LIST", -2, (c, a, r) => r.Bulk(string.Concat(c.Node.Clients.All.Select(x => x.InfoLine() + "\n")))),
        new("KILL", -3, (c, a, r) =>
        {
            var target = c.Node.Clients.All.FirstOrDefault(x => x.RemoteAddress == a.Text(2))
                ?? throw new CommandError("ERR No such client");
            target.Kill?.Invoke();
            r.Ok();
        }),
    ];
}
