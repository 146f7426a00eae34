using System.Diagnostics;
using System.Globalization;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>The MEMORY and LATENCY tests change what the whole server reports (used memory, latency events,
/// latency-monitor-threshold): they get a server of their own.</summary>
[CollectionDefinition(Name)]
public sealed class MemoryLatencyCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "memory-latency";
}

/// <summary>MEMORY USAGE | STATS | DOCTOR | MALLOC-STATS | PURGE | HELP, and redis-cli --memkeys, as Redis 7.0.15
/// shapes them; on HyperCache the sizes are those of its memory accounting (INFO used_memory, maxmemory).
/// Passes against redis-server too (HYPERCACHE_E2E_TARGET=redis) where it checks shapes.</summary>
[Collection(MemoryLatencyCollection.Name)]
public sealed class MemoryCommandTests(NodeFixture node) : E2ETest(node)
{
    private static readonly string[] StatsFields =
    [
        "peak.allocated", "total.allocated", "startup.allocated", "replication.backlog", "clients.slaves", "clients.normal",
        "cluster.links", "aof.buffer", "lua.caches", "functions.caches", "db.0", "overhead.total", "keys.count",
        "keys.bytes-per-key", "dataset.bytes", "dataset.percentage", "peak.percentage", "allocator.allocated",
        "allocator.active", "allocator.resident", "allocator-fragmentation.ratio", "allocator-fragmentation.bytes",
        "allocator-rss.ratio", "allocator-rss.bytes", "rss-overhead.ratio", "rss-overhead.bytes", "fragmentation",
        "fragmentation.bytes",
    ];

    private Dictionary<string, object?> Stats()
    {
        var flat = (List<object?>)Resp.Parse(Cmd("MEMORY", "STATS"))!;
        var stats = new Dictionary<string, object?>();
        for (int i = 0; i < flat.Count; i += 2) stats[(string)flat[i]!] = flat[i + 1];
        return stats;
    }

    private long Usage(string key) => (long)Resp.Parse(Cmd("MEMORY", "USAGE", key))!;

    private long UsedMemory()
    {
        var info = (string)Resp.Parse(Cmd("INFO", "memory"))!;
        var line = info.Split("\r\n").First(l => l.StartsWith("used_memory:", StringComparison.Ordinal));
        return long.Parse(line["used_memory:".Length..], CultureInfo.InvariantCulture);
    }

    [Fact]
    public void Usage_is_nil_for_a_missing_key_and_checks_samples_as_redis()
    {
        Expect(Resp.Nil, "MEMORY", "USAGE", K("missing"));
        Expect(Resp.Nil, "MEMORY", "USAGE", K("missing"), "SAMPLES", "0");
        Expect(Resp.Ok, "SET", K(), "bar");
        Expect(Resp.Err("ERR syntax error"), "MEMORY", "USAGE", K(), "SAMPLES", "-1");
        Expect(Resp.Err("ERR value is not an integer or out of range"), "MEMORY", "USAGE", K(), "SAMPLES", "x");
        Expect(Resp.Err("ERR syntax error"), "MEMORY", "USAGE", K(), "SAMPLES");
        Expect(Resp.Err("ERR syntax error"), "MEMORY", "USAGE", K(), "COUNT", "1");
        Expect(Resp.Err("ERR syntax error"), "MEMORY", "USAGE", K("missing"), "SAMPLES", "-1"); // options before the lookup
        Expect(Resp.WrongArity("memory|usage"), "MEMORY", "USAGE");
        Expect(Resp.Err("ERR unknown subcommand 'nosuch'. Try MEMORY HELP."), "MEMORY", "nosuch");
        long usage = Usage(K());
        Assert.InRange(usage, 16, 1024);
        Expect(Resp.Int(usage), "MEMORY", "USAGE", K(), "samples", "1", "SAMPLES", "0"); // repeatable, case-insensitive
    }

