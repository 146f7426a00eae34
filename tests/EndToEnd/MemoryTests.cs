using System.Globalization;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>maxmemory and eviction on a node of its own, started with <c>--maxmemory</c> and
/// <c>--maxmemory-policy</c> as the hit-ratio bench starts it.</summary>
[Collection(CrashCollection.Name)]
public sealed class MemoryTests
{
    private const string Oom = "OOM command not allowed when used memory > 'maxmemory'.";

    private static NodeProcess Start(long maxmemory, string policy, string fsync = "everysec")
    {
        var node = new NodeProcess(appendFsync: fsync, extraArgs: ["--maxmemory", maxmemory.ToString(CultureInfo.InvariantCulture), "--maxmemory-policy", policy]);
        node.Start();
        return node;
    }

    private static Dictionary<string, string> Info(RawRespClient c, string section)
    {
        var text = (string?)Resp.Parse(c.Command("INFO", section)) ?? "";
        return text.Split("\r\n").Where(l => l.Contains(':')).Select(l => l.Split(':', 2)).ToDictionary(p => p[0], p => p[1]);
    }

    private static long Used(RawRespClient c) => long.Parse(Info(c, "memory")["used_memory"], CultureInfo.InvariantCulture);

    [HyperCacheFact]
    public void Info_memory_reports_accounting_limit_policy_and_pressure()
    {
        using var node = Start(4 << 20, "allkeys-lru");
        using var c = node.Raw();
        long empty = Used(c);
        for (int i = 0; i < 2000; i++) Assert.Equal(Resp.Ok, c.Command("SET", "k" + i, new string('v', 500)));
        var memory = Info(c, "memory");
        long used = long.Parse(memory["used_memory"], CultureInfo.InvariantCulture);
        // 2000 × (500-byte value array 528 + key array ~32 + table slot 52): at least 1.2 MB more, at most 1.6 MB.
        Assert.InRange(used - empty, 1_200_000, 1_600_000);
        Assert.Equal((4 << 20).ToString(CultureInfo.InvariantCulture), memory["maxmemory"]);
        Assert.Equal("4.00M", memory["maxmemory_human"]);
        Assert.Equal("allkeys-lru", memory["maxmemory_policy"]);
        Assert.Equal("normal", memory["hypercache_pressure"]);
        foreach (var field in new[] { "used_memory_human", "used_memory_rss", "used_memory_peak", "mem_fragmentation_ratio" })
            Assert.True(memory.ContainsKey(field), field);
        Assert.True(long.Parse(memory["used_memory_peak"], CultureInfo.InvariantCulture) >= used);
        Assert.Equal(Resp.Ok, c.Command("CONFIG", "SET", "maxmemory", (used * 100 / 88).ToString(CultureInfo.InvariantCulture)));
        Assert.Equal("warning", Info(c, "memory")["hypercache_pressure"]);
        Assert.Equal(Resp.Ok, c.Command("FLUSHALL"));
        Assert.True(Used(c) < empty + 100_000);
    }

    [HyperCacheFact]
    public void Policies_are_set_by_name_and_a_bad_one_is_refused()
    {
        using var node = Start(0, "noeviction");
        using var c = node.Raw();
        foreach (var policy in new[] { "allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu", "allkeys-random", "volatile-random", "volatile-ttl", "session", "allkeys-sieve", "allkeys-s3fifo", "noeviction" })
        {
            Assert.Equal(Resp.Ok, c.Command("CONFIG", "SET", "maxmemory-policy", policy));
            Assert.Equal(policy, Info(c, "memory")["maxmemory_policy"]);
        }
        Assert.StartsWith("-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: ",
            c.Command("CONFIG", "SET", "maxmemory-policy", "sometimes"));
    }

