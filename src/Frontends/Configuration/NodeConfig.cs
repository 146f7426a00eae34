using HyperCache.Log;

namespace HyperCache.Frontends.Configuration;

/// <summary>
/// A node's settings. Names follow the seed's YAML (section.key); every setting can come from the YAML file, a
/// command-line flag or a HYPERCACHE_SECTION_KEY environment variable (see <see cref="ConfigLoader"/>).
/// </summary>
public sealed class NodeConfig
{
    /// <summary>The YAML file the node was started with (full path), which CONFIG REWRITE updates; null: none.</summary>
    public string? ConfigFile { get; set; }

    public string NodeId { get; set; } = "node-1";
    public string DataDir { get; set; } = "./data/node-1";

    /// <summary>Loopback unless configured otherwise: a cache with no password must not face a network by accident.</summary>
    public string Bind { get; set; } = "127.0.0.1";
    public int RespPort { get; set; } = 8080;
    public int HttpPort { get; set; } = 9080;
    public int MaxClients { get; set; } = 10000;
    /// <summary>Seconds of idleness before a client is closed; 0 = never, Redis's default.</summary>
    public int Timeout { get; set; }
    /// <summary>SLOWLOG: microseconds from which a command is logged (negative: off; 0: every command).</summary>
    public long SlowlogLogSlowerThan { get; set; } = 10_000;
    /// <summary>LATENCY: milliseconds from which an event is recorded (0: the monitor is off, Redis's default).</summary>
    public long LatencyMonitorThreshold { get; set; }
    /// <summary>SLOWLOG entries kept.</summary>
    public int SlowlogMaxLen { get; set; } = 128;
    /// <summary>How RESP sockets are driven: "epoll" (our own epoll loops; the default on Linux x64, and elsewhere
    /// it falls back to sockets) or "sockets" (Kestrel's socket transport). See Transport/RespTransport.cs.</summary>
    public string RespTransport { get; set; } = Transport.RespTransport.Default;
    /// <summary>I/O loop threads of the epoll transport (commands run on them).</summary>
    public int IoThreads { get; set; } = DefaultIoThreads(Environment.ProcessorCount);

    /// <summary>One loop per core but one, at least one: the log's page writes and commits, snapshots, replication
    /// and the GC run on threads of their own, and a loop that shares its core with them, or two loops that take
    /// turns on one key's lock, serve fewer requests (docs/decisions.md, "Loop threads"). Redis, too, advises fewer I/O
    /// threads than cores.</summary>
    public static int DefaultIoThreads(int processors) => Math.Max(1, processors - 1);

    public bool AppendOnly { get; set; } = true;
    public Durability AppendFsync { get; set; } = Durability.EverySec;
    /// <summary>Start even when the log is damaged in the middle, keeping only the entries before the damage.</summary>
    public bool CutCorruptLog { get; set; }
    /// <summary>Seconds between scheduled snapshots (taken only if something was written); 0 = no timer.</summary>
    public int SnapshotInterval { get; set; } = 3600;
    /// <summary>Also snapshot once this many MB were logged since the last one; 0 = never for that reason.</summary>
    public int SnapshotAfterMb { get; set; } = 64;
    /// <summary>And this percentage of the last snapshot's size (Redis: auto-aof-rewrite-percentage).</summary>
    public int SnapshotAfterPercent { get; set; } = 100;
    /// <summary>FasterLog segment size in MB (a power of two, at least the 4 MB page): the unit in which a truncated
    /// log gives disk space back. Fixed for the life of a data directory.</summary>
    public int LogSegmentMb { get; set; } = 64;
    /// <summary>Start from this snapshot file instead of the data directory's own (which must hold no log yet).</summary>
    public string? FromSnapshot { get; set; }

    public int Databases { get; set; } = 16;
    public int Shards { get; set; } = StateMachine.StoreOptions.DefaultShards();
    public long MaxMemory { get; set; }
    public string MaxMemoryPolicy { get; set; } = "noeviction";
    /// <summary>Keys sampled per database per eviction (maxmemory-samples).</summary>
    public int MaxMemorySamples { get; set; } = 5;

    /// <summary>Redis parameters HyperCache has no use for, as CONFIG SET left them (<see cref="RedisOnlySettings"/>).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, string> RedisOnly { get; } = new(StringComparer.OrdinalIgnoreCase);

    public string RedisOnlyValue(RedisOnlySettings.Parameter p) => RedisOnly.TryGetValue(RedisOnlySettings.Canonical(p.Name), out var value) ? value : p.Value;

