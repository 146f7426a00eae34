using HyperCache.Frontends.Hosting;
using HyperCache.Frontends.Resp;
using Prometheus;

namespace HyperCache.Frontends.Metrics;

/// <summary>
/// The node's Prometheus metrics, in a registry of its own (served at /metrics). Command counters and latencies
/// are updated on the hot path through per-command <see cref="CommandMeter"/>s; everything the node already
/// counts elsewhere (keys, hits, memory, log addresses, clients) is read once per scrape instead.
/// Names follow Prometheus conventions: base units (seconds, bytes), <c>_total</c> for counters.
/// </summary>
public sealed class NodeMetrics
{
    // Per-command series appear on a command's first use (SuppressInitialValue): ~200 commands × 19 histogram
    // lines of zeros would otherwise make most of every scrape.

    /// <summary>From 10 µs (a cached GET) to 1 s (a huge KEYS): a RESP command is rarely slower.</summary>
    public static readonly double[] CommandBuckets =
        [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

    /// <summary>A FasterLog commit costs 1-4 ms on this kind of disk; the tail matters.</summary>
    public static readonly double[] CommitBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    private readonly Node _node;
    private readonly List<CommandMeter> _meters = []; // every meter, published before each scrape
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, CommandMeter> _otherMeters = new();
    private readonly Counter _commands;
    private readonly Histogram _commandDuration;
    private readonly Counter _hits, _misses, _expired, _evicted, _applyFaults, _connectionsReceived, _connectionsRejected;
    private readonly Gauge _keys, _expiringKeys, _memoryUsed, _memoryMax, _memoryPressure, _clients;
    private readonly Gauge _logBegin, _logCommitted, _logTail, _logSize, _logWriteFailed, _snapshotAge, _uptime;
    private readonly Histogram _commitDuration;
    private readonly bool[] _dbPublished;

    /// <param name="registry">The node's own registry; the host maps it at /metrics before recovery ends.</param>
    public NodeMetrics(Node node, CollectorRegistry registry)
    {
        _node = node;
        Registry = registry;
        DotNetStats.Register(Registry); // process_* and dotnet_* (CPU, RSS, GC)
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);

        _commands = factory.CreateCounter("hypercache_commands_total",
            "Commands executed (RESP, and HTTP cache operations under the equivalent command name), by result.",
            new CounterConfiguration { LabelNames = ["command", "result"], SuppressInitialValue = true });
        _commandDuration = factory.CreateHistogram("hypercache_command_duration_seconds",
            "Time to execute a command, from dispatch to reply built (excludes the network and the commit wait).",
            new HistogramConfiguration { LabelNames = ["command"], Buckets = CommandBuckets, SuppressInitialValue = true });
        _hits = factory.CreateCounter("hypercache_keyspace_hits_total", "Key lookups that found a live key.");
        _misses = factory.CreateCounter("hypercache_keyspace_misses_total", "Key lookups that found no live key.");
        _expired = factory.CreateCounter("hypercache_expired_keys_total", "Keys deleted because their TTL passed.");
        _evicted = factory.CreateCounter("hypercache_evicted_keys_total", "Keys evicted to stay under maxmemory.");
        _applyFaults = factory.CreateCounter("hypercache_apply_faults_total",
            "Logged events that could not be applied (a bug; the node goes on without their effects, see its log).");
        _keys = factory.CreateGauge("hypercache_keys", "Keys per database (including expired keys not yet reclaimed).", "db");
        _expiringKeys = factory.CreateGauge("hypercache_expiring_keys", "Keys with a TTL, per database.", "db");
        _memoryUsed = factory.CreateGauge("hypercache_memory_used_bytes", "Bytes the keyspace costs (keys, values, tables), INFO's used_memory, which maxmemory limits.");
        _memoryMax = factory.CreateGauge("hypercache_memory_max_bytes", "Configured maxmemory; 0 means no limit.");
        _memoryPressure = factory.CreateGauge("hypercache_memory_pressure",
            "Memory pressure against maxmemory: 0 normal, 1 warning (85%), 2 critical (90%), 3 panic (95%).");
        _clients = factory.CreateGauge("hypercache_connected_clients", "Open RESP connections.");
        _connectionsReceived = factory.CreateCounter("hypercache_connections_received_total", "RESP connections accepted.");
        _connectionsRejected = factory.CreateCounter("hypercache_rejected_connections_total", "RESP connections refused (maxclients).");
        _logBegin = factory.CreateGauge("hypercache_aof_begin_address", "First address still in the AOF (moves on truncation).");
        _logCommitted = factory.CreateGauge("hypercache_aof_committed_address", "Address up to which the AOF is durable.");
        _logTail = factory.CreateGauge("hypercache_aof_tail_address", "Address the next AOF entry will be written at.");
        _logSize = factory.CreateGauge("hypercache_aof_size_bytes", "Bytes between the AOF's begin and tail addresses.");
        _logWriteFailed = factory.CreateGauge("hypercache_aof_write_failed",
            "1 once the AOF could not be written (a full disk; INFO's aof_last_write_status:err): writes are refused until a restart.");
        _commitDuration = factory.CreateHistogram("hypercache_aof_commit_duration_seconds",
            "Time of one AOF commit (the fsync-equivalent: FasterLog writes the tail and its commit record).",
            new HistogramConfiguration { Buckets = CommitBuckets });
        _snapshotAge = factory.CreateGauge("hypercache_snapshot_age_seconds",
            "Seconds since the last snapshot, or since start when none was taken (as Redis's rdb_last_save_time).");
        _uptime = factory.CreateGauge("hypercache_uptime_seconds", "Seconds since the node started.");
        factory.CreateGauge("hypercache_node_info", "Constant 1, labelled with the node's id and version.", "node_id", "version")
            .WithLabels(node.Config.NodeId, typeof(NodeMetrics).Assembly.GetName().Version?.ToString() ?? "0").Set(1);

        foreach (var spec in node.Commands.All)
        {
            spec.Meter = MeterFor(spec.Name);
            if (spec.Subcommands is null) continue;
            foreach (var sub in spec.Subcommands.Values) sub.Meter = MeterFor(sub.Name);
        }
        Unknown = MeterFor("unknown");
        _dbPublished = new bool[node.Store.Databases];
        _keys.WithLabels("0").Set(0);
        _expiringKeys.WithLabels("0").Set(0);
        if (node.Log is { } log) log.CommitCompleted += elapsed => _commitDuration.Observe(elapsed.TotalSeconds);
        Registry.AddBeforeCollectCallback(UpdateScrapeTimeValues);
    }

