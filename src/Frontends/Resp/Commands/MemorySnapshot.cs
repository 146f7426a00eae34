using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>The numbers MEMORY STATS and MEMORY DOCTOR read, taken once: the store's accounting (used, peak, per
/// database structures) and the runtime's (GC heap, committed bytes, RSS).</summary>
public sealed record MemorySnapshot(long Used, long Peak, List<DatabaseMemory> Databases, long HeapAllocated, long HeapCommitted,
    long HeapFragmented, long Rss, MemorySettings Settings)
{
    /// <summary>The databases' key tables and volatile lists: Redis's overhead.total (with no startup share).</summary>
    public long Overhead => Databases.Sum(d => d.TableBytes + d.VolatileBytes);

    public long Keys => Databases.Sum(d => d.Keys);

    /// <summary>Keys and values: what the accounting holds beyond the tables.</summary>
    public long Dataset => Math.Max(0, Used - Overhead);

    public static MemorySnapshot Take(Store store)
    {
        long used = store.UsedMemory;
        var gc = GC.GetGCMemoryInfo();
        long allocated = GC.GetTotalMemory(false);
        return new MemorySnapshot(used, Math.Max(used, store.PeakMemory), store.MemoryByDatabase(), allocated,
            Math.Max(allocated, gc.TotalCommittedBytes), gc.FragmentedBytes, Environment.WorkingSet, store.Memory);
    }
}
