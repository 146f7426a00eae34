using HyperCache.StateMachine;
using System.Globalization;
using HyperCache.Log;
using YamlDotNet.RepresentationModel;

namespace HyperCache.Frontends.Configuration;

/// <summary>
/// Builds a <see cref="NodeConfig"/> from, in rising precedence: defaults, the YAML file, command-line flags, and
/// HYPERCACHE_* environment variables (as the foundation issue asks). Each setting is named once, in
/// <see cref="Settings"/>, by its YAML path; its environment name is derived from that path.
/// </summary>
public static class ConfigLoader
{
    public sealed record Setting(string Path, Func<NodeConfig, string> Get, Action<NodeConfig, string> Set, string? RedisName = null)
    {
        public string EnvName => "HYPERCACHE_" + Path.Replace('.', '_').ToUpperInvariant();
    }

    public static readonly Setting[] Settings =
    [
        new("node.id", c => c.NodeId, (c, v) => c.NodeId = v),
        new("node.data_dir", c => c.DataDir, (c, v) => c.DataDir = v, "dir"),
        new("network.bind", c => c.Bind, (c, v) => c.Bind = v, "bind"),
        new("network.resp_bind_addr", c => c.Bind, (c, v) => c.Bind = v),
        new("network.resp_port", c => Text(c.RespPort), (c, v) => c.RespPort = Port(v), "port"),
        new("network.http_port", c => Text(c.HttpPort), (c, v) => c.HttpPort = Port(v)),
        new("network.max_clients", c => Text(c.MaxClients), (c, v) => c.MaxClients = Hosting.DescriptorBudget.Check(Positive(v)), "maxclients"),
        new("network.timeout", c => Text(c.Timeout), (c, v) => c.Timeout = NonNegative(v), "timeout"),
        new("logging.slowlog_log_slower_than", c => Text(c.SlowlogLogSlowerThan), (c, v) => c.SlowlogLogSlowerThan = long.Parse(v, CultureInfo.InvariantCulture), "slowlog-log-slower-than"),
        new("logging.latency_monitor_threshold", c => Text(c.LatencyMonitorThreshold), (c, v) => c.LatencyMonitorThreshold = NonNegativeLong(v), "latency-monitor-threshold"),
        new("logging.slowlog_max_len", c => Text(c.SlowlogMaxLen), (c, v) => c.SlowlogMaxLen = NonNegative(v), "slowlog-max-len"),
        new("persistence.enabled", c => Bool(c.AppendOnly), (c, v) => c.AppendOnly = ParseBool(v)),
        new("persistence.enable_aof", c => Bool(c.AppendOnly), (c, v) => c.AppendOnly = ParseBool(v), "appendonly"),
        new("persistence.sync_policy", c => c.AppendFsync.Name(), (c, v) => c.AppendFsync = ParseFsync(v), "appendfsync"),
        new("persistence.cut_corrupt_log", c => Bool(c.CutCorruptLog), (c, v) => c.CutCorruptLog = ParseBool(v)),
        new("persistence.snapshot_interval", c => Text(c.SnapshotInterval), (c, v) => c.SnapshotInterval = NonNegative(v)),
        new("persistence.snapshot_after_mb", c => Text(c.SnapshotAfterMb), (c, v) => c.SnapshotAfterMb = NonNegative(v)),
        new("persistence.snapshot_after_percent", c => Text(c.SnapshotAfterPercent), (c, v) => c.SnapshotAfterPercent = NonNegative(v), "auto-aof-rewrite-percentage"),
        new("persistence.log_segment_mb", c => Text(c.LogSegmentMb), (c, v) => c.LogSegmentMb = SegmentMb(v)),
        new("persistence.from_snapshot", c => c.FromSnapshot ?? "", (c, v) => c.FromSnapshot = v.Length == 0 ? null : v),
        new("cache.databases", c => Text(c.Databases), (c, v) => c.Databases = Positive(v), "databases"),
        new("cache.shards", c => Text(c.Shards), (c, v) => c.Shards = Positive(v)),
        new("cache.max_memory", c => Text(c.MaxMemory), (c, v) => c.MaxMemory = ParseBytes(v), "maxmemory"),
        new("cache.eviction_policy", c => c.MaxMemoryPolicy, (c, v) => c.MaxMemoryPolicy = Policy(v), "maxmemory-policy"),
        new("cache.maxmemory_samples", c => Text(c.MaxMemorySamples), (c, v) => c.MaxMemorySamples = Positive(v), "maxmemory-samples"),
        new("cache.maxmemory_eviction_tenacity", c => Text(c.MaxMemoryEvictionTenacity), (c, v) => c.MaxMemoryEvictionTenacity = Tenacity(v), "maxmemory-eviction-tenacity"),
        new("cache.session_idle_timeout", c => Text(c.SessionIdleTimeout), (c, v) => c.SessionIdleTimeout = Seconds(v)),
        new("cache.session_ttl", c => Text(c.SessionTtl), (c, v) => c.SessionTtl = Seconds(v)),
        new("cache.memory_warning", c => Ratio(c.MemoryWarning), (c, v) => c.MemoryWarning = ParseRatio(v)),
        new("cache.memory_critical", c => Ratio(c.MemoryCritical), (c, v) => c.MemoryCritical = ParseRatio(v)),
        new("cache.memory_panic", c => Ratio(c.MemoryPanic), (c, v) => c.MemoryPanic = ParseRatio(v)),
        new("cache.keyspace_filter", c => Bool(c.KeyspaceFilter), (c, v) => c.KeyspaceFilter = ParseBool(v)),
        new("cache.notify_keyspace_events", c => c.NotifyKeyspaceEvents, (c, v) => c.NotifyKeyspaceEvents = KeyspaceEvents(v), "notify-keyspace-events"),
        new("cache.tracking_table_max_keys", c => Text(c.TrackingTableMaxKeys), (c, v) => c.TrackingTableMaxKeys = NonNegativeLong(v), "tracking-table-max-keys"),
        new("cache.hz", c => Text(c.HzExpiry), (c, v) => c.HzExpiry = Positive(v), "hz"),
        new("scripting.busy_reply_threshold", c => Text(c.BusyReplyThreshold), (c, v) => c.BusyReplyThreshold = NonNegativeLong(v), "busy-reply-threshold"),
        new("scripting.lua_time_limit", c => Text(c.BusyReplyThreshold), (c, v) => c.BusyReplyThreshold = NonNegativeLong(v), "lua-time-limit"),
        new("limits.proto_max_bulk_len", c => Text(c.ProtoMaxBulkLen), (c, v) => c.ProtoMaxBulkLen = ParseBytes(v), "proto-max-bulk-len"),
        new("limits.client_query_buffer_limit", c => Text(c.ClientQueryBufferLimit), (c, v) => c.ClientQueryBufferLimit = ParseBytes(v), "client-query-buffer-limit"),
        new("security.requirepass", c => c.RequirePass, (c, v) => c.RequirePass = v, "requirepass"),
        new("security.aclfile", c => c.AclFile, (c, v) => c.AclFile = v.Length == 0 ? "" : Path.GetFullPath(v), "aclfile"),
        new("security.protected_mode", c => Bool(c.ProtectedMode), (c, v) => c.ProtectedMode = ParseBool(v), "protected-mode"),
        new("logging.level", c => c.LogLevel, (c, v) => { Logging.NodeLogging.ParseLevel(v); c.LogLevel = v; }, "loglevel"),
        new("logging.log_dir", c => c.LogDir, (c, v) => c.LogDir = v),
        new("logging.enable_console", c => Bool(c.LogToConsole), (c, v) => c.LogToConsole = ParseBool(v)),
        new("logging.enable_file", c => Bool(c.LogToFile), (c, v) => c.LogToFile = ParseBool(v)),
        new("logging.max_file_size", c => Text(c.LogMaxFileSize), (c, v) => c.LogMaxFileSize = ParseBytes(v)),
        new("logging.max_files", c => Text(c.LogMaxFiles), (c, v) => c.LogMaxFiles = Positive(v)),
        new("http.api_key", c => c.HttpApiKey ?? "", (c, v) => c.HttpApiKey = v.Length == 0 ? null : v),
        new("http.max_value_bytes", c => Text(c.HttpMaxValueBytes), (c, v) => c.HttpMaxValueBytes = ParseBytes(v)),
        new("http.max_body_bytes", c => Text(c.HttpMaxBodyBytes), (c, v) => c.HttpMaxBodyBytes = ParseBytes(v)),
        new("network.replication_port", c => Text(c.ReplicationPort), (c, v) => c.ReplicationPort = Port(v)),
        new("replication.replicaof", c => c.ReplicaOf ?? "", (c, v) => c.ReplicaOf = ParseReplicaOf(v), "replicaof"),
        new("replication.mode", c => c.Replication.Mode, (c, v) => c.Replication.Mode = ParseMode(v)),
        new("replication.min_acks", c => Text(c.Replication.MinAcks), (c, v) => c.Replication.MinAcks = Positive(v)),
        new("replication.sync_timeout_ms", c => Text(c.Replication.SyncTimeoutMs), (c, v) => c.Replication.SyncTimeoutMs = Positive(v)),
        new("replication.masterauth", c => c.Replication.MasterAuth, (c, v) => c.Replication.MasterAuth = v, "masterauth"),
        new("replication.masteruser", c => c.Replication.MasterUser, (c, v) => c.Replication.MasterUser = v, "masteruser"),
        new("replication.bind_source_addr", c => c.Replication.BindSourceAddr, (c, v) => c.Replication.BindSourceAddr = SourceAddress(v), "bind-source-addr"),
        new("replication.max_lag_bytes", c => Text(c.Replication.MaxLagBytes), (c, v) => c.Replication.MaxLagBytes = ParseBytes(v)),
        new("http.max_batch_items", c => Text(c.HttpMaxBatchItems), (c, v) => c.HttpMaxBatchItems = Positive(v)),
        new("network.resp_transport", c => c.RespTransport, (c, v) => c.RespTransport = Transport.RespTransport.Parse(v)),
        new("network.io_threads", c => Text(c.IoThreads), (c, v) => c.IoThreads = Positive(v)),
    ];

