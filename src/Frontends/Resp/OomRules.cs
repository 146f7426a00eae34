using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp;

/// <summary>
/// Which commands maxmemory refuses, as Redis 7.0 flags them: every write is <c>denyoom</c> except those that
/// can only shrink or leave memory as it is (deletes, pops, TTL changes, renames, flushes), so a full node still
/// lets clients make room.
/// </summary>
public static class OomRules
{
    public const string Error = "OOM command not allowed when used memory > 'maxmemory'.";

    /// <summary>Write commands (and subcommands, by full name) Redis 7.0.15 does not flag denyoom.</summary>
    private static readonly HashSet<string> MayRunWhenFull = new(StringComparer.OrdinalIgnoreCase)
    {
        "del", "unlink", "getdel", "getex", "expire", "pexpire", "expireat", "pexpireat", "persist", "rename", "renamenx",
        "move", "migrate", "swapdb", "flushdb", "flushall", "function|delete", "function|flush", "lpop", "rpop", "blpop", "brpop", "lmpop", "blmpop", "lrem", "ltrim",
        "hdel", "srem", "spop", "smove", "zrem", "zremrangebyscore", "zremrangebyrank", "zremrangebylex", "zpopmin",
        "zpopmax", "bzpopmin", "bzpopmax", "zmpop", "bzmpop", "cf.del", "xdel", "xtrim", "xack", "xclaim", "xautoclaim", "xreadgroup", "select", "exec", "multi",
        "xgroup|destroy", "xgroup|delconsumer", "xgroup|setid",
    };

    public static CommandFlags WithDenyOom(string name, CommandFlags flags)
        => flags.HasFlag(CommandFlags.Write) && !MayRunWhenFull.Contains(name) ? flags | CommandFlags.DenyOom : flags;

    /// <summary>Before a denyoom command (or an EXEC holding one): evicts if needed; false means refuse with
    /// <see cref="Error"/>.</summary>
    public static bool Admit(Store store) => store.MakeRoom();

    /// <summary><see cref="Admit(Store)"/> for a RESP command: while the latency monitor is on, the room it made
    /// (or found) is timed as its eviction-cycle event, as Redis times performEvictions.</summary>
    public static bool Admit(Store store, LatencyMonitor latency)
    {
        if (!latency.Enabled) return store.MakeRoom();
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        bool admitted = store.MakeRoom();
        latency.RecordTicks(LatencyMonitor.EvictionCycle, System.Diagnostics.Stopwatch.GetTimestamp() - started);
        return admitted;
    }
}
