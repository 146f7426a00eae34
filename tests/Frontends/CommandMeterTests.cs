using System.Diagnostics;
using HyperCache.Frontends.Metrics;
using Prometheus;

namespace HyperCache.Frontends.Tests;

public class CommandMeterTests
{
    [Fact]
    public void Counting_and_timing_a_command_allocates_nothing()
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(Prometheus.Metrics.NewCustomRegistry());
        var counter = factory.CreateCounter("c_total", "c", "command", "result");
        var histogram = factory.CreateHistogram("h_seconds", "h", new HistogramConfiguration { LabelNames = ["command"], Buckets = NodeMetrics.CommandBuckets });
        var meter = new CommandMeter(counter.WithLabels("get", "ok"), counter.WithLabels("get", "error"), histogram.WithLabels("get"));
        for (int i = 0; i < 100; i++) meter.Succeeded(Stopwatch.GetTimestamp()); // warm up both paths (first-use publication, JIT)
        for (int i = 0; i < 100; i++) meter.Failed(Stopwatch.GetTimestamp());

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            long started = Stopwatch.GetTimestamp();
            if (i % 10 == 0) meter.Failed(started);
            else meter.Succeeded(started);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(1_100, meter.Error.Value);
        Assert.Equal(10_200, meter.Calls);
        Assert.Equal(0, counter.WithLabels("get", "ok").Value); // published only before a scrape
        meter.Publish();
        Assert.Equal(100 + 9_000, counter.WithLabels("get", "ok").Value);
    }

    [Fact]
    public void Calls_counted_on_many_threads_add_up()
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(Prometheus.Metrics.NewCustomRegistry());
        var counter = factory.CreateCounter("c_total", "c", "command", "result");
        var histogram = factory.CreateHistogram("h_seconds", "h", "command");
        var meter = new CommandMeter(counter.WithLabels("get", "ok"), counter.WithLabels("get", "error"), histogram.WithLabels("get"));
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            for (int i = 0; i < 100_000; i++) meter.Succeeded(0);
        });
        Assert.Equal(800_000, meter.Calls);
        meter.Publish();
        meter.Publish(); // twice: it catches up, it does not add again
        Assert.Equal(800_000, counter.WithLabels("get", "ok").Value);
    }
}
