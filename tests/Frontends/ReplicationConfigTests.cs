using HyperCache.Frontends.Configuration;

namespace HyperCache.Frontends.Tests;

public class ReplicationConfigTests
{
    [Fact]
    public void Replication_settings_come_from_yaml()
    {
        string file = Path.GetTempFileName();
        File.WriteAllText(file, """
            network:
              resp_port: 7001
            replication:
              replicaof: "10.0.0.5 6379"
              mode: sync
              min_acks: 2
              sync_timeout_ms: 250
              max_lag_bytes: 64mb
            """);
        var config = ConfigLoader.Load(file, new Dictionary<string, string>(), _ => null);
        Assert.Equal("10.0.0.5 6379", config.ReplicaOf);
        Assert.Equal("sync", config.Replication.Mode);
        Assert.Equal(2, config.Replication.MinAcks);
        Assert.Equal(250, config.Replication.SyncTimeoutMs);
        Assert.Equal(64L << 20, config.Replication.MaxLagBytes);
        Assert.Equal(17001, config.EffectiveReplicationPort); // RESP port + 10000 by default
    }

    [Fact]
    public void Replication_port_defaults_below_when_above_would_overflow_and_can_be_set()
    {
        var high = ConfigLoader.Load(null, new Dictionary<string, string> { ["network.resp_port"] = "60000" }, _ => null);
        Assert.Equal(50000, high.EffectiveReplicationPort);
        var set = ConfigLoader.Load(null, new Dictionary<string, string> { ["network.replication_port"] = "7777" }, _ => null);
        Assert.Equal(7777, set.EffectiveReplicationPort);
        Assert.Null(set.ReplicaOf);
        Assert.Equal("async", set.Replication.Mode);
    }

    [Fact]
    public void Bind_source_addr_is_an_address_or_empty()
    {
        Assert.Equal("", ConfigLoader.Load(null, new Dictionary<string, string>(), _ => null).Replication.BindSourceAddr);
        var set = ConfigLoader.Load(null, new Dictionary<string, string> { ["replication.bind_source_addr"] = "127.0.0.11" }, _ => null);
        Assert.Equal("127.0.0.11", set.Replication.BindSourceAddr);
    }

    [Theory]
    [InlineData("replication.mode", "quorum")]
    [InlineData("replication.replicaof", "host-only")]
    [InlineData("replication.replicaof", "host 70000")]
    [InlineData("replication.min_acks", "0")]
    [InlineData("replication.bind_source_addr", "not-an-address")]
    public void Bad_replication_values_are_refused(string path, string value)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(null, new Dictionary<string, string> { [path] = value }, _ => null));
        Assert.Contains(path, e.Message);
    }
}