    /// <param name="flags">Settings given on the command line, by YAML path.</param>
    public static NodeConfig Load(string? yamlFile, IReadOnlyDictionary<string, string> flags, Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        var config = new NodeConfig();
        if (yamlFile != null)
        {
            if (!File.Exists(yamlFile)) throw new ConfigException($"config file '{yamlFile}' does not exist");
            config.ConfigFile = Path.GetFullPath(yamlFile);
            foreach (var (path, value) in ReadYaml(yamlFile)) Apply(config, path, value, $"{yamlFile}: {path}");
            config.Users = ReadList(yamlFile, "security", UsersKey);
        }
        foreach (var (path, value) in flags) Apply(config, path, value, "flag for " + path);
        foreach (var setting in Settings)
            if (env(setting.EnvName) is { } value) Apply(config, setting.Path, value, setting.EnvName);
        return config;
    }

    private static void Apply(NodeConfig config, string path, string value, string source)
    {
        var setting = Settings.FirstOrDefault(s => s.Path == path);
        if (setting is null) return; // unknown keys are ignored, as the seed did: configs may carry later sections
        try
        {
            setting.Set(config, value);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw new ConfigException($"{source}: invalid value '{value}': {e.Message}");
        }
    }

    /// <summary>The YAML key of the ACL users' list, under security.</summary>
    public const string UsersKey = "users";