    public CollectorRegistry Registry { get; }

    /// <summary>Requests naming no known command.</summary>
    public CommandMeter Unknown { get; }

    /// <summary>Error replies by code (INFO errorstats).</summary>
    public ErrorStats Errors { get; } = new();

    /// <summary>The meter of a command by name (HTTP operations count as the RESP command they perform).</summary>
    public CommandMeter Command(string name)
        => _node.Commands.TryFind(name, out var spec) && spec.Meter is { } meter ? meter : _otherMeters.GetOrAdd(name, MeterFor);

    private CommandMeter MeterFor(string name)
    {
        var meter = new CommandMeter(_commands.WithLabels(name, "ok"), _commands.WithLabels(name, "error"), _commandDuration.WithLabels(name));
        lock (_meters) _meters.Add(meter);
        return meter;
    }

    private void UpdateScrapeTimeValues()
    {
        lock (_meters) foreach (var meter in _meters) meter.Publish();
        var node = _node;
        var (hits, misses, expired) = node.Store.Counters();
        _hits.IncTo(hits);
        _misses.IncTo(misses);
        _expired.IncTo(expired);
        _evicted.IncTo(node.Store.EvictedKeys);
        _applyFaults.IncTo(node.Store.ApplyFaults);
        _memoryUsed.Set(node.Store.UsedMemory);
        _memoryMax.Set(node.Store.Memory.MaxMemory);
        _memoryPressure.Set((int)node.Store.Pressure);
        _clients.Set(node.Clients.Count);
        _connectionsReceived.IncTo(node.Clients.TotalConnections);
        _connectionsRejected.IncTo(node.Clients.Rejected);
        _uptime.Set((DateTimeOffset.UtcNow - node.StartedAt).TotalSeconds);
        _snapshotAge.Set(Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - node.Snapshots.LastSaveUnix));
        if (node.Log is { } log)
        {
            _logBegin.Set(log.BeginAddress);
            _logCommitted.Set(log.CommittedUntilAddress);
            _logTail.Set(log.TailAddress);
            _logSize.Set(log.TailAddress - log.BeginAddress);
            _logWriteFailed.Set(log.WriteError is null ? 0 : 1);
        }
        var present = new bool[_dbPublished.Length];
        foreach (var db in node.Store.KeyspaceInfo())
        {
            string label = db.Db.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _keys.WithLabels(label).Set(db.Keys);
            _expiringKeys.WithLabels(label).Set(db.Expires);
            present[db.Db] = _dbPublished[db.Db] = true;
        }
        for (int db = 0; db < present.Length; db++)
        {
            if (present[db] || !_dbPublished[db]) continue;
            string label = db.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _keys.WithLabels(label).Set(0); // emptied since the last scrape: say so rather than go stale
            _expiringKeys.WithLabels(label).Set(0);
        }
    }
}
