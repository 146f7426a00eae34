using System.Reflection;
using System.Text.Json;

namespace HyperCache.Frontends.Resp.Metadata;

/// <summary>
/// What COMMAND INFO and COMMAND DOCS say about a command beyond what the command table states: Redis 7.0.15's own
/// description of it (<c>redis-7.0.15-commands.json</c>, written by <c>generate.py</c> from a redis-server), or
/// HyperCache's for the commands Redis 7.0 lacks (<c>hypercache-commands.json</c>, same format). Arity, the
/// flags that change what a command does (write, readonly, denyoom, admin, fast, no_auth, allow_busy, no_multi), first/last
/// key and step, and which commands and subcommands exist come from the command table, never from here. COMMAND DOCS's
/// summaries are HyperCache's own, for every command, in <c>command-summaries.json</c> (Redis's prose is not carried).
/// Loaded on the first COMMAND that needs it; nothing on the command path reads it.
/// </summary>
public sealed class CommandDescriptions
{
    private static readonly Lazy<CommandDescriptions> Loaded = new(Load);

    public static CommandDescriptions Shared => Loaded.Value;

    private readonly Dictionary<string, CommandDescription> _byName = new(StringComparer.OrdinalIgnoreCase);

    private readonly Dictionary<string, string> _summaries = new(StringComparer.OrdinalIgnoreCase);

    public bool TryGet(string fullName, out CommandDescription description) => _byName.TryGetValue(fullName, out description!);

    /// <summary>The one-line summary COMMAND DOCS gives a command or subcommand (full name), in our words.</summary>
    public bool TryGetSummary(string fullName, out string summary) => _summaries.TryGetValue(fullName, out summary!);

    /// <summary>Every name command-summaries.json has a summary for.</summary>
    public IEnumerable<string> SummarizedNames => _summaries.Keys;

    private static CommandDescriptions Load()
    {
        var loaded = new CommandDescriptions();
        // HyperCache's own descriptions first, so that one of them could stand in for Redis's
        foreach (var file in new[] { "hypercache-commands.json", "redis-7.0.15-commands.json" })
        {
            using var stream = Open(file);
            var document = JsonDocument.Parse(stream); // kept for the process's life: the descriptions point into it
            foreach (var command in document.RootElement.GetProperty("commands").EnumerateObject())
                loaded._byName.TryAdd(command.Name, CommandDescription.From(command.Name, command.Value));
        }
        using (var stream = Open("command-summaries.json"))
        using (var summaries = JsonDocument.Parse(stream))
            foreach (var command in summaries.RootElement.GetProperty("commands").EnumerateObject())
                loaded._summaries.Add(command.Name, command.Value.GetString()!);
        return loaded;
    }

    private static Stream Open(string file)
        => Assembly.GetExecutingAssembly().GetManifestResourceStream("HyperCache.Frontends.Resp.Metadata." + file)
            ?? throw new InvalidOperationException($"embedded resource {file} is missing");
}

/// <summary>One command's or subcommand's description (see <see cref="CommandDescriptions"/>).</summary>
public sealed class CommandDescription
{
    /// <summary>Its Redis flags that the command table does not hold (loading, stale, noscript, movablekeys...).</summary>
    public required RedisFlags Flags { get; init; }

    /// <summary>Its ACL categories other than those Redis derives from flags (@write, @read, @fast, @slow...).</summary>
    public required AclCategories ExplicitCategories { get; init; }

    /// <summary>COMMAND INFO's tips (a set), as Redis writes them; null: none.</summary>
    public JsonElement? Tips { get; init; }

    /// <summary>COMMAND INFO's key specs as Redis writes them; null: derived from the table's first/last/step.</summary>
    public JsonElement? KeySpecsReply { get; init; }

    /// <summary>The key specs, parsed, for COMMAND GETKEYS; null: derived from the table's first/last/step.</summary>
    public KeySpec[]? KeySpecs { get; init; }

    /// <summary>COMMAND DOCS's map for it, without its subcommands (the table decides which exist).</summary>
    public JsonElement? Docs { get; init; }

    internal static CommandDescription From(string name, JsonElement json)
    {
        var flags = RedisFlags.None;
        foreach (var flag in json.GetProperty("flags").EnumerateArray())
            flags |= RedisFlagNames.Parse(flag.GetString()!);
        var categories = AclCategories.None;
        if (json.TryGetProperty("acl", out var acl))
            foreach (var category in acl.EnumerateArray())
                categories |= AclCategoryNames.Parse(category.GetString()!);
        // what the flags imply Redis adds by itself; the rest was declared
        categories &= ~AclCategoryNames.Implied(flags, categories);
        JsonElement? specs = json.TryGetProperty("key_specs", out var s) ? s : null;
        return new CommandDescription
        {
            Flags = flags & ~RedisFlags.TableFlags,
            ExplicitCategories = categories,
            Tips = json.TryGetProperty("tips", out var tips) ? tips : null,
            KeySpecsReply = specs,
            KeySpecs = specs is { } list ? KeySpec.ParseAll(name, list) : null,
            Docs = json.TryGetProperty("docs", out var docs) ? docs : null,
        };
    }
}

