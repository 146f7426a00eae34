using System.Diagnostics;
using Prometheus;

namespace HyperCache.Frontends.Metrics;

/// <summary>
/// The metric children of one command, created once and kept on its <see cref="Resp.CommandSpec"/>, so counting a
/// command is a field read and one increment on the running CPU's own cache line (<see cref="StripedCounter"/>):
/// no label lookup, no allocation and no shared line per call. The Prometheus counter of successful calls is
/// brought up to that count when scraped (<see cref="Publish"/>).
/// </summary>
public sealed class CommandMeter(Counter.Child ok, Counter.Child error, Histogram.Child duration)
{
    private readonly StripedCounter _ok = new();
    private readonly Counter.Child _published = ok;
    private long _failed, _rejected; // INFO commandstats' failed_calls and rejected_calls (both rare)

    public Counter.Child Error { get; } = error;
    public Histogram.Child Duration { get; } = duration;

    /// <summary>The timed sample in power-of-two buckets (LATENCY HISTOGRAM).</summary>
    public LatencyBuckets Latency { get; } = new();

    /// <param name="started">A <see cref="Stopwatch.GetTimestamp"/> taken before the command ran, or 0 for a
    /// command that is counted but not timed (the dispatcher times a sample).</param>
    public void Succeeded(long started)
    {
        _ok.Increment();
        if (started != 0) Observe(started);
    }

    /// <summary>Before a scrape: the Prometheus counter catches up with the calls counted since.</summary>
    public void Publish() => _published.IncTo(_ok.Sum);

    public void Failed(long started)
    {
        Error.Inc();
        Interlocked.Increment(ref _failed);
        if (started != 0) Observe(started);
    }

    private void Observe(long started)
    {
        long elapsed = Stopwatch.GetTimestamp() - started;
        Duration.Observe((double)elapsed / Stopwatch.Frequency);
        Latency.Add(elapsed);
    }

    /// <summary>A blocked command served an error (its stream deleted, CLIENT UNBLOCK ... ERROR): counted as a call
    /// when it blocked, it becomes a failed one, as Redis's failed_calls counts it (calls stay the same).</summary>
    public void FailedWhenServed()
    {
        _ok.Decrement();
        Error.Inc();
        Interlocked.Increment(ref _failed);
    }

    /// <summary>Refused before it ran (arity, NOAUTH, OOM, ...): Redis's rejected_calls. The caller counts
    /// <see cref="Error"/> too.</summary>
    public void Rejected() => Interlocked.Increment(ref _rejected);

    /// <summary>Calls so far, successful or not (for /stats and Prometheus: never reset).</summary>
    public long Calls => _ok.Sum + (long)Error.Value;

    // What INFO commandstats and LATENCY HISTOGRAM count from: the counts at the last CONFIG RESETSTAT (the
    // counters themselves stay monotonic for Prometheus).
    private long _baseOk, _baseFailed, _baseRejected, _baseTimed;
    private double _baseSeconds;

    /// <summary>CONFIG RESETSTAT: commandstats and the latency histogram start again from zero.</summary>
    public void ResetStats()
    {
        _baseOk = _ok.Sum;
        _baseFailed = Interlocked.Read(ref _failed);
        _baseRejected = Interlocked.Read(ref _rejected);
        _baseTimed = Duration.Count;
        _baseSeconds = Duration.Sum;
        Latency.Reset();
    }

    /// <summary>Calls that ran since the last reset (Redis's calls: successful or failed while running, not rejected).</summary>
    public long Executed => _ok.Sum - _baseOk + FailedCalls;
    public long FailedCalls => Interlocked.Read(ref _failed) - _baseFailed;
    public long RejectedCalls => Interlocked.Read(ref _rejected) - _baseRejected;

    /// <summary>Microseconds spent running them, estimated from the timed sample (one call in eight is timed).</summary>
    public long EstimatedMicroseconds
    {
        get
        {
            long timed = Duration.Count - _baseTimed;
            return timed <= 0 ? 0 : (long)(Executed * (Duration.Sum - _baseSeconds) / timed * 1e6);
        }
    }
}