    [HyperCacheFact]
    public void Noeviction_refuses_growing_writes_with_redis_text_but_allows_reads_and_deletes()
    {
        using var node = Start(300_000, "noeviction");
        using var c = node.Raw();
        int written = 0;
        string reply;
        while ((reply = c.Command("SET", "k" + written, new string('v', 1000))) == Resp.Ok) written++;
        Assert.Equal(Resp.Err(Oom), reply);
        Assert.InRange(written, 100, 400);
        Assert.Equal(Resp.Err(Oom), c.Command("RPUSH", "list", "a"));
        Assert.Equal(Resp.Err(Oom), c.Command("INCR", "counter"));
        Assert.Equal(Resp.Bulk(new string('v', 1000)), c.Command("GET", "k0"));
        Assert.Equal(Resp.Int(1), c.Command("EXPIRE", "k1", "100"));
        // A write queued in MULTI while full dooms the transaction, as in Redis.
        Assert.Equal(Resp.Ok, c.Command("MULTI"));
        Assert.Equal(Resp.Err(Oom), c.Command("SET", "x", "y"));
        Assert.Equal(Resp.Err("EXECABORT Transaction discarded because of previous errors."), c.Command("EXEC"));
        // Deletes make room; then writes work again.
        Assert.Equal(Resp.Int(20), c.Command(["DEL", .. Enumerable.Range(0, 20).Select(i => "k" + i)]));
        Assert.Equal(Resp.Ok, c.Command("SET", "again", "v"));
        Assert.Equal("0", Info(c, "stats")["evicted_keys"]);
    }

    [HyperCacheFact]
    public void Xgroup_subcommands_are_refused_when_full_as_redis_flags_them_denyoom()
    {
        using var node = Start(300_000, "noeviction");
        using var c = node.Raw();
        Assert.StartsWith("$", c.Command("XADD", "s", "1-1", "f", "v"));
        Assert.Equal(Resp.Ok, c.Command("XGROUP", "CREATE", "s", "g", "0"));
        Assert.Equal(Resp.Int(1), c.Command("XGROUP", "CREATECONSUMER", "s", "g", "a"));
        int written = 0;
        while (c.Command("SET", "k" + written, new string('v', 1000)) == Resp.Ok) written++;
        // CREATE and CREATECONSUMER grow memory (denyoom); the rest may run on a full node, HELP included.
        Assert.Equal(Resp.Err(Oom), c.Command("XGROUP", "CREATE", "s", "h", "0"));
        Assert.Equal(Resp.Err(Oom), c.Command("XGROUP", "CREATECONSUMER", "s", "g", "b"));
        Assert.StartsWith("*", c.Command("XGROUP", "HELP"));
        Assert.Equal(Resp.Ok, c.Command("XGROUP", "SETID", "s", "g", "$"));
        Assert.Equal(Resp.Int(0), c.Command("XGROUP", "DELCONSUMER", "s", "g", "a"));
        Assert.Equal(Resp.Int(1), c.Command("XGROUP", "DESTROY", "s", "g"));
    }

    [HyperCacheFact]
    public void A_write_heavy_run_stays_under_the_limit_and_keeps_a_re_read_hot_set() => WriteHeavyRun("allkeys-lru");

    [HyperCacheFact]
    public void A_write_heavy_run_under_sieve_stays_under_the_limit_and_keeps_a_re_read_hot_set() => WriteHeavyRun("allkeys-sieve");

    [HyperCacheFact]
    public void A_write_heavy_run_under_s3fifo_stays_under_the_limit_and_keeps_a_re_read_hot_set() => WriteHeavyRun("allkeys-s3fifo");

    private static void WriteHeavyRun(string policy)
    {
        const long limit = 2 << 20;
        using var node = Start(limit, policy);
        using var c = node.Raw();
        long peak = 0;
        for (int i = 0; i < 20_000; i++)
        {
            Assert.Equal(Resp.Ok, c.Command("SET", "cold:" + i, new string('x', 200)));
            if (i % 100 == 0)
                for (int h = 0; h < 100; h++) c.Command("SET", "hot:" + h, "v", "GET");
            if (i % 500 == 0) peak = Math.Max(peak, Used(c));
        }
        var stats = Info(c, "stats");
        Assert.True(long.Parse(stats["evicted_keys"], CultureInfo.InvariantCulture) > 5000, "evicted_keys:" + stats["evicted_keys"]);
        Assert.Equal(Resp.Bulk(new string('x', 200)), c.Command("GET", "cold:19999"));
        Assert.Equal(Resp.Nil, c.Command("GET", "cold:0"));
        Assert.True(long.Parse(Info(c, "stats")["keyspace_hits"], CultureInfo.InvariantCulture) > 0);
        Assert.True(long.Parse(Info(c, "stats")["keyspace_misses"], CultureInfo.InvariantCulture) > 0);
        var memory = Info(c, "memory");
        long recordedPeak = long.Parse(memory["used_memory_peak"], CultureInfo.InvariantCulture);
        // Documented margin: one command's bytes plus one shard's key-table doubling; 5 % of 2 MB covers both.
        Assert.True(Math.Max(peak, recordedPeak) <= limit + limit / 20, $"peak {peak}, recorded {recordedPeak}");
        int hot = Enumerable.Range(0, 100).Count(h => c.Command("EXISTS", "hot:" + h) == Resp.Int(1));
        Assert.True(hot >= 95, $"{hot} of 100 hot keys left");

        // The same numbers on /metrics.
        using var http = new HttpClient();
        var scrape = PrometheusText.Parse(http.GetStringAsync(node.HttpBase + "/metrics").GetAwaiter().GetResult());
        Assert.Equal(limit, scrape.Value("hypercache_memory_max_bytes"));
        Assert.InRange(scrape.Value("hypercache_memory_used_bytes"), limit / 2, limit + limit / 20);
        Assert.True(scrape.Value("hypercache_evicted_keys_total") > 5000);
        Assert.InRange(scrape.Value("hypercache_memory_pressure"), 0, 3);
    }

