using HyperCache.Frontends.Hosting;
using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>MEMORY USAGE | STATS | DOCTOR | MALLOC-STATS | PURGE | HELP. Sizes come from the store's own memory
/// accounting (the numbers maxmemory and INFO's used_memory use); the allocator's view is the .NET GC's.</summary>
public static class MemoryCommands
{
    private static readonly string[] Help =
    [
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        "HELP",
        "    Prints this help.",
    ];

    public static void Register(CommandTable t)
    {
        t.Container("memory", CommandFlags.None,
            new Subcommand("USAGE", -3, Usage, 2, CommandFlags.ReadOnly),
            new Subcommand("STATS", 2, (c, a, r) => Stats(c.Node, r)),
            new Subcommand("DOCTOR", 2, (c, a, r) => r.Verbatim(MemoryReport.Doctor(c.Node))),
            new Subcommand("MALLOC-STATS", 2, (c, a, r) => r.Verbatim(MemoryReport.AllocatorStats())),
            new Subcommand("PURGE", 2, (c, a, r) =>
            {
                HeapCompactor.Compact();
                r.Ok();
            }),
            Subcommand.Help(Help));
    }

    /// <summary>MEMORY USAGE key [SAMPLES count]...: SAMPLES is checked as Redis checks it (repeatable, an integer
    /// of at least 0) but changes nothing: every value's size is counted exactly as it changes, never sampled.</summary>
    private static void Usage(RespClient c, CommandArgs a, RespWriter r)
    {
        for (int i = 3; i < a.Count; i++)
        {
            if (!a.Is(i, "SAMPLES"u8) || i + 1 >= a.Count) throw CommandError.Syntax();
            if (!Numbers.TryParseInt64(a[++i], out long samples)) throw CommandError.NotInteger();
            if (samples < 0) throw CommandError.Syntax();
        }
        if (c.Store.KeyBytes(c.Session, a[2]) is { } bytes) r.Integer(bytes);
        else r.NullBulk();
    }

    /// <summary>Redis 7.0's MEMORY STATS fields in its order. What has no counterpart here (a replication backlog
    /// outside the log, client buffers, Lua and function caches are not in the accounting) is 0; startup is 0
    /// because the accounting counts only the keyspace (docs/decisions.md, "MEMORY").</summary>
    private static void Stats(Node node, RespWriter r)
    {
        var s = MemorySnapshot.Take(node.Store);
        r.MapHeader(27 + s.Databases.Count);
        Field(r, "peak.allocated", s.Peak);
        Field(r, "total.allocated", s.Used);
        Field(r, "startup.allocated", 0);
        Field(r, "replication.backlog", 0);
        Field(r, "clients.slaves", 0);
        Field(r, "clients.normal", 0);
        Field(r, "cluster.links", 0);
        Field(r, "aof.buffer", 0);
        Field(r, "lua.caches", 0);
        Field(r, "functions.caches", 0);
        foreach (var db in s.Databases)
        {
            r.Bulk($"db.{db.Db}");
            r.MapHeader(3);
            Field(r, "overhead.hashtable.main", db.TableBytes);
            Field(r, "overhead.hashtable.expires", db.VolatileBytes);
            Field(r, "overhead.hashtable.slot-to-keys", 0);
        }
        Field(r, "overhead.total", s.Overhead);
        Field(r, "keys.count", s.Keys);
        Field(r, "keys.bytes-per-key", s.Keys > 0 ? s.Used / s.Keys : 0);
        Field(r, "dataset.bytes", s.Dataset);
        Field(r, "dataset.percentage", s.Used > 0 ? s.Dataset * 100.0 / s.Used : 0);
        Field(r, "peak.percentage", s.Peak > 0 ? s.Used * 100.0 / s.Peak : 100);
        Field(r, "allocator.allocated", s.HeapAllocated);
        Field(r, "allocator.active", s.HeapCommitted);
        Field(r, "allocator.resident", s.HeapCommitted);
        Field(r, "allocator-fragmentation.ratio", Ratio(s.HeapCommitted, s.HeapAllocated));
        Field(r, "allocator-fragmentation.bytes", s.HeapCommitted - s.HeapAllocated);
        Field(r, "allocator-rss.ratio", 1.0);
        Field(r, "allocator-rss.bytes", 0);
        Field(r, "rss-overhead.ratio", Ratio(s.Rss, s.HeapCommitted));
        Field(r, "rss-overhead.bytes", s.Rss - s.HeapCommitted);
        Field(r, "fragmentation", Ratio(s.Rss, s.Used));
        Field(r, "fragmentation.bytes", s.Rss - s.Used);
    }

    private static double Ratio(long a, long b) => b > 0 ? (double)a / b : 0;

    private static void Field(RespWriter r, string name, long value)
    {
        r.Bulk(name);
        r.Integer(value);
    }

    private static void Field(RespWriter r, string name, double value)
    {
        r.Bulk(name);
        r.Double(value);
    }
}