    /// <summary>A remembered Redis parameter's value by name (its default until CONFIG SET).</summary>
    public string RedisOnlyValue(string name) => RedisOnlyValue(RedisOnlySettings.Find(name)!);
    /// <summary>maxmemory-eviction-tenacity (0..100): how long a write may evict before it runs anyway.</summary>
    public int MaxMemoryEvictionTenacity { get; set; } = 10;
    /// <summary>Session policy: seconds without access after which a key is an idle session (0 = never).</summary>
    public int SessionIdleTimeout { get; set; } = 1800;
    /// <summary>Session policy: seconds after creation after which a key is an expired session (0 = never).</summary>
    public int SessionTtl { get; set; } = 86400;
    /// <summary>Pressure levels as fractions of maxmemory; the background eviction runs from the warning level.</summary>
    public double MemoryWarning { get; set; } = 0.85;
    public double MemoryCritical { get; set; } = 0.90;
    public double MemoryPanic { get; set; } = 0.95;

    public StateMachine.MemorySettings MemorySettings() => new()
    {
        MaxMemory = MaxMemory,
        Policy = StateMachine.EvictionPolicies.TryParse(MaxMemoryPolicy, out var policy) ? policy : StateMachine.EvictionPolicy.NoEviction,
        Samples = MaxMemorySamples,
        EvictionTenacity = MaxMemoryEvictionTenacity,
        SessionIdleTimeout = TimeSpan.FromSeconds(SessionIdleTimeout),
        SessionTtl = TimeSpan.FromSeconds(SessionTtl),
        WarningRatio = MemoryWarning,
        CriticalRatio = MemoryCritical,
        PanicRatio = MemoryPanic,
    };
    public int HzExpiry { get; set; } = 10;
    /// <summary>notify-keyspace-events in Redis's canonical form; "" (the default) publishes nothing.</summary>
    public string NotifyKeyspaceEvents { get; set; } = "";
    /// <summary>tracking-table-max-keys: keys CLIENT TRACKING remembers before it evicts some (0: no limit).</summary>
    public long TrackingTableMaxKeys { get; set; } = 1_000_000;
    /// <summary>Keep a Cuckoo filter of each shard's keys (see docs/decisions.md, "Cuckoo filters").</summary>
    public bool KeyspaceFilter { get; set; } = false;

    /// <summary>busy-reply-threshold (alias lua-time-limit): milliseconds a script runs before other clients get
    /// BUSY and SCRIPT KILL may stop it (Redis's default 5000).</summary>
    public long BusyReplyThreshold { get; set; } = 5000;

    public long ProtoMaxBulkLen { get; set; } = 512L * 1024 * 1024;
    public long ClientQueryBufferLimit { get; set; } = 1024L * 1024 * 1024;

    /// <summary>The default user's password (Redis's requirepass); empty: no AUTH needed.</summary>
    public string RequirePass { get; set; } = "";
    /// <summary>ACL users from the file's security.users list, each "name rule..." as ACL SETUSER takes them (CONFIG
    /// REWRITE writes them back); read once at start.</summary>
    public List<string> Users { get; set; } = [];
    /// <summary>Redis's aclfile: users are read from it at start and by ACL LOAD, written by ACL SAVE ("": none).</summary>
    public string AclFile { get; set; } = "";
    /// <summary>Refuse to start bound to a non-loopback address without a password (Redis's protected mode).</summary>
    public bool ProtectedMode { get; set; } = true;

    public string LogLevel { get; set; } = "info";
    public string LogDir { get; set; } = "logs";
    public bool LogToConsole { get; set; } = true;
    public bool LogToFile { get; set; } = true;
    /// <summary>A log file rolls over to a new one at this size; <see cref="LogMaxFiles"/> of them are kept.</summary>
    public long LogMaxFileSize { get; set; } = 100L * 1024 * 1024;
    public int LogMaxFiles { get; set; } = 10;

    /// <summary>When set, every HTTP route except /health needs <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    public string? HttpApiKey { get; set; }
    /// <summary>The largest value a PUT may store over HTTP (the seed's documented limit is 1 MB).</summary>
    public long HttpMaxValueBytes { get; set; } = 1024 * 1024;
    /// <summary>The largest HTTP request body Kestrel reads (a batch of values plus JSON escaping).</summary>
    public long HttpMaxBodyBytes { get; set; } = 16L * 1024 * 1024;
    public int HttpMaxBatchItems { get; set; } = 1000;

    /// <summary>Log shipping (gRPC, h2c); 0 = the RESP port + 10000 (or - 10000 when that is past 65535).</summary>
    public int ReplicationPort { get; set; }
    public int EffectiveReplicationPort => ReplicationPort != 0 ? ReplicationPort : RespPort + 10000 <= 65535 ? RespPort + 10000 : RespPort - 10000;
    /// <summary>"host port": start as a replica of that primary (REPLICAOF at start-up).</summary>
    public string? ReplicaOf { get; set; }
    public Replication.ReplicationOptions Replication { get; } = new();

    public string AofDirectory => Path.Combine(DataDir, "aof");
    public string SnapshotDirectory => Path.Combine(DataDir, "snapshots");
}
