using System.Text;
using System.Text.Json;
using HyperCache.Frontends.Resp.Metadata;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Keyspace;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>
/// COMMAND and its subcommands, answered as Redis 7.0.15 answers them. Every entry is built from the command table
/// (name, arity, the flags the node acts on, first/last key and step, which subcommands exist) and the
/// command's description (<see cref="CommandDescriptions"/>: Redis's other flags, ACL categories, tips, key specs,
/// docs). Nothing here runs on another command's path.
/// </summary>
public static class CommandCommands
{
    public static void Register(CommandTable t)
    {
        t.Container("command", CommandFlags.None, -1, (c, a, r) => WriteAll(c, r),
            new Subcommand("COUNT", 2, (c, a, r) => r.Integer(c.Node.Commands.All.Count)),
            new Subcommand("INFO", -2, Info),
            new Subcommand("DOCS", -2, Docs),
            new Subcommand("LIST", -2, List),
            new Subcommand("GETKEYS", -4, (c, a, r) => GetKeys(c, a, r, withFlags: false)),
            new Subcommand("GETKEYSANDFLAGS", -4, (c, a, r) => GetKeys(c, a, r, withFlags: true)),
            Subcommand.Help(
                "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "(no subcommand)",
                "    Return details about all Redis commands.",
                "COUNT",
                "    Return the total number of commands in this Redis server.",
                "LIST",
                "    Return a list of all commands in this Redis server.",
                "INFO [<command-name> ...]",
                "    Return details about multiple Redis commands.",
                "    If no command names are given, documentation details for all",
                "    commands are returned.",
                "DOCS [<command-name> ...]",
                "    Return documentation details about multiple Redis commands.",
                "    If no command names are given, documentation details for all",
                "    commands are returned.",
                "GETKEYS <full-command>",
                "    Return the keys from a full Redis command.",
                "GETKEYSANDFLAGS <full-command>",
                "    Return the keys and the access flags from a full Redis command.",
                "HELP",
                "    Prints this help."));
    }

    private static void WriteAll(RespClient c, RespWriter r)
    {
        r.ArrayHeader(c.Node.Commands.All.Count);
        foreach (var spec in c.Node.Commands.All) WriteInfo(r, spec);
    }

    /// <summary>COMMAND INFO [name ...]: an entry per name (a subcommand by its full name, "xgroup|create"), nil for
    /// a name it does not know; no name: every command.</summary>
    private static void Info(RespClient c, CommandArgs a, RespWriter r)
    {
        if (a.Count == 2)
        {
            WriteAll(c, r);
            return;
        }
        r.ArrayHeader(a.Count - 2);
        for (int i = 2; i < a.Count; i++)
        {
            if (c.Node.Commands.TryFindFullName(a.Text(i), out var spec)) WriteInfo(r, spec);
            else r.NullBulk();
        }
    }

    /// <summary>Redis 7's COMMAND INFO entry: name, arity, flags, first key, last key, step, ACL categories, tips,
    /// key specs, subcommands.</summary>
    public static void WriteInfo(RespWriter r, CommandSpec spec)
    {
        CommandDescriptions.Shared.TryGet(spec.Name, out var description);
        var flags = Flags(spec, description);
        r.ArrayHeader(10);
        r.Bulk(spec.Name);
        r.Integer(spec.Arity);
        WriteNames(r, (uint)flags, RedisFlagNames.Names);
        r.Integer(spec.FirstKey);
        r.Integer(spec.LastKey);
        r.Integer(spec.Step);
        WriteNames(r, (uint)Categories(flags, description), AclCategoryNames.Names);
        if (description?.Tips is { } tips) WriteJson(r, tips);
        else r.SetHeader(0);
        if (description?.KeySpecsReply is { } keySpecs) WriteJson(r, keySpecs);
        else
        {
            var specs = KeySpec.FromRange(spec);
            r.SetHeader(specs.Length);
            foreach (var keySpec in specs) keySpec.Write(r);
        }
        var subcommands = spec.ListedSubcommands.ToList();
        if (subcommands.Count == 0)
        {
            r.SetHeader(0); // Redis's empty subcommand list is a set, a non-empty one an array
            return;
        }
        r.ArrayHeader(subcommands.Count);
        foreach (var sub in subcommands) WriteInfo(r, sub);
    }

