using System.Diagnostics;

namespace HyperCache.Frontends.Resp;

/// <summary>
/// The latency monitor (LATENCY): for each named event, the last <see cref="HistoryLength"/> seconds in which it
/// took at least <see cref="ThresholdMs"/> milliseconds (one sample per second, the worst of that second) and its
/// all-time worst. Off while the threshold is 0 (Redis's default): callers test <see cref="Enabled"/> (one field
/// read) before they read a clock, so an idle monitor costs nothing per command.
/// <para>Events: <c>command</c> and <c>fast-command</c> (split by the command's fast flag, as Redis), plus
/// <c>expire-cycle</c>, <c>eviction-cycle</c> (a command making room under maxmemory, and the background
/// eviction pass) and the log commit (<c>aof-fsync-always</c> under appendfsync always,
/// <c>aof-fsync-background</c> otherwise); see docs/decisions.md.</para>
/// </summary>
public sealed class LatencyMonitor
{
    public const int HistoryLength = 160;

    public const string Command = "command", FastCommand = "fast-command", ExpireCycle = "expire-cycle",
        EvictionCycle = "eviction-cycle", AofFsyncAlways = "aof-fsync-always", AofFsyncBackground = "aof-fsync-background";

    public readonly record struct Sample(long UnixSeconds, long Ms);

    /// <summary>One event's ring of samples, oldest overwritten first.</summary>
    public sealed class Series
    {
        private readonly Sample[] _ring = new Sample[HistoryLength];
        private int _next;

        public long Max { get; private set; }

        public Sample Latest => _ring[(_next + HistoryLength - 1) % HistoryLength];

        public void Add(long unixSeconds, long ms)
        {
            Max = Math.Max(Max, ms);
            ref Sample last = ref _ring[(_next + HistoryLength - 1) % HistoryLength];
            if (last.UnixSeconds == unixSeconds) // one sample a second: keep the worst
            {
                if (ms > last.Ms) last = new Sample(unixSeconds, ms);
                return;
            }
            _ring[_next] = new Sample(unixSeconds, ms);
            _next = (_next + 1) % HistoryLength;
        }

        /// <summary>The samples held, oldest first.</summary>
        public List<Sample> History()
        {
            var samples = new List<Sample>();
            for (int i = 0; i < HistoryLength; i++)
                if (_ring[(_next + i) % HistoryLength] is { UnixSeconds: not 0 } sample) samples.Add(sample);
            return samples;
        }
    }

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Series> _events = new(StringComparer.Ordinal);
    private long _thresholdMs;

    /// <summary>CONFIG SET latency-monitor-threshold: milliseconds; 0 turns the monitor off.</summary>
    public long ThresholdMs
    {
        get => Volatile.Read(ref _thresholdMs);
        set => Volatile.Write(ref _thresholdMs, Math.Max(0, value));
    }

    public bool Enabled => Volatile.Read(ref _thresholdMs) > 0;

    /// <summary>Records the event when it took at least the threshold (whole milliseconds, rounded down, as Redis).</summary>
    public void Record(string name, long ms)
    {
        long threshold = ThresholdMs;
        if (threshold == 0 || ms < threshold) return;
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        lock (_lock)
        {
            if (!_events.TryGetValue(name, out var series)) _events[name] = series = new Series();
            series.Add(now, ms);
        }
    }

    /// <param name="elapsed">How long it took, in <see cref="Stopwatch"/> ticks.</param>
    public void RecordTicks(string name, long elapsed) => Record(name, elapsed * 1000 / Stopwatch.Frequency);

    /// <summary>After a command that ran <paramref name="elapsed"/> Stopwatch ticks: <c>command</c> or
    /// <c>fast-command</c> by its flag.</summary>
    public void RecordCommand(CommandSpec spec, long elapsed)
    {
        if (!Enabled) return;
        RecordTicks(spec.Flags.HasFlag(CommandFlags.Fast) ? FastCommand : Command, elapsed);
    }

    /// <summary>Every event with samples: name, latest sample, all-time worst.</summary>
    public List<(string Name, Sample Latest, long Max)> Latest()
    {
        lock (_lock) return [.. _events.Select(e => (e.Key, e.Value.Latest, e.Value.Max))];
    }

    /// <summary>The event's samples (oldest first) and its all-time worst; null when it has none.</summary>
    public (List<Sample> Samples, long Max)? History(string name)
    {
        lock (_lock) return _events.TryGetValue(name, out var series) ? (series.History(), series.Max) : null;
    }

    /// <summary>Forgets the named events (all of them when none is named); returns how many were dropped.</summary>
    public int Reset(IReadOnlyList<string> names)
    {
        lock (_lock)
        {
            if (names.Count == 0)
            {
                int count = _events.Count;
                _events.Clear();
                return count;
            }
            int dropped = 0;
            foreach (var name in names)
                if (_events.Remove(name)) dropped++;
            return dropped;
        }
    }
}