/// <summary>Redis 7.0's command flags, in the order COMMAND INFO lists them.</summary>
[Flags]
public enum RedisFlags : uint
{
    None = 0,
    Write = 1 << 0,
    ReadOnly = 1 << 1,
    DenyOom = 1 << 2,
    Module = 1 << 3,
    Admin = 1 << 4,
    PubSub = 1 << 5,
    NoScript = 1 << 6,
    Blocking = 1 << 7,
    Loading = 1 << 8,
    Stale = 1 << 9,
    SkipMonitor = 1 << 10,
    SkipSlowlog = 1 << 11,
    Asking = 1 << 12,
    Fast = 1 << 13,
    NoAuth = 1 << 14,
    NoMandatoryKeys = 1 << 15,
    NoAsyncLoading = 1 << 16,
    NoMulti = 1 << 17,
    MovableKeys = 1 << 18,
    AllowBusy = 1 << 19,

    /// <summary>The flags the command table states (and the node acts on).</summary>
    TableFlags = Write | ReadOnly | DenyOom | Admin | Fast | NoAuth | AllowBusy | NoMulti,
}

public static class RedisFlagNames
{
    /// <summary>Bit i of <see cref="RedisFlags"/> is named Names[i].</summary>
    public static readonly string[] Names =
    [
        "write", "readonly", "denyoom", "module", "admin", "pubsub", "noscript", "blocking", "loading", "stale",
        "skip_monitor", "skip_slowlog", "asking", "fast", "no_auth", "no_mandatory_keys", "no_async_loading",
        "no_multi", "movablekeys", "allow_busy",
    ];

    public static RedisFlags Parse(string name)
    {
        int i = Array.IndexOf(Names, name);
        return i >= 0 ? (RedisFlags)(1u << i) : throw new InvalidDataException($"unknown command flag '{name}'");
    }

    /// <summary>The table's flags in Redis's terms.</summary>
    public static RedisFlags FromTable(CommandFlags flags)
    {
        var result = RedisFlags.None;
        if (flags.HasFlag(CommandFlags.Write)) result |= RedisFlags.Write;
        if (flags.HasFlag(CommandFlags.ReadOnly)) result |= RedisFlags.ReadOnly;
        if (flags.HasFlag(CommandFlags.DenyOom)) result |= RedisFlags.DenyOom;
        if (flags.HasFlag(CommandFlags.Admin)) result |= RedisFlags.Admin;
        if (flags.HasFlag(CommandFlags.Fast)) result |= RedisFlags.Fast;
        if (flags.HasFlag(CommandFlags.NoAuth)) result |= RedisFlags.NoAuth;
        if (flags.HasFlag(CommandFlags.AllowBusy)) result |= RedisFlags.AllowBusy;
        if (flags.HasFlag(CommandFlags.NoMulti)) result |= RedisFlags.NoMulti;
        return result;
    }
}

/// <summary>Redis 7.0's ACL categories, in the order COMMAND INFO lists them.</summary>
[Flags]
public enum AclCategories : uint
{
    None = 0,
    Keyspace = 1 << 0,
    Read = 1 << 1,
    Write = 1 << 2,
    Set = 1 << 3,
    SortedSet = 1 << 4,
    List = 1 << 5,
    Hash = 1 << 6,
    String = 1 << 7,
    Bitmap = 1 << 8,
    HyperLogLog = 1 << 9,
    Geo = 1 << 10,
    Stream = 1 << 11,
    PubSub = 1 << 12,
    Admin = 1 << 13,
    Fast = 1 << 14,
    Slow = 1 << 15,
    Blocking = 1 << 16,
    Dangerous = 1 << 17,
    Connection = 1 << 18,
    Transaction = 1 << 19,
    Scripting = 1 << 20,
}

public static class AclCategoryNames
{
    public static readonly string[] Names =
    [
        "@keyspace", "@read", "@write", "@set", "@sortedset", "@list", "@hash", "@string", "@bitmap", "@hyperloglog",
        "@geo", "@stream", "@pubsub", "@admin", "@fast", "@slow", "@blocking", "@dangerous", "@connection",
        "@transaction", "@scripting",
    ];

    public static AclCategories Parse(string name)
    {
        int i = Array.IndexOf(Names, name);
        return i >= 0 ? (AclCategories)(1u << i) : throw new InvalidDataException($"unknown ACL category '{name}'");
    }

    /// <summary>Redis's setImplicitACLCategories: what a command's flags add to its declared categories.</summary>
    public static AclCategories Implied(RedisFlags flags, AclCategories declared)
    {
        var implied = AclCategories.None;
        if (flags.HasFlag(RedisFlags.Write)) implied |= AclCategories.Write;
        if (flags.HasFlag(RedisFlags.ReadOnly) && !declared.HasFlag(AclCategories.Scripting)) implied |= AclCategories.Read;
        if (flags.HasFlag(RedisFlags.Admin)) implied |= AclCategories.Admin | AclCategories.Dangerous;
        if (flags.HasFlag(RedisFlags.PubSub)) implied |= AclCategories.PubSub;
        if (flags.HasFlag(RedisFlags.Fast)) implied |= AclCategories.Fast;
        if (flags.HasFlag(RedisFlags.Blocking)) implied |= AclCategories.Blocking;
        if (!(declared | implied).HasFlag(AclCategories.Fast)) implied |= AclCategories.Slow;
        return implied;
    }
}
