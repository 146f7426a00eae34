using BenchmarkDotNet.Attributes;
using HyperCache.Log;
using HyperCache.StateMachine.Events;

namespace HyperCache.Bench.Micro;

/// <summary>AppendOnlyLog.Append of one SET event (64-byte value), as Store.LogAndApply appends it, on a log in a
/// temp directory (appendfsync everysec: the background loop commits; the append itself never waits).</summary>
[MemoryDiagnoser]
public class LogAppendBenchmarks
{
    private string _dir = "";
    private AppendOnlyLog _log = null!;
    private EventBuffer _event = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "hypercache-micro-log-" + Guid.NewGuid().ToString("N"));
        _log = AppendOnlyLog.Open(new LogOptions { Directory = _dir, Durability = Durability.EverySec });
        _log.Scan(_log.BeginAddress, -1, null); // a full scan readies an empty log for appends, as recovery does
        _event = new EventBuffer();
        _event.Reset(EventKind.Set);
        _event.WriteArrayHeader(4);
        _event.Write(0);
        _event.Write(System.Text.Encoding.ASCII.GetBytes(Requests.Key));
        _event.Write(System.Text.Encoding.ASCII.GetBytes(Requests.Value));
        _event.Write(0L);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _log.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark]
    public long AppendSetEvent() => _log.Append(_event.Entry, (byte)EventKind.Set);
}
