using System.Globalization;
using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>INFO's sections as redis-server 7.0.15 has them (names, order, which are default), and latencystats'
/// percentiles per command.</summary>
[Collection(DifferentialCollection.Name)]
public sealed class InfoSectionsTests(NodeFixture node) : E2ETest(node)
{
    [RedisServerFact]
    public async Task Sections_are_redis_server_s_in_its_order()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        reference.Command("SET", "k", "v");
        foreach (var args in new[] { new[] { "INFO" }, ["INFO", "everything"], ["INFO", "cluster"], ["INFO", "modules"] })
            Assert.Equal(Headers(reference.Command(args)), Headers(Cmd(args)));
        Assert.Equal(reference.Command("INFO", "cluster"), Cmd("INFO", "cluster"));
    }

    /// <summary>Fields tools wait on or read, where Redis has them: nothing is ever freed lazily here (Redis's
    /// suite waits for lazyfree_pending_objects to be 0), and INFO stats' traffic fields.</summary>
    [RedisServerFact]
    public async Task Fields_tools_read_are_in_redis_server_s_sections()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        foreach (var (section, fields) in new[]
        {
            ("memory", new[] { "lazyfree_pending_objects", "lazyfreed_objects", "mem_not_counted_for_evict", "mem_fragmentation_bytes",
                "total_system_memory", "total_system_memory_human", "mem_allocator" }),
            ("stats", new[] { "instantaneous_ops_per_sec", "total_net_input_bytes", "total_net_output_bytes",
                "instantaneous_input_kbps", "instantaneous_output_kbps", "migrate_cached_sockets" }),
        })
        {
            var theirs = Fields(reference.Command("INFO", section));
            var ours = Fields(Cmd("INFO", section));
            foreach (var field in fields)
            {
                Assert.True(theirs.ContainsKey(field), $"redis-server's INFO {section} has {field}");
                Assert.True(ours.ContainsKey(field), $"INFO {section} has {field}");
            }
        }
        Assert.Equal("0", Fields(Cmd("INFO", "memory"))["lazyfree_pending_objects"]);
    }

    [Fact]
    public void Latencystats_gives_each_timed_command_s_percentiles_as_configured()
    {
        using var c = Node.Raw();
        for (int i = 0; i < 200; i++) c.Command("GET", K());
        var fields = Fields(c.Command("INFO", "latencystats"));
        var get = Regex.Match(fields["latency_percentiles_usec_get"], @"^p50=(\d+\.\d{3}),p99=(\d+\.\d{3}),p99\.9=(\d+\.\d{3})$");
        Assert.True(get.Success, fields["latency_percentiles_usec_get"]);
        var values = get.Groups.Values.Skip(1).Select(g => double.Parse(g.Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.True(values[0] > 0 && values[0] <= values[1] && values[1] <= values[2], string.Join(' ', values));
        try
        {
            Assert.Equal(Resp.Ok, c.Command("CONFIG", "SET", "latency-tracking-info-percentiles", "10 90"));
            Assert.Matches(@"^p10=\d+\.\d{3},p90=\d+\.\d{3}$", Fields(c.Command("INFO", "latencystats"))["latency_percentiles_usec_get"]);
            Assert.StartsWith("-ERR CONFIG SET failed", c.Command("CONFIG", "SET", "latency-tracking-info-percentiles", "50 101"));
            Assert.Equal(Resp.Ok, c.Command("CONFIG", "SET", "latency-tracking", "no"));
            Assert.Empty(Fields(c.Command("INFO", "latencystats")));
        }
        finally
        {
            c.Command("CONFIG", "SET", "latency-tracking", "yes", "latency-tracking-info-percentiles", "50 99 99.9");
        }
    }

    private static List<string> Headers(string reply) =>
        [.. ((string)Resp.Parse(reply)!).Split("\r\n").Where(line => line.StartsWith('#'))];

    private static Dictionary<string, string> Fields(string reply) =>
        ((string)Resp.Parse(reply)!).Split("\r\n").Where(l => l.Contains(':') && !l.StartsWith('#')).Select(l => l.Split(':', 2)).ToDictionary(p => p[0], p => p[1]);
}