    /// <summary>CONFIG SET maxmemory far under the data refuses no write under an evicting policy: a write evicts
    /// for at most maxmemory-eviction-tenacity's time (Redis's 500 µs by default) and runs, and the next writes
    /// and the background loop work the rest off, as Redis's eviction time proc does; nor is a write refused
    /// because memory rose again after it had made room. The limit, 15 % of the data, is under what the key
    /// tables' arrays took for 200 k keys: they shrink as eviction thins them out. (Before they did, every key was
    /// evicted and every write refused; and at 70 % redis-benchmark -c 50 -P 16 got OOM in 3 of 5 runs.)</summary>
    [HyperCacheFact]
    public void Lowering_the_limit_far_under_the_data_refuses_no_write_and_memory_comes_down()
    {
        using var node = Start(0, "noeviction");
        using var c = node.Raw();
        for (int batch = 0; batch < 200; batch++)
        {
            c.Send(string.Concat(Enumerable.Range(0, 1000).Select(i => RawRespClient.Encode("SET", $"old:{batch}:{i}", i.ToString(CultureInfo.InvariantCulture)))));
            for (int i = 0; i < 1000; i++) Assert.Equal(Resp.Ok, c.ReadReply());
        }
        long limit = Used(c) * 15 / 100;
        Assert.Equal(Resp.Ok, c.Command("CONFIG", "SET", "maxmemory", limit.ToString(CultureInfo.InvariantCulture)));
        Assert.Equal(Resp.Ok, c.Command("CONFIG", "SET", "maxmemory-policy", "allkeys-lru"));

        // As redis-benchmark -c 50 -P 16 -r 1000000 -d 100 would: new keys, bigger values.
        var refusals = new string?[50];
        var writers = Enumerable.Range(0, refusals.Length).Select(writer => Task.Factory.StartNew(() =>
        {
            using var w = node.Raw(TimeSpan.FromSeconds(30));
            var random = new Random(writer);
            for (int batch = 0; batch < 400 && refusals[writer] is null; batch++)
            {
                w.Send(string.Concat(Enumerable.Range(0, 16).Select(_ => RawRespClient.Encode("SET", "new:" + random.Next(1_000_000), new string('n', 100)))));
                for (int i = 0; i < 16; i++)
                    if (w.ReadReply() is var reply && reply != Resp.Ok) refusals[writer] ??= $"writer {writer}, batch {batch}: {reply.TrimEnd()}";
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        Assert.True(Task.WaitAll(writers, TimeSpan.FromSeconds(60)), "the writers finished");
        Assert.All(refusals, Assert.Null);
        Eventually.True(() => Used(c) <= limit, $"used_memory back under {limit}", TimeSpan.FromSeconds(20));
        Assert.True(long.Parse(Info(c, "stats")["evicted_keys"], CultureInfo.InvariantCulture) > 10_000);
        string keys = c.Command("DBSIZE");
        Assert.True(long.Parse(keys[1..^2], CultureInfo.InvariantCulture) > 1000, $"DBSIZE {keys.TrimEnd()}");

        Assert.Equal(Resp.BulkArray("maxmemory-eviction-tenacity", "10"), c.Command("CONFIG", "GET", "maxmemory-eviction-tenacity"));
        Assert.Equal(Resp.Ok, c.Command("CONFIG", "SET", "maxmemory-eviction-tenacity", "100"));
        Assert.Equal(Resp.Err("ERR CONFIG SET failed (possibly related to argument 'maxmemory-eviction-tenacity') - argument must be between 0 and 100 inclusive"),
            c.Command("CONFIG", "SET", "maxmemory-eviction-tenacity", "101"));
    }

    [HyperCacheFact]
    public void Volatile_policy_never_evicts_keys_without_ttl()
    {
        using var node = Start(1 << 20, "volatile-lru");
        using var c = node.Raw();
        for (int i = 0; i < 500; i++) Assert.Equal(Resp.Ok, c.Command("SET", "keep:" + i, new string('k', 200)));
        for (int i = 0; i < 10_000; i++) Assert.Equal(Resp.Ok, c.Command("SET", "t:" + i, new string('t', 200), "EX", "3600"));
        Assert.True(long.Parse(Info(c, "stats")["evicted_keys"], CultureInfo.InvariantCulture) > 3000);
        Assert.Equal(500, Enumerable.Range(0, 500).Count(i => c.Command("EXISTS", "keep:" + i) == Resp.Int(1)));
    }

    [HyperCacheFact]
    public void Object_freq_answers_the_lfu_counter_under_an_lfu_policy()
    {
        using var node = Start(0, "allkeys-lfu");
        using var c = node.Raw();
        Assert.Equal(Resp.Ok, c.Command("SET", "k", "hello"));
        Assert.Equal(Resp.Int(5), c.Command("OBJECT", "FREQ", "k")); // LFU_INIT_VAL
        for (int i = 0; i < 200; i++) c.Command("GET", "k");
        var freq = long.Parse(c.Command("OBJECT", "FREQ", "k")[1..^2], CultureInfo.InvariantCulture);
        Assert.InRange(freq, 6, 60);
        Assert.StartsWith("-ERR An LFU maxmemory policy is selected, idle time not tracked.", c.Command("OBJECT", "IDLETIME", "k"));
    }

    [HyperCacheFact]
    public void Evicted_keys_stay_gone_after_a_restart()
    {
        using var node = Start(1 << 20, "allkeys-random", fsync: "always");
        string digest;
        var present = new List<int>();
        using (var c = node.Raw())
        {
            for (int i = 0; i < 8000; i++) Assert.Equal(Resp.Ok, c.Command("SET", "k" + i, new string('v', 200)));
            Assert.True(long.Parse(Info(c, "stats")["evicted_keys"], CultureInfo.InvariantCulture) > 2000);
            // Let the background eviction settle (after the last write it evicts in one pass at most, then nothing
            // while no write adds bytes: evicted_keys still for ten of its 100 ms periods, a margin for a loaded machine), then one more write
            // that adds no bytes (so it cannot start another eviction): its commit (appendfsync always) covers every
            // eviction logged before it.
            long lastEvicted = -1;
            var still = System.Diagnostics.Stopwatch.StartNew();
            Eventually.True(() =>
            {
                long evicted = long.Parse(Info(c, "stats")["evicted_keys"], CultureInfo.InvariantCulture);
                if (evicted != lastEvicted) { lastEvicted = evicted; still.Restart(); }
                return still.ElapsedMilliseconds >= 1000;
            }, "background eviction settled");
            for (int i = 0; i < 8000; i++) if (c.Command("EXISTS", "k" + i) == Resp.Int(1)) present.Add(i);
            Assert.Equal(Resp.Ok, c.Command("SET", "k" + present[0], new string('v', 200)));
            digest = c.Command("DEBUG", "DIGEST");
        }
        node.Kill9();
        node.Start();
        using (var c = node.Raw())
        {
            Assert.Equal(digest, c.Command("DEBUG", "DIGEST"));
            Assert.Equal(Resp.Int(present.Count), c.Command("DBSIZE"));
            var gone = Enumerable.Range(0, 8000).Except(present).Take(200);
            Assert.All(gone, i => Assert.Equal(Resp.Int(0), c.Command("EXISTS", "k" + i)));
        }
    }
}
