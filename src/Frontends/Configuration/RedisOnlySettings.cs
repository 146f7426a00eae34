using System.Globalization;

namespace HyperCache.Frontends.Configuration;

/// <summary>
/// The rest of Redis 7.0's CONFIG parameters: the ones that tune what HyperCache does not have (RDB files on a schedule,
/// listpack sizes, lazy freeing, active defrag, Redis Cluster, TLS, ...). CONFIG GET answers each with its value here,
/// so tools that read them all (exporters, <c>CONFIG GET *</c>) see the full set; CONFIG SET treats each as
/// <see cref="Handling"/> says. Values live in the running node only (not in the YAML file or CONFIG REWRITE).
/// See docs/decisions.md, "Redis's other CONFIG parameters".
/// </summary>
public static class RedisOnlySettings
{
    public enum Handling
    {
        /// <summary>Accepted (checked as Redis checks it) and remembered; nothing here reads it.</summary>
        Ignored,
        /// <summary>Only the value HyperCache behaves as is accepted; another is refused with the reason.</summary>
        Fixed,
        /// <summary>Redis refuses it at run time too ("can't set immutable config").</summary>
        Immutable,
        /// <summary>Accepted, remembered and in force: the encoding thresholds (<see cref="EncodingSettings"/>).</summary>
        Applied,
    }

    public sealed record Parameter(string Name, string Value, Handling How, string? Reason = null, string[]? Choices = null);

    private const string NoCluster = "no Redis Cluster mode here (cluster-enabled no)";
    private const string NoTls = "no TLS here: terminate TLS in front of the node";
    private const string NoMinReplicas = "writes are not refused by replica count here; use replication.mode sync with replication.min_acks";
    private const string NoRdbSchedule = "no RDB files are written on a schedule here: the log persists every write, and snapshots follow persistence.snapshot_interval";

    private static Parameter I(string name, string value, params string[] choices) => new(name, value, Handling.Ignored, null, choices.Length > 0 ? choices : null);
    private static Parameter F(string name, string value, string reason) => new(name, value, Handling.Fixed, reason);
    private static Parameter M(string name, string value) => new(name, value, Handling.Immutable);
    private static Parameter A(string name, string value) => new(name, value, Handling.Applied);

