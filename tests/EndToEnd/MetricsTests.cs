using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// /metrics on the HTTP port: real traffic, then a scrape parsed as Prometheus text format, checked against what
/// the traffic must have counted. This collection's server sees no other traffic, so deltas are exact.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricsTests : E2ETest
{
    private readonly HttpApi _api;

    public MetricsTests(NodeFixture node) : base(node) => _api = new HttpApi(node.HttpPort);

    private PrometheusText Scrape()
    {
        var reply = _api.Get("/metrics");
        reply.AssertOk();
        Assert.StartsWith("text/plain", reply.Response.Content.Headers.ContentType?.ToString());
        return PrometheusText.Parse(reply.Body);
    }

    private static (string, string) L(string label, string value) => (label, value);

    [HyperCacheFact]
    public void The_scrape_is_well_formed_prometheus_text()
    {
        Cmd("SET", K(), "v");
        Cmd("GET", K());
        _api.Get("/api/cache/" + K()).AssertOk();
        var scrape = Scrape();
        Assert.NotEmpty(scrape.Samples);
        foreach (var sample in scrape.Samples)
        {
            var family = scrape.FamilyOf(sample.Name);
            Assert.True(scrape.Types.ContainsKey(family), $"{sample.Name} has no # TYPE line");
            Assert.True(scrape.Help.ContainsKey(family), $"{family} has no # HELP line");
            if (!family.StartsWith("hypercache_", StringComparison.Ordinal)) continue;
            Assert.Matches("^hypercache_[a-z0-9_]+$", family);
            if (scrape.Types[family] == "counter") Assert.EndsWith("_total", family);
            else Assert.False(family.EndsWith("_total", StringComparison.Ordinal), $"{family} is a {scrape.Types[family]} named like a counter");
        }
        // Histogram buckets are cumulative and end in +Inf = _count.
        foreach (var group in scrape.Samples.Where(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal))
                     .GroupBy(s => s.Name + string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key))))
        {
            var buckets = group.ToList();
            for (int i = 1; i < buckets.Count; i++) Assert.True(buckets[i].Value >= buckets[i - 1].Value, $"{group.Key} not cumulative");
            Assert.Equal("+Inf", buckets[^1].Labels["le"]);
            var count = scrape.Samples.Single(s => s.Name == buckets[0].Name[..^"_bucket".Length] + "_count"
                && s.Labels.Count == buckets[0].Labels.Count - 1 && s.Labels.All(l => buckets[0].Labels.TryGetValue(l.Key, out var v) && v == l.Value));
            Assert.Equal(count.Value, buckets[^1].Value);
        }
        Assert.Equal("1e-05", scrape.Samples.First(s => s.Name == "hypercache_command_duration_seconds_bucket").Labels["le"]);
    }

    [HyperCacheFact]
    public void Commands_are_counted_by_name_and_result_and_timed()
    {
        var before = Scrape();
        for (int i = 0; i < 5; i++) Cmd("SET", K("c" + i), i.ToString());
        for (int i = 0; i < 3; i++) Cmd("GET", K("c" + i));
        Cmd("SET", K("text"), "not a number");
        Assert.StartsWith("-ERR", Cmd("INCR", K("text")));      // handler error
        Assert.StartsWith("-ERR", Cmd("GET"));                    // arity error: counted, not timed
        Assert.StartsWith("-ERR", Cmd("NOSUCHCOMMAND", "x"));     // unknown command
        _api.Put("/api/cache/" + K("http"), """{"value":"v"}""").AssertOk(); // HTTP counts as the command it performs
        _api.Get("/api/cache/" + K("http")).AssertOk();
        _api.Delete("/api/cache/" + K("http")).AssertOk();
        var after = Scrape();

        double Delta(string name, params (string, string)[] labels) => after.ValueOrZero(name, labels) - before.ValueOrZero(name, labels);
        const string total = "hypercache_commands_total", count = "hypercache_command_duration_seconds_count";
        Assert.Equal(7, Delta(total, L("command", "set"), L("result", "ok")));
        Assert.Equal(4, Delta(total, L("command", "get"), L("result", "ok")));
        Assert.Equal(1, Delta(total, L("command", "get"), L("result", "error")));
        Assert.Equal(1, Delta(total, L("command", "incr"), L("result", "error")));
        Assert.Equal(1, Delta(total, L("command", "unknown"), L("result", "error")));
        Assert.Equal(1, Delta(total, L("command", "del"), L("result", "ok")));
        // Latency is sampled: HTTP's PUT and GET are always timed; RESP times one command in eight per connection,
        // so the ten RESP commands run above (6 SET, 3 GET, 1 INCR) add one or two observations.
        double timed = Delta(count, L("command", "set")) + Delta(count, L("command", "get")) + Delta(count, L("command", "incr"));
        Assert.InRange(timed, 3, 4);
        Assert.InRange(Delta(count, L("command", "set")), 1, 7);
        Assert.InRange(Delta(count, L("command", "get")), 1, 4);
        Assert.True(Delta("hypercache_command_duration_seconds_sum", L("command", "set")) > 0);
    }

    [HyperCacheFact]
    public void Hits_misses_keys_per_db_and_clients()
    {
        Cmd("SET", K("hit"), "v");
        var before = Scrape();
        Cmd("GET", K("hit"));
        Cmd("GET", K("hit"));
        for (int i = 0; i < 3; i++) Cmd("GET", K("miss" + i));
        Cmd("SELECT", "3");
        Cmd("SET", K("db3"), "v", "EX", "1000");
        var after = Scrape();

        Assert.Equal(2, after.Value("hypercache_keyspace_hits_total") - before.Value("hypercache_keyspace_hits_total"));
        Assert.Equal(3, after.Value("hypercache_keyspace_misses_total") - before.Value("hypercache_keyspace_misses_total"));
        Assert.Equal(1, after.Value("hypercache_keys", L("db", "3")));
        Assert.Equal(1, after.Value("hypercache_expiring_keys", L("db", "3")));
        Cmd("SELECT", "0");
        long dbsize = long.Parse(Cmd("DBSIZE")[1..].Trim());
        Assert.Equal(dbsize, after.Value("hypercache_keys", L("db", "0")));
        Assert.True(after.Value("hypercache_connected_clients") >= 1);
        Assert.True(after.Value("hypercache_connections_received_total") >= 1);
        Assert.Equal(0, after.Value("hypercache_evicted_keys_total"));

        Cmd("SELECT", "3");
        Cmd("DEL", K("db3"));
        Assert.Equal(0, Scrape().Value("hypercache_keys", L("db", "3"))); // an emptied database reads 0, not stale
    }

    [HyperCacheFact]
    public void Log_addresses_commit_latency_memory_and_node_info()
    {
        var before = Scrape();
        for (int i = 0; i < 10; i++) Cmd("SET", K("log" + i), new string('x', 100));
        var after = Scrape();

        double begin = after.Value("hypercache_aof_begin_address"), committed = after.Value("hypercache_aof_committed_address"),
            tail = after.Value("hypercache_aof_tail_address");
        Assert.True(tail >= before.Value("hypercache_aof_tail_address") + 10 * 100, "the tail moved by at least the values written");
        Assert.True(begin <= committed && committed <= tail, $"begin {begin} committed {committed} tail {tail}");
        Assert.Equal(tail, committed); // appendfsync always: every acknowledged write is committed
        Assert.Equal(tail - begin, after.Value("hypercache_aof_size_bytes"));
        Assert.True(after.Value("hypercache_aof_commit_duration_seconds_count") > before.Value("hypercache_aof_commit_duration_seconds_count"));
        Assert.True(after.Value("hypercache_aof_commit_duration_seconds_sum") > 0);

        Assert.True(after.Value("hypercache_memory_used_bytes") > 0);
        Assert.Equal(0, after.Value("hypercache_memory_max_bytes"));
        Assert.True(after.Value("hypercache_uptime_seconds") > 0);
        Assert.True(after.Value("hypercache_snapshot_age_seconds") >= 0);
        Assert.Equal(1, after.Value("hypercache_node_info", L("node_id", "e2e")));
        Assert.True(after.Value("process_cpu_seconds_total") > 0);
    }

    [HyperCacheFact]
    public void Http_requests_are_measured_by_route_and_status()
    {
        _api.Get("/api/cache/" + K("absent"));
        var scrape = Scrape();
        Assert.Contains(scrape.Samples, s => s.Is("http_request_duration_seconds_count", ("endpoint", "/api/cache/{**key}"), ("code", "404")) && s.Value >= 1);
    }

    public override void Dispose()
    {
        _api.Dispose();
        base.Dispose();
    }
}
