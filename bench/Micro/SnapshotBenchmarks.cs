using System.Text;
using BenchmarkDotNet.Attributes;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Snapshots;

namespace HyperCache.Bench.Micro;

/// <summary>
/// A snapshot of redis-benchmark's SET data set (100 k keys "key:N", 64-byte values) written to a temp file by an
/// offline store: capture under the shard locks, then the events written and hashed. The values are rewritten in a
/// random order after the keys are added, so they lie on the heap in another order than the key table's slots, as
/// after a live node's overwrites (a value overwritten while a snapshot runs is a new array).
/// </summary>
[MemoryDiagnoser]
public class SnapshotBenchmarks
{
    private const int Keys = 100_000;
    private Store _store = null!;
    private string _path = null!;

    [GlobalSetup]
    public void Setup()
    {
        _store = new Store(new StoreOptions(), null);
        var session = new Session();
        var names = new byte[Keys][];
        for (int i = 0; i < Keys; i++)
        {
            names[i] = Encoding.ASCII.GetBytes("key:" + i.ToString("D12"));
            _store.Set(session, names[i], new byte[63], SetCondition.Always, 0, false, out _);
        }
        var random = new Random(1);
        var value = new byte[64];
        foreach (int i in Enumerable.Range(0, Keys).OrderBy(_ => random.Next()))
        {
            random.NextBytes(value);
            _store.Set(session, names[i], value, SetCondition.Always, 0, false, out _); // new length: a new array
        }
        _path = Path.Combine(Path.GetTempPath(), $"hc-snapshot-bench-{Environment.ProcessId}.hcs");
    }

    [GlobalCleanup]
    public void Cleanup() => File.Delete(_path);

    [Benchmark]
    public long Snapshot100kKeys() => SnapshotWriter.Write(_store, _path, "bench", null).ContentLength;
}