    /// <summary>Redis 7.0.15's defaults, except where HyperCache's own behaviour is what the value says (the Fixed ones).</summary>
    public static readonly Parameter[] All =
    [
        F("replica-read-only", "yes", "a replica is always read-only here"), F("slave-read-only", "yes", "a replica is always read-only here"),
        M("cluster-enabled", "no"),
        // Persistence: the log is the AOF; snapshots are HyperCache's, not RDB files.
        F("save", "", NoRdbSchedule),
        F("stop-writes-on-bgsave-error", "no", "writes never stop for a failed snapshot here: the log, not the snapshot, persists them"),
        I("rdbcompression", "yes"), M("rdbchecksum", "yes"), I("rdb-del-sync-files", "no"), I("rdb-save-incremental-fsync", "yes"),
        M("dbfilename", "dump.rdb"), M("appendfilename", "appendonly.aof"), M("appenddirname", "appendonlydir"),
        I("aof-load-truncated", "yes"), I("aof-use-rdb-preamble", "yes"), I("aof-rewrite-incremental-fsync", "yes"),
        I("aof-timestamp-enabled", "no"), I("aof-disable-auto-gc", "no"), I("auto-aof-rewrite-min-size", "67108864"),
        I("no-appendfsync-on-rewrite", "no"),
        // The encoding thresholds of hashes, sets and sorted sets (what OBJECT ENCODING names, with the reply orders
        // that go with it, and how long small values stay packed).
        A("hash-max-listpack-entries", "512"), A("hash-max-listpack-value", "64"), A("hash-max-ziplist-entries", "512"),
        A("hash-max-ziplist-value", "64"), A("set-max-intset-entries", "512"), A("zset-max-listpack-entries", "128"),
        A("zset-max-listpack-value", "64"), A("zset-max-ziplist-entries", "128"), A("zset-max-ziplist-value", "64"),
        // Where a stream's nodes end: what "~" trimming removes (Values.StreamNodes).
        A("stream-node-max-bytes", "4096"), A("stream-node-max-entries", "100"),
        // Encodings and memory internals with no counterpart (values are .NET objects and our own tables).
        I("list-max-listpack-size", "-2"), I("list-max-ziplist-size", "-2"), I("list-compress-depth", "0"),
        I("hll-sparse-max-bytes", "3000"),
        I("activedefrag", "no"), I("active-defrag-cycle-max", "25"), I("active-defrag-cycle-min", "1"),
        I("active-defrag-ignore-bytes", "104857600"), I("active-defrag-max-scan-fields", "1000"),
        I("active-defrag-threshold-lower", "10"), I("active-defrag-threshold-upper", "100"), I("active-expire-effort", "1"),
        I("activerehashing", "yes"), I("dynamic-hz", "yes"), I("jemalloc-bg-thread", "yes"),
        I("lazyfree-lazy-eviction", "no"), I("lazyfree-lazy-expire", "no"), I("lazyfree-lazy-server-del", "no"),
        I("lazyfree-lazy-user-del", "no"), I("lazyfree-lazy-user-flush", "no"), I("lfu-decay-time", "1"), I("lfu-log-factor", "10"),
        I("maxmemory-clients", "0"), I("sanitize-dump-payload", "no", "no", "yes", "clients"),
        F("client-output-buffer-limit", "normal 1073741824 0 0 slave 0 0 0 pubsub 33554432 0 0", "the limits are fixed here: a client is disconnected past 1 GB of unread replies, a pub/sub client past 32 MB queued"),
        // Process, logging and OS: the host (Kestrel, Serilog, systemd or docker) does these.
        M("daemonize", "no"), M("supervised", "no"), M("pidfile", ""), M("logfile", ""), M("syslog-enabled", "no"),
        M("syslog-ident", "redis"), M("syslog-facility", "local0"), M("always-show-logo", "no"), M("set-proc-title", "yes"),
        I("proc-title-template", "{title} {listen-addr} {server-mode}"), I("crash-log-enabled", "yes"), I("crash-memcheck-enabled", "yes"),
        M("disable-thp", "yes"), I("oom-score-adj", "no", "no", "yes", "relative", "absolute"), I("oom-score-adj-values", "0 200 800"),
        M("server_cpulist", ""), M("bio_cpulist", ""), M("aof_rewrite_cpulist", ""), M("bgsave_cpulist", ""),
        M("io-threads", "1"), M("io-threads-do-reads", "no"), M("tcp-backlog", "511"), I("tcp-keepalive", "300"),
        M("unixsocket", ""), M("unixsocketperm", "0"), M("socket-mark-id", "0"), I("ignore-warnings", ""),
        M("enable-debug-command", "no"), M("enable-module-command", "no"), M("enable-protected-configs", "no"),
        I("shutdown-on-sigint", "default"), I("shutdown-on-sigterm", "default"), I("shutdown-timeout", "10"),
        I("latency-tracking", "yes"), I("latency-tracking-info-percentiles", "50 99 99.9"), // read by INFO latencystats
        I("acllog-max-len", "128"), F("acl-pubsub-default", "resetchannels", "new users start with resetchannels here, as Redis 7.0's default"),
        I("propagation-error-behavior", "ignore", "ignore", "panic", "panic-on-replicas"),
        // Replication: HyperCache's own (gRPC log shipping, replication.* settings).
        I("repl-backlog-size", "1048576"), I("repl-backlog-ttl", "3600"), I("repl-disable-tcp-nodelay", "no"),
        I("repl-diskless-load", "disabled", "disabled", "on-empty-db", "swapdb"), I("repl-diskless-sync", "yes"),
        I("repl-diskless-sync-delay", "5"), I("repl-diskless-sync-max-replicas", "0"), I("repl-ping-replica-period", "10"),
        I("repl-ping-slave-period", "10"), I("repl-timeout", "60"), I("replica-announce-ip", ""), I("replica-announce-port", "0"),
        I("replica-announced", "yes"), I("replica-ignore-disk-write-errors", "no"), F("replica-ignore-maxmemory", "yes", "a replica never evicts by itself here: its primary's evictions reach it as deletes"),
        I("replica-lazy-flush", "no"), I("replica-priority", "100"), I("slave-announce-ip", ""), I("slave-announce-port", "0"),
        I("slave-ignore-maxmemory", "yes"), I("slave-lazy-flush", "no"), I("slave-priority", "100"),
        F("replica-serve-stale-data", "yes", "a replica always serves what it has applied"),
        F("slave-serve-stale-data", "yes", "a replica always serves what it has applied"),
        F("min-replicas-to-write", "0", NoMinReplicas), F("min-replicas-max-lag", "10", NoMinReplicas),
        F("min-slaves-to-write", "0", NoMinReplicas), F("min-slaves-max-lag", "10", NoMinReplicas),
        // Redis Cluster and TLS: not here.
        F("cluster-allow-pubsubshard-when-down", "yes", NoCluster), F("cluster-allow-reads-when-down", "no", NoCluster),
        F("cluster-allow-replica-migration", "yes", NoCluster), F("cluster-announce-bus-port", "0", NoCluster),
        F("cluster-announce-hostname", "", NoCluster), F("cluster-announce-ip", "", NoCluster), F("cluster-announce-port", "0", NoCluster),
        F("cluster-announce-tls-port", "0", NoCluster), M("cluster-config-file", "nodes.conf"), F("cluster-link-sendbuf-limit", "0", NoCluster),
        F("cluster-migration-barrier", "1", NoCluster), F("cluster-node-timeout", "15000", NoCluster), M("cluster-port", "0"),
        F("cluster-preferred-endpoint-type", "ip", NoCluster), F("cluster-replica-no-failover", "no", NoCluster),
        F("cluster-replica-validity-factor", "10", NoCluster), F("cluster-require-full-coverage", "yes", NoCluster),
        F("cluster-slave-no-failover", "no", NoCluster), F("cluster-slave-validity-factor", "10", NoCluster),
        F("tls-port", "0", NoTls), F("tls-auth-clients", "yes", NoTls), F("tls-ca-cert-dir", "", NoTls), F("tls-ca-cert-file", "", NoTls),
        F("tls-cert-file", "", NoTls), F("tls-ciphers", "", NoTls), F("tls-ciphersuites", "", NoTls), F("tls-client-cert-file", "", NoTls),
        F("tls-client-key-file", "", NoTls), F("tls-client-key-file-pass", "", NoTls), F("tls-cluster", "no", NoTls),
        F("tls-dh-params-file", "", NoTls), F("tls-key-file", "", NoTls), F("tls-key-file-pass", "", NoTls),
        F("tls-prefer-server-ciphers", "no", NoTls), F("tls-protocols", "", NoTls), F("tls-replication", "no", NoTls),
        F("tls-session-cache-size", "20480", NoTls), F("tls-session-cache-timeout", "300", NoTls), F("tls-session-caching", "yes", NoTls),
    ];

