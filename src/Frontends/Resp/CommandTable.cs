using System.Text;

namespace HyperCache.Frontends.Resp;

public delegate void CommandHandler(RespClient client, CommandArgs args, RespWriter reply);

[Flags]
public enum CommandFlags
{
    None = 0,
    Write = 1,
    ReadOnly = 2,
    Admin = 4,
    Fast = 8,
    /// <summary>Allowed before AUTH (AUTH, HELLO, QUIT).</summary>
    NoAuth = 16,
    /// <summary>Refused with OOM when used memory is over maxmemory and eviction cannot bring it back (Redis's
    /// denyoom). Set by <see cref="CommandTable"/> on every write, or write subcommand, that may grow memory
    /// (<see cref="OomRules"/>).</summary>
    DenyOom = 32,
    /// <summary>Runs while a script is busy (Redis's allow_busy; see <see cref="Scripting.BusyScript"/>).</summary>
    AllowBusy = 64,
    /// <summary>Refused inside MULTI, dooming the transaction (Redis's no_multi: SAVE, SHUTDOWN).</summary>
    NoMulti = 128,
    /// <summary>Shown to MONITOR as it starts instead of after it ran (Redis's skip_monitor: EVAL, EVALSHA, FCALL and
    /// their _RO forms, so that the line comes before those of the commands the script calls). COMMAND INFO takes
    /// skip_monitor from Redis's description, not from here.</summary>
    SkipMonitor = 256,
}

/// <summary>One command: its arity as Redis states it (negative = at least), flags and key positions (for
/// COMMAND INFO and, later, cluster routing), and the handler.</summary>
public sealed record CommandSpec(string Name, int Arity, CommandFlags Flags, int FirstKey, int LastKey, int Step, CommandHandler Handler)
{
    public bool ArityOk(int count) => Arity >= 0 ? count == Arity : count >= -Arity;

    /// <summary>Its bit in an ACL user's command bitset (<see cref="Acl.AclCommandIndex"/> numbers the table once).</summary>
    public int AclId { get; internal set; }

    /// <summary>This command's metric children, set once at start-up (see <see cref="Metrics.NodeMetrics"/>).</summary>
    public Metrics.CommandMeter? Meter { get; set; }

    /// <summary>For container commands (CONFIG, CLIENT, COMMAND, OBJECT): their subcommands, named "config|get".</summary>
    public Dictionary<string, CommandSpec>? Subcommands { get; init; }

    /// <summary>A command Redis does not split into subcommands although HyperCache dispatches its first argument like
    /// one (DEBUG): COMMAND describes it as one command and lists no subcommands.</summary>
    public bool SubcommandsHidden { get; init; }

    /// <summary>The subcommands COMMAND INFO, DOCS and LIST describe.</summary>
    public IEnumerable<CommandSpec> ListedSubcommands => Subcommands is null || SubcommandsHidden ? [] : Subcommands.Values;

    public bool TryFindSubcommand(ReadOnlySpan<byte> name, out CommandSpec spec)
    {
        spec = null!;
        if (Subcommands is null || name.Length > 32) return false;
        Span<char> chars = stackalloc char[name.Length];
        for (int i = 0; i < name.Length; i++) chars[i] = (char)name[i];
        return Subcommands.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars, out spec!);
    }
}

public enum CommandLookup { Found, UnknownCommand, UnknownSubcommand }

/// <summary>A subcommand: its arity counts the whole request, as Redis's does (CONFIG GET is -3). Its flags are the
/// container's unless <paramref name="Flags"/> says otherwise (XGROUP HELP is no write).</summary>
public sealed record Subcommand(string Name, int Arity, CommandHandler Handler, int FirstKey = 0, CommandFlags? Flags = null)
{
    /// <summary>A container's HELP: its lines, each a simple string, as Redis writes them. No flags, as Redis flags
    /// every HELP: it runs on a replica and over maxmemory, and MONITOR sees it.</summary>
    public static Subcommand Help(params string[] lines) => new("HELP", 2, (c, a, r) =>
    {
        r.ArrayHeader(lines.Length);
        foreach (var line in lines) r.Simple(line);
    }, Flags: CommandFlags.None);
}

