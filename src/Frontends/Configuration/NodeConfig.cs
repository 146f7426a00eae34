using HyperCache.Log;

namespace HyperCache.Frontends.Configuration;

/// <summary>
/// A node's settings. Names follow the seed's YAML (section.key); every setting can come from the YAML file, a
/// command-line flag or a HYPERCACHE_SECTION_KEY environment variable (see <see cref="ConfigLoader"/>).
/// </summary>
public sealed class NodeConfig
{
    public string NodeId { get; set; } = "node-1";
    public string DataDir { get; set; } = "./data/node-1";

    /// <summary>Loopback unless configured otherwise: a cache with no password must not face a network by accident.</summary>
    public string Bind { get; set; } = "127.0.0.1";
    public int RespPort { get; set; } = 8080;
    public int HttpPort { get; set; } = 9080;
    public int MaxClients { get; set; } = 10000;
    /// <summary>Seconds of idleness before a client is closed; 0 = never, Redis's default.</summary>
    public int Timeout { get; set; }

    public bool AppendOnly { get; set; } = true;
    public Durability AppendFsync { get; set; } = Durability.EverySec;
    /// <summary>Start even when the log is damaged in the middle, keeping only the entries before the damage.</summary>
    public bool CutCorruptLog { get; set; }

    public int Databases { get; set; } = 16;
    public int Shards { get; set; } = StateMachine.StoreOptions.DefaultShards();
    public long MaxMemory { get; set; }
    public string MaxMemoryPolicy { get; set; } = "noeviction";
    public int HzExpiry { get; set; } = 10;

    public long ProtoMaxBulkLen { get; set; } = 512L * 1024 * 1024;
    public long ClientQueryBufferLimit { get; set; } = 1024L * 1024 * 1024;

    /// <summary>The default user's password (Redis's requirepass); empty: no AUTH needed.</summary>
    public string RequirePass { get; set; } = "";
    /// <summary>Refuse to start bound to a non-loopback address without a password (Redis's protected mode).</summary>
    public bool ProtectedMode { get; set; } = true;

    public string LogLevel { get; set; } = "info";
    public string LogDir { get; set; } = "logs";

    public string AofDirectory => Path.Combine(DataDir, "aof");
}