    /// <summary>The integer parameters Redis reads with memory units (1kb, 2mb...).</summary>
    private static readonly HashSet<string> MemoryConfigs =
    [
        "auto-aof-rewrite-min-size", "hash-max-listpack-value", "hash-max-ziplist-value", "zset-max-listpack-value",
        "zset-max-ziplist-value", "stream-node-max-bytes", "hll-sparse-max-bytes", "active-defrag-ignore-bytes",
        "maxmemory-clients", "repl-backlog-size", "cluster-link-sendbuf-limit",
    ];

    private static readonly Dictionary<string, Parameter> ByName = All.ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);

    public static Parameter? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>Redis 7.0's old names of these parameters: a name and its alias are one setting (CONFIG SET of either
    /// shows in CONFIG GET of both).</summary>
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["slave-priority"] = "replica-priority", ["slave-announce-ip"] = "replica-announce-ip",
        ["slave-announce-port"] = "replica-announce-port", ["slave-ignore-maxmemory"] = "replica-ignore-maxmemory",
        ["slave-lazy-flush"] = "replica-lazy-flush", ["slave-read-only"] = "replica-read-only",
        ["slave-serve-stale-data"] = "replica-serve-stale-data", ["repl-ping-slave-period"] = "repl-ping-replica-period",
        ["min-slaves-to-write"] = "min-replicas-to-write", ["min-slaves-max-lag"] = "min-replicas-max-lag",
        ["hash-max-ziplist-entries"] = "hash-max-listpack-entries", ["hash-max-ziplist-value"] = "hash-max-listpack-value",
        ["zset-max-ziplist-entries"] = "zset-max-listpack-entries", ["zset-max-ziplist-value"] = "zset-max-listpack-value",
        ["list-max-ziplist-size"] = "list-max-listpack-size",
    };

    /// <summary>The name a remembered value is kept under: the parameter's, or the one its alias stands for.</summary>
    public static string Canonical(string name) => Aliases.GetValueOrDefault(name, name);

    /// <summary>The value CONFIG SET would store, or an exception whose message is Redis's reason (after "- ").</summary>
    public static string Check(Parameter p, string value)
    {
        if (p.How == Handling.Immutable) throw new ArgumentException("can't set immutable config");
        string normalized = Normalize(p, value);
        if (p.How == Handling.Fixed && normalized != p.Value) throw new ArgumentException("not supported by HyperCache: " + p.Reason);
        return normalized;
    }

    private static string Normalize(Parameter p, string value)
    {
        if (p.Choices is { } choices)
        {
            string choice = choices.FirstOrDefault(c => c.Equals(value, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException("argument(s) must be one of the following: " + string.Join(", ", choices));
            return choice == "relative" ? "yes" : choice; // oom-score-adj's other name for yes, shown as yes
        }
        if (p.Value is "yes" or "no")
            return value.ToLowerInvariant() is "yes" or "no" ? value.ToLowerInvariant() : throw new ArgumentException("argument must be 'yes' or 'no'");
        if (long.TryParse(p.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n))
                return MemoryConfigs.Contains(p.Name) ? MemoryValue(value) : throw new FormatException();
            // Redis's sizes (the thresholds) are unsigned: its own words for a negative one.
            if (n < 0 && p.How == Handling.Applied)
                throw new ArgumentException(MemoryConfigs.Contains(p.Name) ? "argument must be a memory value" : "argument must be between 0 and 9223372036854775807 inclusive");
            return n.ToString(CultureInfo.InvariantCulture);
        }
        if (p.Name == "save") return SaveValue(value);
        if (p.Name == "latency-tracking-info-percentiles")
            return string.Join(' ', Percentiles(value, strict: true).Select(v => v.ToString(CultureInfo.InvariantCulture)));
        return value;
    }

    /// <summary>latency-tracking-info-percentiles: numbers from 0 to 100, space separated (INFO latencystats reads it).</summary>
    public static double[] Percentiles(string value, bool strict = false)
    {
        var result = new List<double>();
        foreach (var part in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double p) && p is >= 0 and <= 100) result.Add(p);
            else if (strict) throw new ArgumentException("latency-tracking-info-percentiles: each must be a number from 0 to 100");
        }
        return [.. result];
    }

    /// <summary>Redis's memory units (1k = 1000, 1kb = 1024, ... gb), read as the node's own sizes are.</summary>
    private static string MemoryValue(string value) => ConfigLoader.ParseBytes(value).ToString(CultureInfo.InvariantCulture);

    /// <summary>save: "" or pairs of seconds and changes, as Redis reads it.</summary>
    private static string SaveValue(string value)
    {
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length % 2 != 0 || parts.Any(part => !long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            throw new ArgumentException("Invalid save parameters");
        return string.Join(' ', parts);
    }
}