    /// <summary>The table's flags (those the node acts on) and the description's others (loading, stale, noscript...).</summary>
    public static RedisFlags Flags(CommandSpec spec, CommandDescription? description)
        => RedisFlagNames.FromTable(spec.Flags) | (description?.Flags ?? RedisFlags.None);

    public static AclCategories Categories(RedisFlags flags, CommandDescription? description)
    {
        var declared = description?.ExplicitCategories ?? AclCategories.None;
        return declared | AclCategoryNames.Implied(flags, declared);
    }

    private static void WriteNames(RespWriter r, uint bits, string[] names)
    {
        r.SetHeader(System.Numerics.BitOperations.PopCount(bits));
        for (int i = 0; i < names.Length; i++)
            if ((bits & (1u << i)) != 0) r.Simple(names[i]);
    }

    /// <summary>A value of a description file, in its RESP3 type (RESP2: maps and sets as arrays).</summary>
    private static void WriteJson(RespWriter r, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                r.Bulk(value.GetString()!);
                break;
            case JsonValueKind.Number:
                r.Integer(value.GetInt64());
                break;
            case JsonValueKind.Array:
                r.ArrayHeader(value.GetArrayLength());
                foreach (var item in value.EnumerateArray()) WriteJson(r, item);
                break;
            case JsonValueKind.Object when value.TryGetProperty("~", out var set):
                r.SetHeader(set.GetArrayLength());
                foreach (var item in set.EnumerateArray()) WriteJson(r, item);
                break;
            case JsonValueKind.Object when value.TryGetProperty("+", out var simple):
                r.Simple(simple.GetString()!);
                break;
            case JsonValueKind.Object:
                r.MapHeader(value.EnumerateObject().Count());
                foreach (var property in value.EnumerateObject())
                {
                    r.Bulk(property.Name);
                    WriteJson(r, property.Value);
                }
                break;
            default:
                r.NullBulk();
                break;
        }
    }

    /// <summary>COMMAND DOCS [name ...]: a map of each known name to its docs (a container's with its subcommands');
    /// unknown names are left out; no name: every command.</summary>
    private static void Docs(RespClient c, CommandArgs a, RespWriter r)
    {
        var found = new List<CommandSpec>();
        if (a.Count == 2) found.AddRange(c.Node.Commands.All);
        for (int i = 2; i < a.Count; i++)
            if (c.Node.Commands.TryFindFullName(a.Text(i), out var spec)) found.Add(spec);
        r.MapHeader(found.Count);
        foreach (var spec in found)
        {
            r.Bulk(spec.Name);
            WriteDocs(r, spec);
        }
    }

    /// <summary>One command's docs map: our summary first (where Redis puts its own; left out if we have none), then
    /// the described fields, then its subcommands'.</summary>
    private static void WriteDocs(RespWriter r, CommandSpec spec)
    {
        var subcommands = spec.ListedSubcommands.ToList();
        bool summarized = CommandDescriptions.Shared.TryGetSummary(spec.Name, out string summary);
        var fields = CommandDescriptions.Shared.TryGet(spec.Name, out var description) && description.Docs is { } docs
            ? docs.EnumerateObject().Where(p => p.Name != "summary").ToList() // the summary is only ever ours
            : [];
        r.MapHeader((summarized ? 1 : 0) + fields.Count + (subcommands.Count > 0 ? 1 : 0));
        if (summarized)
        {
            r.Bulk("summary"u8);
            r.Bulk(summary);
        }
        foreach (var property in fields)
        {
            r.Bulk(property.Name);
            WriteJson(r, property.Value);
        }
        if (subcommands.Count == 0) return;
        r.Bulk("subcommands"u8);
        r.MapHeader(subcommands.Count);
        foreach (var sub in subcommands)
        {
            r.Bulk(sub.Name);
            WriteDocs(r, sub);
        }
    }

    /// <summary>COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]: every command's and
    /// subcommand's name (a filter tests each of them).</summary>
    private static void List(RespClient c, CommandArgs a, RespWriter r)
    {
        Func<CommandSpec, bool> keep = _ => true;
        for (int i = 2; i < a.Count; i++)
        {
            if (!a.Is(i, "FILTERBY"u8) || a.Count - 1 - i != 2) throw CommandError.Syntax();
            var argument = a[i + 2].ToArray();
            if (a.Is(i + 1, "MODULE"u8)) keep = _ => false; // no modules here
            else if (a.Is(i + 1, "ACLCAT"u8))
            {
                int index = Array.FindIndex(AclCategoryNames.Names, n => n.AsSpan(1).Equals(Encoding.UTF8.GetString(argument), StringComparison.OrdinalIgnoreCase));
                var category = index < 0 ? AclCategories.None : (AclCategories)(1u << index);
                keep = spec => InCategory(spec, category);
            }
            else if (a.Is(i + 1, "PATTERN"u8))
            {
                var pattern = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(argument).ToLowerInvariant());
                keep = spec => Glob.Match(pattern, Encoding.UTF8.GetBytes(spec.Name));
            }
            else throw CommandError.Syntax();
            i += 2;
        }
        var names = Names(c.Node.Commands, keep);
        r.ArrayHeader(names.Count);
        foreach (var name in names) r.Bulk(name);
    }

    /// <summary>The names of the commands and subcommands in an ACL category (ACL CAT, COMMAND LIST FILTERBY ACLCAT).</summary>
    public static List<string> NamesIn(CommandTable table, AclCategories category) => Names(table, spec => InCategory(spec, category));

    private static bool InCategory(CommandSpec spec, AclCategories category)
    {
        CommandDescriptions.Shared.TryGet(spec.Name, out var d);
        return category != AclCategories.None && Categories(Flags(spec, d), d).HasFlag(category);
    }

    private static List<string> Names(CommandTable table, Func<CommandSpec, bool> keep)
    {
        var names = new List<string>();
        foreach (var spec in table.All)
        {
            if (keep(spec)) names.Add(spec.Name);
            foreach (var sub in spec.ListedSubcommands)
                if (keep(sub)) names.Add(sub.Name);
        }
        return names;
    }

    /// <summary>COMMAND GETKEYS / GETKEYSANDFLAGS command arg...: the keys that command line names, found as Redis
    /// finds them (<see cref="KeyFinder"/>), with Redis's errors in its order.</summary>
    private static void GetKeys(RespClient c, CommandArgs a, RespWriter r, bool withFlags)
    {
        var line = new List<byte[]>(a.Count - 2);
        for (int i = 2; i < a.Count; i++) line.Add(a[i].ToArray());
        if (!c.Node.Commands.TryFind(a[2], out var spec)) throw new CommandError("ERR Invalid command specified");
        if (spec.Subcommands is not null && !spec.SubcommandsHidden && line.Count > 1)
        {
            if (!spec.TryFindSubcommand(a[3], out var sub)) throw new CommandError("ERR Invalid command specified");
            spec = sub;
        }
        CommandDescriptions.Shared.TryGet(spec.Name, out var description);
        var specs = description?.KeySpecs ?? KeySpec.FromRange(spec);
        if (!KeyFinder.HasKeys(spec.Name, specs)) throw new CommandError("ERR The command has no key arguments");
        if ((spec.Arity > 0 && spec.Arity != line.Count) || line.Count < -spec.Arity)
            throw new CommandError("ERR Invalid number of arguments specified for command");
        var keys = KeyFinder.Find(spec.Name, specs, line);
        if (keys.Count == 0 && !(description?.Flags ?? RedisFlags.None).HasFlag(RedisFlags.NoMandatoryKeys))
            throw new CommandError("ERR Invalid arguments specified for command");
        r.ArrayHeader(keys.Count);
        foreach (var key in keys)
        {
            if (!withFlags)
            {
                r.Bulk(line[key.Position]);
                continue;
            }
            r.ArrayHeader(2);
            r.Bulk(line[key.Position]);
            KeySpec.WriteFlags(r, key.Flags);
        }
    }
}
