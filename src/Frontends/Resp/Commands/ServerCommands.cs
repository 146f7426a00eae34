using System.Globalization;
using HyperCache.Frontends.Configuration;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Keyspace;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>INFO, COMMAND, CONFIG, TIME, database-wide commands, and the few cluster/replication answers a
/// standalone Redis gives so that clients probing for them carry on.</summary>
public static class ServerCommands
{
    public static void Register(CommandTable t)
    {
        const CommandFlags W = CommandFlags.Write, A = CommandFlags.Admin;
        t.Add("info", -1, CommandFlags.None, (c, a, r) => r.Bulk(ServerInfo.Build(c.Node, a)));
        t.Add("command", -1, CommandFlags.None, Command);
        t.Add("config", -2, A, Config);
        t.Add("time", 1, CommandFlags.Fast, (c, a, r) =>
        {
            long micros = DateTimeOffset.UtcNow.Ticks / 10 - DateTimeOffset.UnixEpoch.Ticks / 10;
            r.ArrayHeader(2);
            r.Bulk((micros / 1_000_000).ToString(CultureInfo.InvariantCulture));
            r.Bulk((micros % 1_000_000).ToString(CultureInfo.InvariantCulture));
        });
        t.Add("dbsize", 1, CommandFlags.ReadOnly | CommandFlags.Fast, (c, a, r) => r.Integer(c.Store.DbSize(c.Session.Db)));
        t.Add("flushdb", -1, W, (c, a, r) =>
        {
            FlushMode(a);
            c.Store.FlushDb(c.Session, c.Session.Db);
            r.Ok();
        });
        t.Add("flushall", -1, W, (c, a, r) =>
        {
            FlushMode(a);
            c.Store.FlushAll(c.Session);
            r.Ok();
        });
        t.Add("swapdb", 3, W | CommandFlags.Fast, (c, a, r) =>
        {
            if (!Numbers.TryParseInt64(a[1], out long x)) throw new CommandError("ERR invalid first DB index");
            if (!Numbers.TryParseInt64(a[2], out long y)) throw new CommandError("ERR invalid second DB index");
            if (x < 0 || y < 0 || x >= c.Store.Databases || y >= c.Store.Databases) throw new CommandError("ERR DB index is out of range");
            c.Store.SwapDb(c.Session, (int)x, (int)y);
            r.Ok();
        });
        t.Add("lastsave", 1, CommandFlags.Fast, (c, a, r) => r.Integer(c.Node.LastSaveUnix));
        t.Add("cluster", -2, CommandFlags.None, (c, a, r) => throw new CommandError("ERR This instance has cluster support disabled"));
        t.Add("role", 1, CommandFlags.Fast, (c, a, r) =>
        {
            r.ArrayHeader(3);
            r.Bulk("master"u8);
            r.Integer(c.Node.Log?.TailAddress ?? 0);
            r.EmptyArray();
        });
        t.Add("debug", -2, A, (c, a, r) =>
        {
            if (a.Count == 2 && a.Is(1, "DIGEST"u8)) r.Bulk(c.Store.Digest().ToString("x16", CultureInfo.InvariantCulture));
            else throw new CommandError($"ERR unknown subcommand '{a.Text(1)}'. Try DEBUG HELP.");
        });
    }

    private static void FlushMode(CommandArgs a)
    {
        if (a.Count > 2 || (a.Count == 2 && !a.Is(1, "ASYNC"u8) && !a.Is(1, "SYNC"u8))) throw CommandError.Syntax();
    }

    private static void Command(RespClient c, CommandArgs a, RespWriter r)
    {
        var table = c.Node.Commands;
        if (a.Count == 1)
        {
            r.ArrayHeader(table.All.Count);
            foreach (var spec in table.All) WriteInfo(r, spec);
            return;
        }
        string sub = a.Text(1).ToUpperInvariant();
        switch (sub)
        {
            case "COUNT" when a.Count == 2:
                r.Integer(table.All.Count);
                break;
            case "INFO":
                if (a.Count == 2)
                {
                    r.ArrayHeader(table.All.Count);
                    foreach (var spec in table.All) WriteInfo(r, spec);
                    break;
                }
                r.ArrayHeader(a.Count - 2);
                for (int i = 2; i < a.Count; i++)
                {
                    if (table.TryFind(a[i], out var spec)) WriteInfo(r, spec);
                    else r.NullArray();
                }
                break;
            case "DOCS":
                // Names given: a short doc map each. None: an empty map, so redis-cli uses its own help table.
                var found = new List<CommandSpec>();
                for (int i = 2; i < a.Count; i++)
                    if (table.TryFind(a[i], out var spec)) found.Add(spec);
                r.ArrayHeader(found.Count * 2);
                foreach (var spec in found)
                {
                    r.Bulk(spec.Name);
                    r.MapHeader(3);
                    r.Bulk("summary"u8); r.Bulk(spec.Name.ToUpperInvariant() + " (see the Redis documentation)");
                    r.Bulk("since"u8); r.Bulk("1.0.0"u8);
                    r.Bulk("group"u8); r.Bulk(spec.Flags.HasFlag(CommandFlags.Write) ? "write"u8 : "generic"u8);
                }
                break;
            case "LIST":
                r.ArrayHeader(table.All.Count);
                foreach (var spec in table.All) r.Bulk(spec.Name);
                break;
            default:
                throw new CommandError($"ERR unknown subcommand or wrong number of arguments for '{a.Text(1)}'. Try COMMAND HELP.");
        }
    }

