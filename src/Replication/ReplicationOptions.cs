namespace HyperCache.Replication;

/// <summary>Replication settings (YAML section <c>replication</c>).</summary>
public sealed class ReplicationOptions
{
    /// <summary>Strategy name: none, async, sync (or any registered in <see cref="Strategies.ReplicationStrategies"/>).</summary>
    public string Mode { get; set; } = "async";
    /// <summary>sync: replicas that must hold a write durably before its client gets the reply.</summary>
    public int MinAcks { get; set; } = 1;
    /// <summary>sync: how long a write waits for <see cref="MinAcks"/> acknowledgements.</summary>
    public int SyncTimeoutMs { get; set; } = 1000;
    /// <summary>A replica further behind than this no longer holds back log truncation (it must full-sync).</summary>
    public long MaxLagBytes { get; set; } = 256L * 1024 * 1024;
    /// <summary>A shipped batch ends with the entries that bring it to this many bytes (or with the committed log).</summary>
    public int BatchBytes { get; set; } = 1 << 20;
    /// <summary>The password this node gives its primary when it replicates one (Redis's masterauth): the primary's
    /// requirepass. Read at each (re)connection.</summary>
    public string MasterAuth { get; set; } = "";
    /// <summary>The user this node authenticates as with <see cref="MasterAuth"/> (Redis's masteruser); "": the
    /// primary's default user.</summary>
    public string MasterUser { get; set; } = "";
    /// <summary>Source address of this node's connections to its primary (Redis's bind-source-addr); "" lets the OS
    /// choose. Lets the primary (and a firewall) tell replicas apart when they share a host's loopback.</summary>
    public string BindSourceAddr { get; set; } = "";
    /// <summary>An idle stream carries a heartbeat this often; a replica that hears nothing for 5 of them reconnects.</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(1);
}