    [Fact]
    public void Usage_grows_with_the_value_for_every_type()
    {
        Expect(Resp.Ok, "SET", K("small"), "x");
        Expect(Resp.Ok, "SET", K("big"), new string('v', 10_000));
        Assert.InRange(Usage(K("big")) - Usage(K("small")), 9_900, 10_400);
        Cmd("RPUSH", K("list"), "a");
        long oneElement = Usage(K("list"));
        Cmd(["RPUSH", K("list"), .. Enumerable.Range(0, 500).Select(i => "element-" + i)]);
        Assert.True(Usage(K("list")) > oneElement + 500 * 8, "a list's usage counts its elements");
        Cmd("HSET", K("hash"), "f", "v");
        Cmd("SADD", K("set"), "m");
        Cmd("ZADD", K("zset"), "1", "m");
        Cmd("XADD", K("stream"), "*", "f", "v");
        foreach (var key in new[] { "hash", "set", "zset", "stream" }) Assert.True(Usage(K(key)) > 0, key);
    }

    [Fact]
    public void Usage_is_what_used_memory_counts_for_the_key()
    {
        if (Node.IsRedis) return; // Redis's allocator rounds per allocation; HyperCache's accounting is exact
        Expect(Resp.Ok, "SET", K(), new string('v', 100_000));
        Cmd("EXPIRE", K(), "1000");
        Cmd(["RPUSH", K("list"), .. Enumerable.Range(0, 1000).Select(i => "element-" + i)]);
        foreach (var key in new[] { K(), K("list") })
        {
            // The memory loop shrinks tables other tests' deletes left sparse (ten times a second), which moves
            // used_memory too: measure once it holds still.
            WaitForStableUsedMemory();
            long usage = Usage(key), before = UsedMemory();
            Expect(Resp.Int(1), "DEL", key);
            // Deleting gives back the key, the value and nothing else (its table slot stays until the table is
            // shrunk), so what used_memory, and maxmemory with it, lose is the usage less the key's 52-byte slot.
            Assert.Equal(usage - 52, before - UsedMemory());
        }
    }

