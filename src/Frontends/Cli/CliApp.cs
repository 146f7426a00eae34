using System.CommandLine;
using HyperCache.Frontends.Configuration;
using HyperCache.Frontends.Hosting;

namespace HyperCache.Frontends.Cli;

/// <summary>The <c>hypercache</c> command line: <c>serve</c> runs a node; <c>replay</c>, <c>log inspect|verify</c> and
/// <c>snapshot inspect|create</c> work offline on a data directory.</summary>
public static class CliApp
{
    public static Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("HyperCache: a Redis-compatible cache whose every write is an entry in a FasterLog AOF.");
        root.Subcommands.Add(ServeCommand());
        root.Subcommands.Add(ReplayCommand.Build());
        root.Subcommands.Add(LogCommands.Build());
        root.Subcommands.Add(SnapshotCommands.Build());
        return root.Parse(args).InvokeAsync();
    }

    private static Command ServeCommand()
    {
        var config = new Option<string?>("--config") { Description = "YAML configuration file (the seed's node*-config.yaml keys)" };
        // Each flag overrides one YAML setting, named by its path.
        var flags = new (Option<string?> Option, string Path)[]
        {
            (new Option<string?>("--bind") { Description = "Address(es) to listen on (default 127.0.0.1)" }, "network.bind"),
            (new Option<string?>("--resp-port") { Description = "RESP port (default 8080)" }, "network.resp_port"),
            (new Option<string?>("--http-port") { Description = "HTTP port (default 9080)" }, "network.http_port"),
            (new Option<string?>("--data-dir") { Description = "Data directory; the AOF lives in DIR/aof" }, "node.data_dir"),
            (new Option<string?>("--appendfsync") { Description = "always | everysec | no (default everysec)" }, "persistence.sync_policy"),
            (new Option<string?>("--node-id") { Description = "This node's id" }, "node.id"),
            (new Option<string?>("--resp-transport") { Description = "epoll | sockets: how RESP sockets are driven (default epoll on Linux x64, else sockets)" }, "network.resp_transport"),
            (new Option<string?>("--io-threads") { Description = "I/O loop threads of the epoll transport (default: processor count - 1, at least 1)" }, "network.io_threads"),
            (new Option<string?>("--maxclients") { Description = "Most simultaneous RESP clients (default 10000)" }, "network.max_clients"),
            (new Option<string?>("--log-dir") { Description = "Directory of the JSON log file <node-id>.log (default logs)" }, "logging.log_dir"),
            (new Option<string?>("--http-api-key") { Description = "Bearer key every HTTP route but /health requires (or HYPERCACHE_HTTP_API_KEY)" }, "http.api_key"),
            (new Option<string?>("--snapshot-interval") { Description = "Seconds between scheduled snapshots if anything changed (default 3600; 0 = off)" }, "persistence.snapshot_interval"),
            (new Option<string?>("--snapshot-after-mb") { Description = "Snapshot (and compact the log) after this many MB of log (default 64; 0 = off)" }, "persistence.snapshot_after_mb"),
            (new Option<string?>("--snapshot-after-percent") { Description = "... and after the log grew this % of the last snapshot's size (default 100; 0 = only the MB rule)" }, "persistence.snapshot_after_percent"),
            (new Option<string?>("--log-segment-mb") { Description = "AOF segment size in MB for a new data directory (power of two, >= 4; default 64)" }, "persistence.log_segment_mb"),
            (new Option<string?>("--from-snapshot") { Description = "Start a new (empty) data directory from this snapshot file" }, "persistence.from_snapshot"),
            (new Option<string?>("--busy-reply-threshold") { Description = "Milliseconds a Lua script runs before other clients get BUSY and SCRIPT KILL may stop it (default 5000; alias lua-time-limit)" }, "scripting.busy_reply_threshold"),
            (new Option<string?>("--requirepass") { Description = "Password clients must give with AUTH (default: none)" }, "security.requirepass"),
            (new Option<string?>("--aclfile") { Description = "ACL users file (Redis's format: user name rule...), read at start and by ACL LOAD, written by ACL SAVE" }, "security.aclfile"),
            (new Option<string?>("--replicaof") { Description = "\"host port\": start as a replica of that primary" }, "replication.replicaof"),
            (new Option<string?>("--replication-port") { Description = "Log-shipping (gRPC) port (default RESP port + 10000)" }, "network.replication_port"),
            (new Option<string?>("--masterauth") { Description = "As a replica: the primary's requirepass (default: none)" }, "replication.masterauth"),
            (new Option<string?>("--masteruser") { Description = "As a replica: the primary's ACL user to authenticate as with masterauth (default: the default user)" }, "replication.masteruser"),
            (new Option<string?>("--bind-source-addr") { Description = "As a replica: source address of the connections to the primary (default: the OS chooses)" }, "replication.bind_source_addr"),
            (new Option<string?>("--replication-mode") { Description = "none | async | sync (default async)" }, "replication.mode"),
            (new Option<string?>("--min-acks") { Description = "sync mode: replicas that must hold a write before the reply (default 1)" }, "replication.min_acks"),
            (new Option<string?>("--sync-timeout-ms") { Description = "sync mode: how long a write waits for min-acks (default 1000)" }, "replication.sync_timeout_ms"),
            (new Option<string?>("--max-lag-bytes") { Description = "A replica further behind stops holding back log truncation (default 256mb)" }, "replication.max_lag_bytes"),
            (new Option<string?>("--maxmemory") { Description = "Memory limit for keys and values, e.g. 100mb (default 0 = none)" }, "cache.max_memory"),
            (new Option<string?>("--maxmemory-policy") { Description = "noeviction | allkeys-lru | volatile-lru | allkeys-lfu | volatile-lfu | allkeys-random | volatile-random | volatile-ttl | session | allkeys-sieve | allkeys-s3fifo" }, "cache.eviction_policy"),
            (new Option<string?>("--notify-keyspace-events") { Description = "Keyspace notification classes, as Redis's notify-keyspace-events, e.g. KEA or Ex (default \"\" = off)" }, "cache.notify_keyspace_events"),
            (new Option<string?>("--protected-mode") { Description = "yes | no: refuse to bind a non-loopback address without a password (default yes)" }, "security.protected_mode"),
        };
        var cut = new Option<bool>("--cut-corrupt-log")
        {
            Description = "Start even if the AOF is damaged in the middle, keeping only the entries before the damage (the damaged log is kept aside)",
        };
        var serve = new Command("serve", "Run a node");
        serve.Options.Add(config);
        foreach (var (option, _) in flags) serve.Options.Add(option);
        serve.Options.Add(cut);
        serve.SetAction(async (parse, ct) =>
        {
            var given = new Dictionary<string, string>();
            foreach (var (option, path) in flags)
                if (parse.GetValue(option) is { } value) given[path] = value;
            if (parse.GetValue(cut)) given["persistence.cut_corrupt_log"] = "yes";
            NodeConfig nodeConfig;
            try
            {
                nodeConfig = ConfigLoader.Load(parse.GetValue(config), given);
            }
            catch (ConfigException e)
            {
                Console.Error.WriteLine("Configuration error: " + e.Message);
                return 2;
            }
            return await NodeHost.RunAsync(nodeConfig, ct);
        });
        return serve;
    }
}
