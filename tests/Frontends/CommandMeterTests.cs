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
        for (int i = 0; i < 100; i++) meter.Succeeded(Stopwatch.GetTimestamp()); // warm up (first-use publication, JIT)

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            long started = Stopwatch.GetTimestamp();
            if (i % 10 == 0) meter.Failed(started);
            else meter.Succeeded(started);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(100 + 9_000, meter.Ok.Value);
        Assert.Equal(1_000, meter.Error.Value);
        Assert.Equal(10_100, meter.Calls);
    }
}