/// <summary>Name → command, looked up case-insensitively from the request bytes without allocating.</summary>
public sealed class CommandTable
{
    private readonly Dictionary<string, CommandSpec> _commands = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, CommandSpec>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public CommandTable() => _lookup = _commands.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Every command's name, lower-case (redis.acl_check_cmd's list).</summary>
    public IEnumerable<string> Names => _commands.Values.Select(spec => spec.Name);

    public IReadOnlyCollection<CommandSpec> All => _commands.Values;

    public void Add(string name, int arity, CommandFlags flags, CommandHandler handler, int firstKey = 0, int lastKey = 0, int step = 0)
        => _commands[name] = new CommandSpec(name.ToLowerInvariant(), arity, Scripting.BusyScript.WithAllowBusy(name, OomRules.WithDenyOom(name, flags)), firstKey, lastKey, step, handler);

    /// <summary>A container command; the dispatcher picks the subcommand and checks its arity.
    /// <paramref name="flags"/> are its subcommands' (each may declare its own); the container itself has none, as in
    /// Redis (it only runs to report a wrong arity).</summary>
    public void Container(string name, CommandFlags flags, params Subcommand[] subcommands)
        => Container(name, flags, -2, (c, a, r) => { }, subcommands);

    /// <summary>A container that also does something with no subcommand (COMMAND alone lists all commands). Each
    /// subcommand gets its own flags, denyoom and allow_busy by its full name ("xgroup|create").</summary>
    public void Container(string name, CommandFlags flags, int arity, CommandHandler alone, params Subcommand[] subcommands)
        => _commands[name] = new CommandSpec(name, arity, CommandFlags.None, 0, 0, 0, alone) { Subcommands = SubcommandTable(name, flags, subcommands) };

    /// <summary>A command Redis 7.0 does not split into subcommands (DEBUG) but HyperCache dispatches like a container:
    /// it keeps <paramref name="flags"/> itself, and COMMAND describes it as one command.</summary>
    public void Multiplexed(string name, CommandFlags flags, params Subcommand[] subcommands)
        => _commands[name] = new CommandSpec(name, -2, OomRules.WithDenyOom(name, flags), 0, 0, 0, (c, a, r) => { })
        {
            Subcommands = SubcommandTable(name, flags, subcommands),
            SubcommandsHidden = true,
        };

    private static Dictionary<string, CommandSpec> SubcommandTable(string name, CommandFlags flags, Subcommand[] subcommands)
    {
        var table = new Dictionary<string, CommandSpec>(StringComparer.OrdinalIgnoreCase);
        foreach (var sub in subcommands)
        {
            string full = $"{name}|{sub.Name.ToLowerInvariant()}";
            var subFlags = Scripting.BusyScript.WithAllowBusy(full, OomRules.WithDenyOom(full, sub.Flags ?? flags));
            table[sub.Name] = new CommandSpec(full, sub.Arity, subFlags, sub.FirstKey, sub.FirstKey, sub.FirstKey > 0 ? 1 : 0, sub.Handler);
        }
        return table;
    }

    /// <summary>Shorthand for the common single-key command (key at position 1).</summary>
    public void Key(string name, int arity, CommandFlags flags, CommandHandler handler) => Add(name, arity, flags, handler, 1, 1, 1);

    public bool TryFind(ReadOnlySpan<byte> name, out CommandSpec spec)
    {
        spec = null!;
        if (name.Length > 64) return false;
        Span<char> chars = stackalloc char[name.Length];
        for (int i = 0; i < name.Length; i++) chars[i] = (char)name[i];
        return _lookup.TryGetValue(chars, out spec!);
    }

    public bool TryFind(string name, out CommandSpec spec) => _commands.TryGetValue(name, out spec!);

    /// <summary>A command or a listed subcommand by its full name, as COMMAND INFO takes it ("xgroup|create").</summary>
    public bool TryFindFullName(string name, out CommandSpec spec)
    {
        int bar = name.IndexOf('|');
        if (bar < 0) return TryFind(name, out spec);
        spec = null!;
        if (!TryFind(name[..bar], out var container) || container.SubcommandsHidden || container.Subcommands is null) return false;
        return container.Subcommands.TryGetValue(name[(bar + 1)..], out spec!);
    }

    /// <summary>The command a request names, down to its subcommand (CONFIG GET). On
    /// <see cref="CommandLookup.UnknownSubcommand"/>, <paramref name="spec"/> is the container.</summary>
    public CommandLookup Resolve(CommandArgs args, out CommandSpec spec)
    {
        if (!TryFind(args[0], out spec)) return CommandLookup.UnknownCommand;
        if (spec.Subcommands == null || args.Count < 2) return CommandLookup.Found;
        if (!spec.TryFindSubcommand(args[1], out var sub)) return CommandLookup.UnknownSubcommand;
        spec = sub;
        return CommandLookup.Found;
    }

    /// <summary>Redis's wording: "unknown command 'x', with args beginning with: 'a' 'b' ".</summary>
    public static string UnknownCommandError(CommandArgs args)
    {
        var text = new StringBuilder("ERR unknown command '").Append(Clip(args.Text(0), 128)).Append("', with args beginning with: ");
        var list = new StringBuilder();
        for (int i = 1; i < args.Count && list.Length < 128; i++)
        {
            int room = 128 - list.Length;
            list.Append('\'').Append(Clip(args.Text(i), room)).Append("' ");
        }
        return text.Append(list).ToString();
    }

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..Math.Max(0, max)];
}
