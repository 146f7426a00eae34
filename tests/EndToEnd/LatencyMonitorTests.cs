using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>The latency monitor as Redis 7.0.15: latency-monitor-threshold (off by default), events recorded when
/// a command takes at least that long, LATEST / HISTORY / RESET / GRAPH / DOCTOR / HELP, and the per-command
/// HISTOGRAM. Passes against redis-server too (DEBUG SLEEP makes a slow command on both).</summary>
[Collection(MemoryLatencyCollection.Name)]
public sealed class LatencyMonitorTests(NodeFixture node) : E2ETest(node)
{
    /// <summary>Runs <paramref name="body"/> with the monitor at <paramref name="threshold"/> ms and no samples, then
    /// turns it off again (the node is shared with the collection's other tests).</summary>
    private void With(string threshold, Action body)
    {
        Expect(Resp.Ok, "CONFIG", "SET", "latency-monitor-threshold", threshold);
        Cmd("LATENCY", "RESET");
        try
        {
            body();
        }
        finally
        {
            Cmd("CONFIG", "SET", "latency-monitor-threshold", "0");
            Cmd("LATENCY", "RESET");
        }
    }

    [Fact]
    public void The_threshold_is_off_by_default_and_checked_as_redis()
    {
        Expect(Resp.BulkArray("latency-monitor-threshold", "0"), "CONFIG", "GET", "latency-monitor-threshold");
        Expect(Resp.Err("ERR CONFIG SET failed (possibly related to argument 'latency-monitor-threshold') - argument must be between 0 and 9223372036854775807 inclusive"),
            "CONFIG", "SET", "latency-monitor-threshold", "-1");
        Expect(Resp.Err("ERR CONFIG SET failed (possibly related to argument 'latency-monitor-threshold') - argument couldn't be parsed into an integer"),
            "CONFIG", "SET", "latency-monitor-threshold", "abc");
        Cmd("DEBUG", "SLEEP", "0.02");
        Expect(Resp.Array(), "LATENCY", "LATEST"); // off: nothing recorded
        Expect(Resp.Array(), "LATENCY", "HISTORY", "command");
        Expect(Resp.Err("ERR No samples available for event 'command'"), "LATENCY", "GRAPH", "command");
        Expect(Resp.Int(0), "LATENCY", "RESET");
        Assert.StartsWith("$", Cmd("LATENCY", "DOCTOR"));
        Expect(Resp.WrongArity("latency|history"), "LATENCY", "HISTORY");
        Expect(Resp.WrongArity("latency|graph"), "LATENCY", "GRAPH");
        Expect(Resp.Err("ERR unknown subcommand 'nosuch'. Try LATENCY HELP."), "LATENCY", "nosuch");
    }

    [Fact]
    public void A_slow_command_is_recorded_as_a_command_event()
    {
        With("10", () =>
        {
            Expect(Resp.BulkArray("latency-monitor-threshold", "10"), "CONFIG", "GET", "latency-monitor-threshold");
            long before = NowS();
            Expect(Resp.Ok, "DEBUG", "SLEEP", "0.05");
            var latest = (List<object?>)Resp.Parse(Cmd("LATENCY", "LATEST"))!;
            var command = latest.Cast<List<object?>>().Single(e => (string)e[0]! == "command");
            Assert.InRange((long)command[1]!, before, NowS());
            Assert.InRange((long)command[2]!, 50, 5000);
            Assert.Equal(command[2], command[3]); // the only sample is the worst
            var history = (List<object?>)Resp.Parse(Cmd("LATENCY", "HISTORY", "command"))!;
            var sample = Assert.Single(history.Cast<List<object?>>());
            Assert.Equal(command[1], sample[0]);
            Assert.Equal(command[2], sample[1]);
            Expect(Resp.Array(), "LATENCY", "HISTORY", "no-such-event");

            var graph = (string)Resp.Parse(Cmd("LATENCY", "GRAPH", "command"))!;
            Assert.Matches(@"^command - high \d+ ms, low \d+ ms \(all time high \d+ ms\)\n-{80}\n", graph);
            using (var resp3 = Node.Raw())
            {
                resp3.Command("HELLO", "3");
                Assert.StartsWith("=", resp3.Command("LATENCY", "GRAPH", "command"));
                Assert.StartsWith("=", resp3.Command("LATENCY", "DOCTOR"));
            }
            Assert.Contains("command", (string)Resp.Parse(Cmd("LATENCY", "DOCTOR"))!);

            Expect(Resp.Int(1), "LATENCY", "RESET", "command", "no-such-event", "command");
            Expect(Resp.Array(), "LATENCY", "LATEST");
        });
    }

    [Fact]
    public void Samples_under_the_threshold_are_not_recorded()
    {
        With("1000", () =>
        {
            Expect(Resp.Ok, "DEBUG", "SLEEP", "0.02");
            Expect(Resp.Ok, "SET", K(), "v");
            Expect(Resp.Array(), "LATENCY", "LATEST");
        });
    }

    [Fact]
    public void Histogram_gives_cumulative_power_of_two_buckets_per_command()
    {
        using var c = Node.Raw();
        for (int i = 0; i < 32; i++) Assert.Equal(Resp.Ok, c.Command("SET", K(), "v"));
        c.Command("CONFIG", "GET", "maxmemory");
        var reply = (List<object?>)Resp.Parse(Cmd("LATENCY", "HISTOGRAM", "set", "no-such-command", "config"))!;
        var commands = new Dictionary<string, List<object?>>();
        for (int i = 0; i < reply.Count; i += 2) commands[(string)reply[i]!] = (List<object?>)reply[i + 1]!;
        Assert.Contains("set", commands.Keys);
        Assert.Contains("config|get", commands.Keys); // a container stands for its subcommands
        Assert.DoesNotContain("no-such-command", commands.Keys);
        var set = commands["set"];
        Assert.Equal(["calls", "histogram_usec"], new[] { set[0], set[2] });
        long calls = (long)set[1]!;
        Assert.True(calls >= 32);
        var buckets = (List<object?>)set[3]!;
        Assert.NotEmpty(buckets);
        long previous = 0;
        for (int i = 0; i < buckets.Count; i += 2)
        {
            long micros = (long)buckets[i]!, cumulative = (long)buckets[i + 1]!;
            Assert.Equal((1024L << (int)Math.Round(Math.Log2(micros * 1000.0 / 1024))) / 1000, micros); // 1, 2, 4, ... 32, 65, 131
            Assert.True(cumulative > previous, "cumulative counts grow");
            previous = cumulative;
        }
        Assert.Equal(calls, previous);

        var all = (List<object?>)Resp.Parse(Cmd("LATENCY", "HISTOGRAM"))!;
        Assert.Contains("set", all.Where((_, i) => i % 2 == 0).Cast<string>());
        Expect(Resp.Array(), "LATENCY", "HISTOGRAM", "no-such-command");
    }

    [Fact]
    public void Help_lists_the_subcommands()
    {
        var lines = (List<object?>)Resp.Parse(Cmd("LATENCY", "HELP"))!;
        Assert.Equal("LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", lines[0]);
        foreach (var sub in new[] { "DOCTOR", "GRAPH <event>", "HISTORY <event>", "LATEST", "RESET [<event> ...]", "HISTOGRAM [COMMAND ...]", "HELP" })
            Assert.Contains(sub, lines);
        Assert.Matches(new Regex("^LATENCY"), (string)lines[0]!);
    }
}
