namespace HyperCache.Frontends.Metrics;

/// <summary>
/// INFO stats' instantaneous_ops_per_sec, instantaneous_input_kbps and instantaneous_output_kbps, as Redis computes
/// them (trackInstantaneousMetric): every 100 ms, how fast a counter moved since the previous sample; the field is
/// the mean of the last 16 samples, the last 1.6 s. Dashboards and `redis-cli --stat`-style tools read these.
/// </summary>
public sealed class InstantaneousRates : IDisposable
{
    private const int Samples = 16;
    private const int PeriodMs = 100;

    private sealed class Series(Func<long> read)
    {
        private readonly long[] _samples = new long[Samples];
        private int _index;
        private long _lastValue = read(), _lastMs = Environment.TickCount64;

        public void Sample(long nowMs)
        {
            long value = read(), elapsed = nowMs - _lastMs;
            _samples[_index] = elapsed > 0 ? (value - _lastValue) * 1000 / elapsed : 0;
            _index = (_index + 1) % Samples;
            _lastValue = value;
            _lastMs = nowMs;
        }

        public long PerSecond
        {
            get
            {
                long sum = 0;
                foreach (long sample in _samples) sum += sample; // torn reads cannot happen to a long on 64-bit
                return sum / Samples;
            }
        }

        public void Reset() => Array.Clear(_samples);
    }

    private readonly Series _commands, _input, _output;
    private readonly Timer _timer;

    public InstantaneousRates(Func<long> commands, NetworkTraffic traffic)
    {
        _commands = new Series(commands);
        _input = new Series(() => traffic.Input);
        _output = new Series(() => traffic.Output);
        _timer = new Timer(_ => Sample(), null, PeriodMs, PeriodMs);
    }

    public long OpsPerSecond => _commands.PerSecond;
    public double InputKbps => _input.PerSecond / 1024.0;
    public double OutputKbps => _output.PerSecond / 1024.0;

    private void Sample()
    {
        long now = Environment.TickCount64;
        _commands.Sample(now);
        _input.Sample(now);
        _output.Sample(now);
    }

    /// <summary>CONFIG RESETSTAT: the samples start again from zero, as Redis's.</summary>
    public void Reset()
    {
        _commands.Reset();
        _input.Reset();
        _output.Reset();
    }

    public void Dispose() => _timer.Dispose();
}
