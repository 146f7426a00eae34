using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>LATENCY LATEST | HISTORY | RESET | GRAPH | DOCTOR | HISTOGRAM | HELP, over the node's
/// <see cref="LatencyMonitor"/> and the per-command timings INFO commandstats already keeps.</summary>
public static class LatencyCommands
{
    private static readonly string[] Help =
    [
        "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "GRAPH <event>",
        "    Return an ASCII latency graph for the <event> class.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
        "    If no commands are specified then all histograms are replied.",
        "HELP",
        "    Prints this help.",
    ];

    public static void Register(CommandTable t)
    {
        t.Container("latency", CommandFlags.Admin,
            new Subcommand("LATEST", 2, Latest),
            new Subcommand("HISTORY", 3, History),
            new Subcommand("RESET", -2, (c, a, r) =>
            {
                var names = new List<string>();
                for (int i = 2; i < a.Count; i++) names.Add(a.Text(i));
                r.Integer(c.Node.Latency.Reset(names));
            }),
            new Subcommand("GRAPH", 3, (c, a, r) =>
            {
                string name = a.Text(2);
                var history = c.Node.Latency.History(name) ?? throw new CommandError($"ERR No samples available for event '{name}'");
                r.Verbatim(LatencyReport.Graph(name, history.Samples, history.Max, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
            }),
            new Subcommand("DOCTOR", 2, (c, a, r) => r.Verbatim(LatencyReport.Doctor(c.Node.Latency))),
            new Subcommand("HISTOGRAM", -2, Histogram),
            Subcommand.Help(Help));
    }

    /// <summary>[event, time of the latest sample, its latency, the all-time worst] per event.</summary>
    private static void Latest(RespClient c, CommandArgs a, RespWriter r)
    {
        var events = c.Node.Latency.Latest();
        r.ArrayHeader(events.Count);
        foreach (var (name, latest, max) in events)
        {
            r.ArrayHeader(4);
            r.Bulk(name);
            r.Integer(latest.UnixSeconds);
            r.Integer(latest.Ms);
            r.Integer(max);
        }
    }

    /// <summary>[time, latency] per sample, oldest first; an event with none is an empty array.</summary>
    private static void History(RespClient c, CommandArgs a, RespWriter r)
    {
        var samples = c.Node.Latency.History(a.Text(2))?.Samples ?? [];
        r.ArrayHeader(samples.Count);
        foreach (var sample in samples)
        {
            r.ArrayHeader(2);
            r.Integer(sample.UnixSeconds);
            r.Integer(sample.Ms);
        }
    }

    /// <summary>Redis 7's per-command histograms: name → {calls, histogram_usec: {µs bucket → cumulative count}},
    /// for the named commands (a container names its subcommands too) or every command that ran. Unknown names
    /// are skipped.</summary>
    private static void Histogram(RespClient c, CommandArgs a, RespWriter r)
    {
        var chosen = new List<CommandSpec>();
        if (a.Count == 2)
        {
            foreach (var spec in c.Node.Commands.All)
            {
                chosen.Add(spec);
                chosen.AddRange(spec.ListedSubcommands);
            }
        }
        else
        {
            for (int i = 2; i < a.Count; i++)
            {
                if (!c.Node.Commands.TryFindFullName(a.Text(i).ToLowerInvariant(), out var spec)) continue;
                chosen.Add(spec);
                chosen.AddRange(spec.ListedSubcommands);
            }
        }
        chosen.RemoveAll(spec => spec.Meter is not { Executed: > 0 });
        r.MapHeader(chosen.Count);
        foreach (var spec in chosen)
        {
            var meter = spec.Meter!;
            long calls = meter.Executed;
            var buckets = meter.Latency.Cumulative();
            long sampled = buckets.Count == 0 ? 0 : buckets[^1].Cumulative;
            r.Bulk(spec.Name);
            r.MapHeader(2);
            r.Bulk("calls"u8);
            r.Integer(calls);
            r.Bulk("histogram_usec"u8);
            // The buckets hold the timed sample (one command in eight); scaled to the calls, so the last is calls.
            var scaled = new List<(long Micros, long Count)>(buckets.Count);
            long previous = 0;
            foreach (var (micros, cumulative) in buckets)
            {
                long count = (long)Math.Round((double)cumulative * calls / sampled);
                if (count > previous) scaled.Add((micros, count));
                previous = Math.Max(previous, count);
            }
            r.MapHeader(scaled.Count);
            foreach (var (micros, count) in scaled)
            {
                r.Integer(micros);
                r.Integer(count);
            }
        }
    }
}
