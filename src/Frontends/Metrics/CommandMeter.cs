using System.Diagnostics;
using Prometheus;

namespace HyperCache.Frontends.Metrics;

/// <summary>
/// The metric children of one command, created once and kept on its <see cref="Resp.CommandSpec"/>, so counting a
/// command is two field reads and two lock-free increments: no label lookup and no allocation per call.
/// </summary>
public sealed class CommandMeter(Counter.Child ok, Counter.Child error, Histogram.Child duration)
{
    public Counter.Child Ok { get; } = ok;
    public Counter.Child Error { get; } = error;
    public Histogram.Child Duration { get; } = duration;

    /// <param name="started">A <see cref="Stopwatch.GetTimestamp"/> taken before the command ran, or 0 for a
    /// command that is counted but not timed (the dispatcher times a sample).</param>
    public void Succeeded(long started)
    {
        Ok.Inc();
        if (started != 0) Duration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    public void Failed(long started)
    {
        Error.Inc();
        if (started != 0) Duration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>Calls so far, successful or not (for /stats).</summary>
    public long Calls => (long)(Ok.Value + Error.Value);
}
