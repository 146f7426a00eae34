using System.Globalization;
using System.Text;
using HyperCache.Frontends.Hosting;
using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>The texts of MEMORY DOCTOR and MEMORY MALLOC-STATS, in our own words: what the accounting and the GC
/// say, and what can be done about it.</summary>
public static class MemoryReport
{
    /// <summary>Below this much accounted data there is nothing worth diagnosing (the runtime alone is ~50 MB).</summary>
    private const long SmallDataset = 5L << 20;

    public static string Doctor(Node node)
    {
        var s = MemorySnapshot.Take(node.Store);
        if (s.Used < SmallDataset)
            return $"The keyspace holds {ServerInfo.Human(s.Used)} by HyperCache's accounting, too little to diagnose: RSS ({ServerInfo.Human(s.Rss)}) is mostly the .NET runtime itself. Ask again once there is data.\n";
        var findings = new List<string>();
        if (s.Peak > s.Used * 3 / 2)
            findings.Add($"* Peak above current: the keyspace once took {ServerInfo.Human(s.Peak)}, now {ServerInfo.Human(s.Used)}. The GC keeps memory it committed for the peak; MEMORY PURGE compacts the heap and gives back what it can.");
        if (s.HeapFragmented > s.HeapCommitted / 4)
            findings.Add($"* Heap fragmentation: {ServerInfo.Human(s.HeapFragmented)} of the {ServerInfo.Human(s.HeapCommitted)} the GC has committed is free space between live objects (as of the last GC). MEMORY PURGE runs a compacting collection.");
        if (s.Rss > s.Used * 2 && s.Used >= 100L << 20)
            findings.Add($"* RSS ({ServerInfo.Human(s.Rss)}) is more than twice the accounted keyspace ({ServerInfo.Human(s.Used)}): garbage not yet collected, client buffers or the log's pages. INFO memory's managed_* fields show where.");
        if (s.Settings.MaxMemory > 0 && Store.PressureAt(s.Used, s.Settings) != MemoryPressure.Normal)
            findings.Add($"* Near maxmemory: {s.Used * 100 / s.Settings.MaxMemory}% of {ServerInfo.Human(s.Settings.MaxMemory)} is used (policy {s.Settings.Policy.PolicyName()}); writes make room by eviction{(s.Settings.Policy == EvictionPolicy.NoEviction ? ", which noeviction refuses: expect OOM errors" : "")}.");
        if (findings.Count == 0)
            return $"No memory problems found: the keyspace takes {ServerInfo.Human(s.Used)} by HyperCache's accounting and the process {ServerInfo.Human(s.Rss)} RSS.\n";
        return "Memory report:\n\n" + string.Join("\n\n", findings) + "\n";
    }

    /// <summary>The .NET GC's own statistics, as the allocator's report.</summary>
    public static string AllocatorStats()
    {
        var inv = CultureInfo.InvariantCulture;
        var gc = GC.GetGCMemoryInfo();
        var text = new StringBuilder();
        text.Append("--- .NET GC statistics (as of the last collection) ---\n");
        text.Append("server_gc: ").Append(System.Runtime.GCSettings.IsServerGC ? "yes" : "no").Append('\n');
        text.Append("heap_size: ").Append(gc.HeapSizeBytes.ToString(inv)).Append('\n');
        text.Append("committed: ").Append(gc.TotalCommittedBytes.ToString(inv)).Append('\n');
        text.Append("fragmented: ").Append(gc.FragmentedBytes.ToString(inv)).Append('\n');
        text.Append("promoted: ").Append(gc.PromotedBytes.ToString(inv)).Append('\n');
        text.Append("pinned_objects: ").Append(gc.PinnedObjectsCount.ToString(inv)).Append('\n');
        text.Append("pause_time_percentage: ").Append(gc.PauseTimePercentage.ToString("F2", inv)).Append('\n');
        string[] generations = ["gen0", "gen1", "gen2", "loh", "poh"];
        for (int i = 0; i < gc.GenerationInfo.Length && i < generations.Length; i++)
        {
            var g = gc.GenerationInfo[i];
            text.Append(generations[i]).Append(": size_before=").Append(g.SizeBeforeBytes.ToString(inv))
                .Append(" size_after=").Append(g.SizeAfterBytes.ToString(inv))
                .Append(" fragmentation_after=").Append(g.FragmentationAfterBytes.ToString(inv))
                .Append(" collections=").Append(GC.CollectionCount(Math.Min(i, GC.MaxGeneration)).ToString(inv)).Append('\n');
        }
        text.Append("total_allocated: ").Append(GC.GetTotalAllocatedBytes().ToString(inv)).Append('\n');
        text.Append("heap_now: ").Append(GC.GetTotalMemory(false).ToString(inv)).Append('\n');
        text.Append("committed_now: ").Append(HeapCompactor.Committed().ToString(inv)).Append('\n');
        return text.ToString();
    }
}
