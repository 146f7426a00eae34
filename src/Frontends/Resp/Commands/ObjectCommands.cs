using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>OBJECT ENCODING | FREQ | IDLETIME | REFCOUNT | HELP. Every subcommand answers nil for a missing key
/// and none counts as an access.</summary>
public static class ObjectCommands
{
    private const string NoLfu = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

    private const string LfuSelected = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

    private static readonly string[] Help =
    [
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    ];

    public static void Register(CommandTable t)
    {
        t.Container("object", CommandFlags.ReadOnly,
            new Subcommand("ENCODING", 3, (c, a, r) => With(c, a, r, d => r.Bulk(d.Encoding)), 2),
            new Subcommand("IDLETIME", 3, (c, a, r) => With(c, a, r, d =>
            {
                if (c.Store.Memory.Policy.UsesLfu()) throw new CommandError(LfuSelected); // as Redis: one field holds LRU or LFU data
                r.Integer(d.IdleSeconds);
            }), 2),
            new Subcommand("REFCOUNT", 3, (c, a, r) => With(c, a, r, d => r.Integer(IsShared(c, d) ? int.MaxValue : 1)), 2),
            new Subcommand("FREQ", 3, (c, a, r) => With(c, a, r, d =>
            {
                if (!c.Store.Memory.Policy.UsesLfu()) throw new CommandError(NoLfu);
                r.Integer(c.Store.Frequency(c.Session, a[2]) ?? 0);
            }), 2),
            Subcommand.Help(Help));
    }

    private static void With(RespClient c, CommandArgs a, RespWriter r, Action<ObjectDescription> answer)
    {
        if (c.Store.Describe(c.Session, a[2]) is { } description) answer(description);
        else r.NullBulk();
    }

    /// <summary>Redis shares the integers 0..9999 between keys (refcount INT_MAX), unless an LRU/LFU policy needs
    /// per-key access data.</summary>
    private static bool IsShared(RespClient c, ObjectDescription d)
    {
        string policy = c.Store.Memory.Policy.PolicyName();
        bool perKeyAccess = c.Store.Memory.MaxMemory > 0 && (policy.Contains("lru", StringComparison.Ordinal) || policy.Contains("lfu", StringComparison.Ordinal));
        return d.IntegerValue is >= 0 and < 10000 && !perKeyAccess;
    }
}
