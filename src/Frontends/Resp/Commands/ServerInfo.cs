using HyperCache.StateMachine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using HyperCache.Frontends.Configuration;
using HyperCache.Frontends.Hosting;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>The INFO text, section by section, with Redis's field names so that existing tooling reads it.</summary>
public static class ServerInfo
{
    /// <summary>The last collection's longest pause (a background one has two).</summary>
    private static TimeSpan LastPause(GCMemoryInfo gc)
    {
        var longest = TimeSpan.Zero;
        foreach (var pause in gc.PauseDurations) if (pause > longest) longest = pause;
        return longest;
    }

    private static readonly string[] DefaultSections = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "errorstats", "cluster", "keyspace"];
    /// <summary>Redis 7.0's sections in its order. As Redis: INFO and INFO default leave commandstats and latencystats
    /// out; INFO all and everything include them.</summary>
    private static readonly string[] Sections = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "commandstats", "errorstats", "latencystats", "cluster", "keyspace"];

    public static string Build(Node node, CommandArgs args)
    {
        var wanted = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 1; i < args.Count; i++) wanted.Add(args.Text(i));
        bool all = wanted.Contains("all") || wanted.Contains("everything");
        bool defaults = all || wanted.Count == 0 || wanted.Contains("default");
        var text = new StringBuilder();
        foreach (var section in Sections)
        {
            bool isDefault = Array.IndexOf(DefaultSections, section) >= 0;
            if (!(isDefault ? defaults : all) && !wanted.Contains(section)) continue;
            if (text.Length > 0) text.Append("\r\n");
            text.Append("# ").Append(section == "cpu" ? "CPU" : char.ToUpperInvariant(section[0]) + section[1..]).Append("\r\n");
            foreach (var (name, value) in Fields(node, section)) text.Append(name).Append(':').Append(value).Append("\r\n");
        }
        return text.ToString();
    }

    /// <summary>Redis 7.0's scripting fields (INFO memory): the Lua states' heaps, what the script cache and the
    /// libraries hold, cached EVAL scripts, function libraries and their functions. Libraries are the store's; counting their functions needs them compiled, so a node that has
    /// libraries (replayed or replicated) but never ran a script compiles them here.</summary>
    private static IEnumerable<(string, string)> ScriptingFields(Node node)
    {
        var inv = CultureInfo.InvariantCulture;
        var engine = node.Store.Libraries.Count > 0 ? Scripting.ScriptCommands.EngineOf(node) : Scripting.ScriptCommands.StartedEngineOf(node);
        var (libraries, functions) = engine?.Counts() ?? (0, 0);
        var memory = engine?.Memory() ?? default;
        long vm = memory.EvalVm + memory.FunctionsVm, scripts = memory.EvalCache + memory.Functions;
        yield return ("used_memory_lua", memory.EvalVm.ToString(inv)); // Redis 7.0 keeps the old name too
        yield return ("used_memory_vm_eval", memory.EvalVm.ToString(inv));
        yield return ("used_memory_lua_human", Human(memory.EvalVm));
        yield return ("used_memory_scripts_eval", memory.EvalCache.ToString(inv));
        yield return ("number_of_cached_scripts", (engine?.CachedScripts ?? 0).ToString(inv));
        yield return ("number_of_functions", functions.ToString(inv));
        yield return ("number_of_libraries", libraries.ToString(inv));
        yield return ("used_memory_vm_functions", memory.FunctionsVm.ToString(inv));
        yield return ("used_memory_vm_total", vm.ToString(inv));
        yield return ("used_memory_vm_total_human", Human(vm));
        yield return ("used_memory_functions", memory.Functions.ToString(inv));
        yield return ("used_memory_scripts", scripts.ToString(inv));
        yield return ("used_memory_scripts_human", Human(scripts));
    }

    private static IEnumerable<(string, string)> Fields(Node node, string section)
    {
        var inv = CultureInfo.InvariantCulture;
        switch (section)
        {
            case "server":
                long uptime = (long)(DateTimeOffset.UtcNow - node.StartedAt).TotalSeconds;
                yield return ("redis_version", ConnectionCommands.Version);
                yield return ("redis_mode", "standalone");
                yield return ("hypercache_version", typeof(ServerInfo).Assembly.GetName().Version?.ToString() ?? "0");
                yield return ("node_id", node.Config.NodeId);
                yield return ("os", RuntimeInformation.OSDescription);
                yield return ("arch_bits", (IntPtr.Size * 8).ToString(inv));
                yield return ("runtime", RuntimeInformation.FrameworkDescription);
                yield return ("process_id", Environment.ProcessId.ToString(inv));
                yield return ("run_id", node.RunId);
                yield return ("tcp_port", node.Config.RespPort.ToString(inv));
                yield return ("uptime_in_seconds", uptime.ToString(inv));
                yield return ("uptime_in_days", (uptime / 86400).ToString(inv));
                yield return ("hz", node.Config.HzExpiry.ToString(inv));
                yield return ("executable", Environment.ProcessPath ?? "");
                break;
            case "clients":
                yield return ("connected_clients", node.Clients.Count.ToString(inv));
                yield return ("maxclients", node.Config.MaxClients.ToString(inv));
                yield return ("blocked_clients", (node.Store.BlockedClients + node.Pause.Parked).ToString(inv)); // Redis counts paused ones
                yield return ("tracking_clients", node.Tracking.TrackingClients.ToString(inv));
                break;
            case "memory":
                // used_memory is what the keyspace costs by our own accounting (keys, values, tables), the
                // number maxmemory is compared with; RSS adds the runtime, buffers and garbage not yet collected.
                var store = node.Store;
                long used = store.UsedMemory, peak = Math.Max(used, store.PeakMemory), rss = Environment.WorkingSet;
                var settings = store.Memory;
                yield return ("used_memory", used.ToString(inv));
                yield return ("used_memory_human", Human(used));
                yield return ("used_memory_rss", rss.ToString(inv));
                yield return ("used_memory_rss_human", Human(rss));
                yield return ("used_memory_peak", peak.ToString(inv));
                yield return ("used_memory_peak_human", Human(peak));
                yield return ("used_memory_dataset", used.ToString(inv));
                yield return ("used_memory_managed_heap", GC.GetTotalMemory(false).ToString(inv));
                // Where RSS beyond used_memory goes, as of the last GC (bench/memory-per-key.sh prints these).
                var gc = GC.GetGCMemoryInfo();
                yield return ("managed_committed", gc.TotalCommittedBytes.ToString(inv));
                yield return ("managed_fragmented", gc.FragmentedBytes.ToString(inv));
                yield return ("managed_loh", gc.GenerationInfo[3].SizeAfterBytes.ToString(inv));
                yield return ("managed_poh", gc.GenerationInfo[4].SizeAfterBytes.ToString(inv));
                // The collector's pauses stop every request: the total since start and the last collection's.
                yield return ("managed_gc_pause_total_ms", GC.GetTotalPauseDuration().TotalMilliseconds.ToString("F1", inv));
                yield return ("managed_gc_last_pause_ms", LastPause(gc).TotalMilliseconds.ToString("F1", inv));
                yield return ("managed_gc_last_generation", gc.Generation.ToString(inv));
                yield return ("total_system_memory", gc.TotalAvailableMemoryBytes.ToString(inv)); // the machine's or the container's limit
                yield return ("total_system_memory_human", Human(gc.TotalAvailableMemoryBytes));
                yield return ("maxmemory", settings.MaxMemory.ToString(inv));
                yield return ("maxmemory_human", Human(settings.MaxMemory));
                yield return ("maxmemory_policy", settings.Policy.PolicyName());
                yield return ("mem_fragmentation_ratio", (used > 0 ? (double)rss / used : 0).ToString("F2", inv));
                yield return ("mem_fragmentation_bytes", (rss - used).ToString(inv));
                // used_memory counts only what eviction weighs (the keyspace): nothing else is deducted from it.
                yield return ("mem_not_counted_for_evict", "0");
                yield return ("mem_allocator", "dotnet-gc");
                yield return ("hypercache_pressure", store.Pressure.ToString().ToLowerInvariant());
                foreach (var field in ScriptingFields(node)) yield return field;
                // Redis frees big values on a background thread (UNLINK, FLUSHALL ASYNC); here the collector frees
                // what a delete drops, so nothing is ever pending or lazily freed (tools wait on these being 0).
                yield return ("lazyfree_pending_objects", "0");
                yield return ("lazyfreed_objects", "0");
                break;
            case "persistence":
                foreach (var field in PersistenceInfo.Fields(node)) yield return field;
                break;
            case "stats":
                var (hits, misses, expired) = node.Store.Counters();
                var since = node.StatsBase; // counts since CONFIG RESETSTAT
                yield return ("total_connections_received", (node.Clients.TotalConnections - since.Connections).ToString(inv));
                yield return ("total_commands_processed", (node.CommandsProcessed - since.Commands).ToString(inv));
                yield return ("instantaneous_ops_per_sec", node.Rates.OpsPerSecond.ToString(inv));
                yield return ("total_net_input_bytes", (node.Traffic.Input - since.NetInput).ToString(inv));
                yield return ("total_net_output_bytes", (node.Traffic.Output - since.NetOutput).ToString(inv));
                yield return ("instantaneous_input_kbps", node.Rates.InputKbps.ToString("F2", inv));
                yield return ("instantaneous_output_kbps", node.Rates.OutputKbps.ToString("F2", inv));
                yield return ("rejected_connections", (node.Clients.Rejected - since.RejectedConnections).ToString(inv));
                yield return ("expired_keys", (expired - since.Expired).ToString(inv));
                yield return ("evicted_keys", (node.Store.EvictedKeys - since.Evicted).ToString(inv));
                yield return ("hypercache_apply_faults", node.Store.ApplyFaults.ToString(inv));
                yield return ("keyspace_hits", (hits - since.Hits).ToString(inv));
                yield return ("keyspace_misses", (misses - since.Misses).ToString(inv));
                yield return ("pubsub_channels", node.PubSub.ChannelCount.ToString(inv));
                yield return ("pubsub_patterns", node.PubSub.PatternCount.ToString(inv));
                yield return ("pubsubshard_channels", node.PubSub.ShardChannelCount.ToString(inv));
                yield return ("migrate_cached_sockets", node.MigrateSockets.Count.ToString(inv));
                yield return ("tracking_total_keys", node.Tracking.Keys.ToString(inv));
                yield return ("tracking_total_items", node.Tracking.Items.ToString(inv));
                yield return ("tracking_total_prefixes", node.Tracking.PrefixCount.ToString(inv));
                yield return ("total_error_replies", node.Metrics.Errors.Total.ToString(inv));
                break;
            case "errorstats":
                foreach (var (code, count) in node.Metrics.Errors.ByCode()) yield return ($"errorstat_{code}", $"count={count}");
                break;
            case "cluster":
                yield return ("cluster_enabled", "0");
                break;
            case "latencystats":
                foreach (var field in LatencyStats(node)) yield return field;
                break;
            case "replication":
                foreach (var field in ReplicationInfo.Fields(node)) yield return field;
                break;
            case "cpu":
                var cpu = Process.GetCurrentProcess();
                yield return ("used_cpu_sys", cpu.PrivilegedProcessorTime.TotalSeconds.ToString("F6", inv));
                yield return ("used_cpu_user", cpu.UserProcessorTime.TotalSeconds.ToString("F6", inv));
                break;
            case "keyspace":
                foreach (var db in node.Store.KeyspaceInfo())
                    yield return ($"db{db.Db}", $"keys={db.Keys},expires={db.Expires},avg_ttl=0");
                break;
            case "commandstats":
                foreach (var (name, meter) in Meters(node).OrderBy(m => m.Name, StringComparer.Ordinal))
                {
                    long calls = meter.Executed, usec = meter.EstimatedMicroseconds;
                    if (calls == 0 && meter.RejectedCalls == 0) continue;
                    double perCall = calls == 0 ? 0 : (double)usec / calls;
                    yield return ($"cmdstat_{name}", string.Create(inv,
                        $"calls={calls},usec={usec},usec_per_call={perCall:F2},rejected_calls={meter.RejectedCalls},failed_calls={meter.FailedCalls}"));
                }
                break;
        }
    }

    /// <summary>Redis 7.0's latency percentiles per command (latency-tracking, latency-tracking-info-percentiles), from
    /// the timed sample (one command in eight), each within an eighth of its power-of-two range.</summary>
    private static IEnumerable<(string, string)> LatencyStats(Node node)
    {
        if (node.Config.RedisOnlyValue("latency-tracking") != "yes") yield break;
        var percentiles = RedisOnlySettings.Percentiles(node.Config.RedisOnlyValue("latency-tracking-info-percentiles"));
        if (percentiles.Length == 0) yield break;
        foreach (var (name, meter) in Meters(node).OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            var values = meter.Latency.Percentiles(percentiles);
            if (values.Length == 0) continue;
            yield return ($"latency_percentiles_usec_{name}", string.Join(',', percentiles.Select((p, i) =>
                "p" + p.ToString(CultureInfo.InvariantCulture) + "=" + values[i].ToString("F3", CultureInfo.InvariantCulture))));
        }
    }

    /// <summary>Every command's and subcommand's meter, by Redis's name ("get", "client|kill").</summary>
    internal static IEnumerable<(string Name, Metrics.CommandMeter Meter)> Meters(Node node)
    {
        foreach (var spec in node.Commands.All)
        {
            if (spec.Meter is { } meter) yield return (spec.Name, meter);
            if (spec.Subcommands is null) continue;
            foreach (var sub in spec.Subcommands.Values)
                if (sub.Meter is { } subMeter) yield return (sub.Name, subMeter);
        }
    }

    public static string Human(long bytes)
    {
        string[] units = ["B", "K", "M", "G", "T"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1) { value /= 1024; unit++; }
        return unit == 0 ? $"{bytes}B" : value.ToString("F2", CultureInfo.InvariantCulture) + units[unit];
    }
}
