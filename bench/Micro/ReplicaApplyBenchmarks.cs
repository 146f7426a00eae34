using System.Text;
using BenchmarkDotNet.Attributes;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Events;

namespace HyperCache.Bench.Micro;

/// <summary>
/// A replica applying what redis-benchmark's SET load ships (no log, no network): batches of 1000 SET events of
/// random keys among 100 k "key:N" with 64-byte values, through <see cref="Store.ApplyReplicated"/>. Per entry.
/// </summary>
[MemoryDiagnoser]
public class ReplicaApplyBenchmarks
{
    private const int Keys = 100_000, BatchSize = 1000, Batches = 64;
    private Store _store = null!;
    private List<ShippedEntry>[] _batches = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _store = new Store(new StoreOptions(), null);
        var random = new Random(1);
        var value = new byte[64];
        List<ShippedEntry> SetEvents(IEnumerable<int> keys) => keys.Select(i =>
        {
            var buffer = EventBuffer.Start(EventKind.Set);
            buffer.WriteArrayHeader(4);
            buffer.Write(0);
            buffer.Write(Encoding.ASCII.GetBytes("key:" + i.ToString("D12")));
            random.NextBytes(value);
            buffer.Write(value);
            buffer.Write(0);
            return new ShippedEntry((byte)EventKind.Set, buffer.Body.ToArray());
        }).ToList();
        _store.ApplyReplicated(SetEvents(Enumerable.Range(0, Keys)), null);
        _batches = new List<ShippedEntry>[Batches];
        for (int b = 0; b < Batches; b++) _batches[b] = SetEvents(Enumerable.Range(0, BatchSize).Select(_ => random.Next(Keys)));
    }

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public void ApplySetBatch() => _store.ApplyReplicated(_batches[_next++ & (Batches - 1)], null);
}
