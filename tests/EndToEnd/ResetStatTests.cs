using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// CONFIG RESETSTAT, on redis-server and here side by side: afterwards INFO stats' counters, errorstats and
/// commandstats count only what ran since (Redis's own introspection and latency tests reset before they
/// measure), and the commands' latency histograms start empty. Commands run by EXEC and by scripts count as
/// themselves too.
/// </summary>
[Collection(ServerSettingsCollection.Name)]
public sealed class ResetStatTests(NodeFixture node) : E2ETest(node)
{
    private static readonly string[] Fields =
    [
        "keyspace_hits", "keyspace_misses", "total_error_replies", "errorstat_ERR", "errorstat_WRONGTYPE",
        "cmdstat_set", "cmdstat_get", "cmdstat_incr", "cmdstat_lpush", "cmdstat_del", "cmdstat_expire", "cmdstat_multi",
        "cmdstat_exec", "cmdstat_eval",
    ];

    [RedisServerFact]
    public async Task Counters_start_again_from_zero()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        string key = K("counted"), list = K("list");
        foreach (var client in new Func<string[], string>[] { command => reference.Command(command), Cmd })
        {
            client(["SET", key, "v"]);
            client(["GET", key]);
            client(["INCR", key]);           // an error before the reset
            client(["CONFIG", "RESETSTAT"]);
            client(["SET", key, "v"]);
            client(["GET", key]);             // a hit
            client(["GET", K("missing")]);    // a miss
            client(["INCR", key]);            // ERR not an integer
            client(["LPUSH", key, "x"]);      // WRONGTYPE
            client(["LPUSH", list, "x"]);
            // What EXEC and scripts run counts as its own command too (Redis's "command stats for MULTI / scripts").
            client(["MULTI"]);
            client(["SET", key, "w"]);
            client(["EXPIRE", key, "100"]);
            client(["EXEC"]);
            client(["EVAL", "redis.call('set', KEYS[1], 0) redis.call('expire', KEYS[1], 100)", "1", key]);
        }
        var theirs = Info(reference.Command("INFO", "ALL"));
        var ours = Info(Cmd("INFO", "ALL"));
        foreach (var field in Fields)
        {
            theirs.TryGetValue(field, out var expected);
            ours.TryGetValue(field, out var actual);
            Assert.True(Comparable(expected) == Comparable(actual), $"{field}: redis {expected}, ours {actual}");
        }
        // The reset itself is the only config command counted since, on both.
        Assert.StartsWith("calls=1,", ours["cmdstat_config|resetstat"]);
        Assert.Equal(Comparable(theirs["cmdstat_config|resetstat"]), Comparable(ours["cmdstat_config|resetstat"]));
        // LATENCY HISTOGRAM counts since the reset too (the failed LPUSH is a call, as in Redis).
        static string Calls(string reply) => Regex.Match(reply, @"calls\r\n:(\d+)").Groups[1].Value;
        Assert.Equal("2", Calls(Cmd("LATENCY", "HISTOGRAM", "lpush")));
        Assert.Equal(Calls(reference.Command("LATENCY", "HISTOGRAM", "lpush")), Calls(Cmd("LATENCY", "HISTOGRAM", "lpush")));
        Cmd("DEL", key, list);
    }

    /// <summary>INFO's network counters count the RESP bytes read and written, as Redis's (equal byte for byte on
    /// the same exchange), from the reset on; the instantaneous rates follow a burst; migrate_cached_sockets is
    /// there. Each side is measured on a connection of its own.</summary>
    [RedisServerFact]
    public async Task Network_bytes_and_rates_follow_the_traffic()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        using var ours = Node.Raw();
        var stats = new List<Dictionary<string, string>>();
        foreach (var c in new[] { reference, ours })
        {
            c.Command("CONFIG", "RESETSTAT");
            c.Command("SET", K("net"), "value");
            c.Command("GET", K("net"));
            c.Command("GET", K("net:missing"));
            stats.Add(Info(c.Command("INFO", "stats")));
        }
        foreach (var field in new[] { "total_net_input_bytes", "total_net_output_bytes", "migrate_cached_sockets" })
            Assert.True(stats[0][field] == stats[1][field], $"{field}: redis {stats[0][field]}, ours {stats[1][field]}");
        // What was read since the reset: the three commands after it and the INFO.
        long sent = new[] { RawRespClient.Encode("SET", K("net"), "value"), RawRespClient.Encode("GET", K("net")),
            RawRespClient.Encode("GET", K("net:missing")), RawRespClient.Encode("INFO", "stats") }.Sum(command => command.Length);
        Assert.Equal(sent.ToString(), stats[1]["total_net_input_bytes"]);

        var burst = string.Concat(Enumerable.Repeat(RawRespClient.Encode("PING"), 5000));
        ours.Send(burst);
        for (int i = 0; i < 5000; i++) Assert.Equal(Resp.Simple("PONG"), ours.ReadReply());
        // Sampled every 100 ms, kept for 1.6 s: the next sample after the burst shows it.
        Eventually.True(() => Info(ours.Command("INFO", "stats")) is var rates && long.Parse(rates["instantaneous_ops_per_sec"]) > 1000
            && double.Parse(rates["instantaneous_input_kbps"], System.Globalization.CultureInfo.InvariantCulture) > 0, "the burst shows in the rates");
    }

    private static Dictionary<string, string> Info(string reply)
        => reply.Split("\r\n").Select(line => line.Split(':', 2)).Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1]);

    /// <summary>The counts of a field, without the timings (usec=, usec_per_call=) that differ by nature.</summary>
    private static string? Comparable(string? value) => value is null ? null : Regex.Replace(value, @"usec(_per_call)?=[0-9.]+,?", "");
}