    /// <summary>Redis 7's COMMAND INFO entry: name, arity, flags, first/last key, step, ACL categories, tips,
    /// key specs, subcommands.</summary>
    private static void WriteInfo(RespWriter r, CommandSpec spec)
    {
        r.ArrayHeader(10);
        r.Bulk(spec.Name);
        r.Integer(spec.Arity);
        var flags = new List<string>();
        if (spec.Flags.HasFlag(CommandFlags.Write)) flags.Add("write");
        if (spec.Flags.HasFlag(CommandFlags.ReadOnly)) flags.Add("readonly");
        if (spec.Flags.HasFlag(CommandFlags.Admin)) flags.Add("admin");
        if (spec.Flags.HasFlag(CommandFlags.Fast)) flags.Add("fast");
        if (spec.Flags.HasFlag(CommandFlags.NoAuth)) flags.Add("no_auth");
        r.ArrayHeader(flags.Count);
        foreach (var flag in flags) r.Simple(flag);
        r.Integer(spec.FirstKey);
        r.Integer(spec.LastKey);
        r.Integer(spec.Step);
        r.EmptyArray();
        r.EmptyArray();
        r.EmptyArray();
        r.EmptyArray();
    }

    private static void Config(RespClient c, CommandArgs a, RespWriter r)
    {
        string sub = a.Text(1).ToUpperInvariant();
        var settings = ConfigLoader.Settings.Where(s => s.RedisName != null).ToList();
        switch (sub)
        {
            case "GET" when a.Count >= 3:
                var matched = new Dictionary<string, string>();
                for (int i = 2; i < a.Count; i++)
                {
                    foreach (var s in settings)
                        if (Glob.Match(a[i], System.Text.Encoding.ASCII.GetBytes(s.RedisName!)))
                            matched[s.RedisName!] = s.Get(c.Node.Config);
                    foreach (var (name, value) in FixedSettings)
                        if (Glob.Match(a[i], System.Text.Encoding.ASCII.GetBytes(name))) matched[name] = value;
                }
                r.MapHeader(matched.Count);
                foreach (var (name, value) in matched)
                {
                    r.Bulk(name);
                    r.Bulk(value);
                }
                break;
            case "SET" when a.Count >= 4 && a.Count % 2 == 0:
                for (int i = 2; i < a.Count; i += 2)
                {
                    string name = a.Text(i).ToLowerInvariant();
                    var setting = settings.FirstOrDefault(s => s.RedisName == name && Mutable.Contains(name))
                        ?? throw new CommandError($"ERR Unknown option or number of arguments for CONFIG SET - '{name}'");
                    try
                    {
                        setting.Set(c.Node.Config, a.Text(i + 1));
                    }
                    catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
                    {
                        throw new CommandError($"ERR CONFIG SET failed (possibly related to argument '{name}') - {e.Message}");
                    }
                    if (name == "appendfsync" && c.Node.Log is { } log) log.Durability = c.Node.Config.AppendFsync;
                }
                r.Ok();
                break;
            case "RESETSTAT" when a.Count == 2:
                r.Ok();
                break;
            default:
                throw new CommandError($"ERR unknown subcommand or wrong number of arguments for '{a.Text(1)}'. Try CONFIG HELP.");
        }
    }

    /// <summary>Settings CONFIG SET may change while running (the others need a restart).</summary>
    private static readonly HashSet<string> Mutable = ["maxclients", "timeout", "appendfsync", "maxmemory", "maxmemory-policy", "hz", "loglevel", "proto-max-bulk-len", "client-query-buffer-limit"];

    /// <summary>Settings clients ask about that have one fixed answer here.</summary>
    private static readonly (string Name, string Value)[] FixedSettings =
    [
        ("save", ""),
        ("slave-read-only", "yes"),
        ("replica-read-only", "yes"),
        ("cluster-enabled", "no"),
    ];
}
