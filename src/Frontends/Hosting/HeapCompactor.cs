using System.Runtime;

namespace HyperCache.Frontends.Hosting;

/// <summary>One full, blocking, compacting GC of every generation (the large object heap included) that decommits
/// what it frees: what the idle compaction runs, and what MEMORY PURGE runs on demand.</summary>
public static class HeapCompactor
{
    public static long Committed() => GC.GetGCMemoryInfo().TotalCommittedBytes;

    /// <summary>Compacts; returns the committed bytes after it.</summary>
    public static long Compact()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return Committed();
    }
}