    /// <summary>A list of scalars at section.key (the users); empty when absent.</summary>
    private static List<string> ReadList(string file, string section, string key)
    {
        var stream = new YamlStream();
        using (var reader = File.OpenText(file)) stream.Load(reader);
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root) return [];
        if (!root.Children.TryGetValue(new YamlScalarNode(section), out var node) || node is not YamlMappingNode mapping) return [];
        if (!mapping.Children.TryGetValue(new YamlScalarNode(key), out var list)) return [];
        if (list is YamlScalarNode { Value: null or "" }) return [];
        if (list is not YamlSequenceNode sequence) throw new ConfigException($"{file}: {section}.{key}: expected a list of users");
        return [.. sequence.Children.Select(item => item is YamlScalarNode s ? s.Value ?? "" : throw new ConfigException($"{file}: {section}.{key}: each user is one line of text"))];
    }

    /// <summary>The scalar leaves of a YAML mapping, as dotted paths.</summary>
    private static IEnumerable<(string Path, string Value)> ReadYaml(string file)
    {
        var stream = new YamlStream();
        using (var reader = File.OpenText(file)) stream.Load(reader);
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root) yield break;
        var pending = new Stack<(string Prefix, YamlMappingNode Node)>();
        pending.Push(("", root));
        while (pending.Count > 0)
        {
            var (prefix, node) = pending.Pop();
            foreach (var (k, v) in node.Children)
            {
                string path = prefix + ((YamlScalarNode)k).Value;
                if (v is YamlMappingNode child) pending.Push((path + ".", child));
                else if (v is YamlScalarNode scalar) yield return (path, scalar.Value ?? "");
            }
        }
    }

    private static string Text(long v) => v.ToString(CultureInfo.InvariantCulture);
    private static string Ratio(double v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>notify-keyspace-events, stored in Redis's canonical form (what CONFIG GET answers).</summary>
    private static string KeyspaceEvents(string v)
        => StateMachine.Notifications.KeyspaceEventFlags.TryParse(v, out var flags)
            ? StateMachine.Notifications.KeyspaceEventFlags.Format(flags)
            : throw new ArgumentException(StateMachine.Notifications.KeyspaceEventFlags.InvalidError);

    private static string Policy(string v)
        => StateMachine.EvictionPolicies.TryParse(v.Trim(), out var policy) ? policy.PolicyName() : throw new ArgumentException("argument(s) must be one of the following: " + string.Join(", ", StateMachine.EvictionPolicies.AllNames));

    /// <summary>A fraction of maxmemory: 0.85 or 85%.</summary>
    private static double ParseRatio(string v)
    {
        string s = v.Trim();
        double r = s.EndsWith('%') ? double.Parse(s[..^1], CultureInfo.InvariantCulture) / 100 : double.Parse(s, CultureInfo.InvariantCulture);
        return r is > 0 and <= 1 ? r : throw new ArgumentException("a fraction of maxmemory, 0 < r <= 1");
    }

    /// <summary>A duration as the seed writes them (90, 90s, 30m, 1h, 2d), in seconds.</summary>
    private static int Seconds(string v)
    {
        string s = v.Trim().ToLowerInvariant();
        int unit = 1;
        if (s.Length > 0 && char.IsLetter(s[^1]))
        {
            unit = s[^1] switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, _ => throw new FormatException("unit s, m, h or d") };
            s = s[..^1];
        }
        long n = long.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture) * unit;
        return n <= int.MaxValue ? (int)n : throw new ArgumentException("too long");
    }
    private static string Bool(bool v) => v ? "yes" : "no";

    public static bool ParseBool(string v) => v.Trim().ToLowerInvariant() switch
    {
        "yes" or "true" or "1" or "on" => true,
        "no" or "false" or "0" or "off" => false,
        _ => throw new FormatException("expected yes/no or true/false"),
    };

    /// <summary>"host port" (Redis's replicaof form); empty: none.</summary>
    private static string? ParseReplicaOf(string v)
    {
        var parts = v.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) return null;
        if (parts.Length != 2) throw new ArgumentException("expected 'host port'");
        return $"{parts[0]} {Port(parts[1])}";
    }

    /// <summary>An IP address, or "" for none.</summary>
    private static string SourceAddress(string v)
        => v.Length == 0 || System.Net.IPAddress.TryParse(v, out _) ? v : throw new ArgumentException("expected an IP address");

    private static string ParseMode(string v)
        => Replication.Strategies.ReplicationStrategies.IsKnown(v.Trim()) ? v.Trim().ToLowerInvariant()
            : throw new ArgumentException($"expected one of {string.Join(", ", Replication.Strategies.ReplicationStrategies.Names)}");

    private static int Port(string v)
    {
        int port = int.Parse(v, CultureInfo.InvariantCulture);
        return port is >= 0 and <= 65535 ? port : throw new ArgumentException("a port is 0..65535");
    }

    private static int Positive(string v)
    {
        int n = int.Parse(v, CultureInfo.InvariantCulture);
        return n > 0 ? n : throw new ArgumentException("must be positive");
    }

    /// <summary>Redis's bounds and wording for maxmemory-eviction-tenacity.</summary>
    private static int Tenacity(string v)
    {
        int n = int.Parse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return n is >= 0 and <= 100 ? n : throw new ArgumentException("argument must be between 0 and 100 inclusive");
    }

    private static int NonNegative(string v)
    {
        int n = int.Parse(v, CultureInfo.InvariantCulture);
        return n >= 0 ? n : throw new ArgumentException("must not be negative");
    }

    /// <summary>Redis's wording for its long long settings with a floor of 0 (CONFIG SET shows the message).</summary>
    private static long NonNegativeLong(string v)
    {
        long n = long.Parse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return n >= 0 ? n : throw new ArgumentException("argument must be between 0 and 9223372036854775807 inclusive");
    }

    private static int SegmentMb(string v)
    {
        int n = int.Parse(v, CultureInfo.InvariantCulture);
        return n >= 4 && (n & (n - 1)) == 0 ? n : throw new ArgumentException("a power of two, at least 4 (the log page is 4 MB)");
    }

    private static Durability ParseFsync(string v)
        => DurabilityNames.TryParse(v, out var d) ? d : throw new ArgumentException("expected always, everysec or no");

    /// <summary>
    /// Sizes as Redis reads them (its memtoll): 1024, 100mb, 1GB, 64k. As in Redis, k, m and g are powers of 1000 and
    /// kb, mb and gb powers of 1024, so a redis.conf line means here what it means there.
    /// </summary>
    public static long ParseBytes(string v)
    {
        string s = v.Trim().ToLowerInvariant();
        long unit = 1;
        foreach (var (suffix, size) in new[] { ("gb", 1L << 30), ("mb", 1L << 20), ("kb", 1L << 10), ("g", 1_000_000_000L), ("m", 1_000_000L), ("k", 1000L), ("b", 1L) })
        {
            if (!s.EndsWith(suffix, StringComparison.Ordinal)) continue;
            unit = size;
            s = s[..^suffix.Length];
            break;
        }
        long n = long.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
        return checked(n * unit);
    }
}

public sealed class ConfigException(string message) : Exception(message);
