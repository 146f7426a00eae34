using System.Diagnostics;
using HyperCache.Frontends.Metrics;
using HyperCache.Frontends.Resp;

namespace HyperCache.Frontends.Tests;

public class LatencyMonitorUnitTests
{
    private static CommandSpec Spec(string name, CommandFlags flags) => new(name, 1, flags, 0, 0, 0, (c, a, r) => { });

    private static long Ticks(long ms) => ms * Stopwatch.Frequency / 1000;

    [Fact]
    public void Commands_are_split_by_their_fast_flag_and_only_over_the_threshold()
    {
        var monitor = new LatencyMonitor();
        monitor.RecordCommand(Spec("keys", CommandFlags.ReadOnly), Ticks(500)); // off: nothing
        Assert.Empty(monitor.Latest());

        monitor.ThresholdMs = 10;
        monitor.RecordCommand(Spec("get", CommandFlags.Fast | CommandFlags.ReadOnly), Ticks(12));
        monitor.RecordCommand(Spec("keys", CommandFlags.ReadOnly), Ticks(30));
        monitor.RecordCommand(Spec("keys", CommandFlags.ReadOnly), Ticks(9)); // under the threshold
        var latest = monitor.Latest().ToDictionary(e => e.Name);
        Assert.Equal([LatencyMonitor.Command, LatencyMonitor.FastCommand], latest.Keys.Order());
        Assert.Equal(12, latest[LatencyMonitor.FastCommand].Latest.Ms);
        Assert.Equal(30, latest[LatencyMonitor.Command].Max);
    }

    [Fact]
    public void One_sample_a_second_keeps_the_worst_and_the_ring_keeps_160()
    {
        var series = new LatencyMonitor.Series();
        series.Add(1000, 20);
        series.Add(1000, 50);
        series.Add(1000, 30);
        Assert.Equal(new LatencyMonitor.Sample(1000, 50), Assert.Single(series.History()));
        for (long t = 1001; t < 1001 + 200; t++) series.Add(t, t - 1000);
        var history = series.History();
        Assert.Equal(LatencyMonitor.HistoryLength, history.Count);
        Assert.Equal(1001 + 200 - LatencyMonitor.HistoryLength, history[0].UnixSeconds); // oldest first
        Assert.Equal(new LatencyMonitor.Sample(1200, 200), series.Latest);
        Assert.Equal(200, series.Max);
    }

    [Fact]
    public void Reset_drops_named_events_or_all()
    {
        var monitor = new LatencyMonitor { ThresholdMs = 1 };
        monitor.Record("a", 5);
        monitor.Record("b", 5);
        monitor.Record("c", 5);
        Assert.Equal(1, monitor.Reset(["a", "a", "nosuch"]));
        Assert.Null(monitor.History("a"));
        Assert.Equal(2, monitor.Reset([]));
        Assert.Empty(monitor.Latest());
    }

    [Fact]
    public void Histogram_buckets_are_powers_of_two_from_1024_ns_and_cumulative()
    {
        var buckets = new LatencyBuckets();
        long ns(long n) => (long)(n * (Stopwatch.Frequency / 1e9));
        buckets.Add(ns(500));      // ≤ 1024 ns: the first bucket
        buckets.Add(ns(1500));     // ≤ 2048 ns
        buckets.Add(ns(1900));
        buckets.Add(ns(60_000));   // ≤ 65536 ns
        Assert.Equal([(1L, 1L), (2L, 3L), (65L, 4L)], buckets.Cumulative());
        Assert.Equal(4, buckets.Total);
    }
}