    private void WaitForStableUsedMemory()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long last = UsedMemory();
        var still = TimeSpan.Zero;
        Eventually.True(() =>
        {
            long now = UsedMemory();
            if (now != last) (last, still) = (now, clock.Elapsed);
            return clock.Elapsed - still > TimeSpan.FromMilliseconds(300); // three of the loop's passes
        }, "used_memory holds still");
    }

    [Fact]
    public void Stats_has_redis_fields_in_redis_order()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        var stats = Stats();
        var names = stats.Keys.Where(k => !k.StartsWith("db.", StringComparison.Ordinal) || k == "db.0").ToList();
        Assert.Equal(StatsFields, names);
        var db0 = (List<object?>)stats["db.0"]!;
        Assert.Equal(["overhead.hashtable.main", "overhead.hashtable.expires", "overhead.hashtable.slot-to-keys"],
            db0.Where((_, i) => i % 2 == 0).Cast<string>());
        Assert.True((long)stats["keys.count"]! >= 1);
        Assert.True((long)stats["peak.allocated"]! >= (long)stats["total.allocated"]!);
        foreach (var ratio in new[] { "dataset.percentage", "peak.percentage", "fragmentation" })
            Assert.True(double.Parse((string)stats[ratio]!, CultureInfo.InvariantCulture) > 0, ratio);
        if (Node.IsRedis) return;
        // HyperCache: the accounting INFO and maxmemory use, split into the tables and the data.
        Assert.Equal(UsedMemory(), (long)stats["total.allocated"]!);
        Assert.Equal((long)stats["total.allocated"]!, (long)stats["overhead.total"]! + (long)stats["dataset.bytes"]!);
        Assert.Equal(Resp.Parse(Cmd("DBSIZE")), stats["keys.count"]);
    }

    [Fact]
    public void Stats_doctor_and_malloc_stats_are_maps_and_verbatim_text_in_resp3()
    {
        using var c = Node.Raw();
        c.Command("HELLO", "3");
        Assert.StartsWith("%", c.Command("MEMORY", "STATS"));
        Assert.StartsWith("=", c.Command("MEMORY", "DOCTOR"));
        Assert.Contains("txt:", c.Command("MEMORY", "MALLOC-STATS"));
        Assert.StartsWith("$", Cmd("MEMORY", "DOCTOR"));
        Assert.StartsWith("$", Cmd("MEMORY", "MALLOC-STATS"));
    }

    [Fact]
    public void Help_lists_the_subcommands()
    {
        var lines = (List<object?>)Resp.Parse(Cmd("MEMORY", "HELP"))!;
        Assert.Equal("MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", lines[0]);
        foreach (var sub in new[] { "DOCTOR", "MALLOC-STATS", "PURGE", "STATS", "USAGE <key> [SAMPLES <count>]", "HELP" })
            Assert.Contains(sub, lines);
    }

    [Fact]
    public void Purge_gives_back_the_heap_that_deleted_values_held()
    {
        Expect(Resp.Ok, "MEMORY", "PURGE");
        if (Node.IsRedis) return;
        for (int batch = 0; batch < 40; batch++)
        {
            var args = new List<string> { "MSET" };
            for (int i = 0; i < 500; i++) args.AddRange([K($"p{batch}:{i}"), new string('x', 2048)]);
            Expect(Resp.Ok, [.. args]);
        }
        long full = (long)Stats()["allocator.active"]!; // ~40 MB of values in the heap
        for (int batch = 0; batch < 40; batch++)
            Cmd(["DEL", .. Enumerable.Range(0, 500).Select(i => K($"p{batch}:{i}"))]);
        Expect(Resp.Ok, "MEMORY", "PURGE");
        long after = (long)Stats()["allocator.active"]!;
        Assert.True(after < full - (20L << 20), $"committed heap {full} -> {after} after MEMORY PURGE");
    }

    [Fact]
    public void Info_memory_reports_the_collectors_pauses()
    {
        if (Node.IsRedis) return; // HyperCache's own fields
        double Field(string text, string name)
            => double.Parse(System.Text.RegularExpressions.Regex.Match(text, $@"^{name}:([\d.]+)\r?$",
                System.Text.RegularExpressions.RegexOptions.Multiline).Groups[1].Value, CultureInfo.InvariantCulture);
        string before = (string)Resp.Parse(Cmd("INFO", "memory"))!;
        Expect(Resp.Ok, "MEMORY", "PURGE"); // a full, compacting collection
        string after = (string)Resp.Parse(Cmd("INFO", "memory"))!;
        Assert.Equal(2, Field(after, "managed_gc_last_generation"));
        // One decimal each: the sum may be off by the roundings.
        Assert.True(Field(after, "managed_gc_pause_total_ms") + 0.15 >= Field(before, "managed_gc_pause_total_ms") + Field(after, "managed_gc_last_pause_ms"),
            $"{before}\n{after}");
    }

    [Fact]
    public void Redis_cli_memkeys_reports_the_biggest_keys()
    {
        Expect(Resp.Ok, "SET", K("memkeys"), new string('m', 50_000));
        var psi = new ProcessStartInfo("redis-cli", ["-p", Node.Port.ToString(CultureInfo.InvariantCulture), "--memkeys"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var cli = Process.Start(psi)!;
        string output = cli.StandardOutput.ReadToEnd();
        Assert.True(cli.WaitForExit(60_000), "redis-cli --memkeys finished");
        Assert.Equal(0, cli.ExitCode);
        Assert.Matches(@"Biggest string found '""[^']+""' has \d+ bytes", output);
        Assert.Matches(@"\d+ strings with \d+ bytes", output);
    }
}
