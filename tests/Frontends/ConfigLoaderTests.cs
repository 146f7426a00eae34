using HyperCache.Frontends.Configuration;
using HyperCache.Log;

namespace HyperCache.Frontends.Tests;

public class ConfigLoaderTests
{
    [Fact]
    public void Defaults_are_loopback_and_the_seed_ports()
    {
        var config = ConfigLoader.Load(null, new Dictionary<string, string>(), _ => null);
        Assert.Equal("127.0.0.1", config.Bind);
        Assert.Equal(8080, config.RespPort);
        Assert.Equal(9080, config.HttpPort);
        Assert.Equal(Durability.EverySec, config.AppendFsync);
    }

    [Fact]
    public void Yaml_then_flags_then_environment()
    {
        string file = Path.GetTempFileName();
        File.WriteAllText(file, """
            node:
              id: "node-7"
              data_dir: "/tmp/x"
            network:
              resp_port: 7001
              http_port: 7002
            persistence:
              sync_policy: always
            cache:
              max_memory: 1GB
              some_future_key: 3
            """);
        try
        {
            var env = new Dictionary<string, string> { ["HYPERCACHE_NETWORK_HTTP_PORT"] = "7004" };
            var config = ConfigLoader.Load(file, new Dictionary<string, string> { ["network.resp_port"] = "7003", ["network.http_port"] = "7005" },
                name => env.GetValueOrDefault(name));
            Assert.Equal("node-7", config.NodeId);
            Assert.Equal(7003, config.RespPort);   // flag over file
            Assert.Equal(7004, config.HttpPort);   // environment over flag
            Assert.Equal(Durability.Always, config.AppendFsync);
            Assert.Equal(1L << 30, config.MaxMemory);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Memory_settings_parse_policies_durations_and_ratios()
    {
        var flags = new Dictionary<string, string>
        {
            ["cache.max_memory"] = "64mb",
            ["cache.eviction_policy"] = "Allkeys-SIEVE",
            ["cache.session_idle_timeout"] = "30m",
            ["cache.session_ttl"] = "2d",
            ["cache.memory_warning"] = "80%",
            ["cache.memory_panic"] = "0.97",
        };
        var settings = ConfigLoader.Load(null, flags, _ => null).MemorySettings();
        Assert.Equal(64L << 20, settings.MaxMemory);
        Assert.Equal(StateMachine.EvictionPolicy.AllKeysSieve, settings.Policy);
        Assert.Equal(TimeSpan.FromMinutes(30), settings.SessionIdleTimeout);
        Assert.Equal(TimeSpan.FromDays(2), settings.SessionTtl);
        Assert.Equal(0.80, settings.WarningRatio, 6);
        Assert.Equal(0.90, settings.CriticalRatio, 6);
        Assert.Equal(0.97, settings.PanicRatio, 6);
        var e = Assert.Throws<ConfigException>(() =>
            ConfigLoader.Load(null, new Dictionary<string, string> { ["cache.eviction_policy"] = "lru-ish" }, _ => null));
        Assert.Contains("allkeys-sieve", e.Message);
    }

    [Theory]
    [InlineData("1024", 1024)]
    [InlineData("64k", 64_000)]
    [InlineData("64KB", 64 * 1024)]
    [InlineData("100m", 100_000_000)]
    [InlineData("100mb", 100L << 20)]
    [InlineData("2g", 2_000_000_000)]
    [InlineData("2Gb", 2L << 30)]
    [InlineData("7b", 7)]
    public void Sizes_read_units_as_redis_does(string text, long bytes) => Assert.Equal(bytes, ConfigLoader.ParseBytes(text));

    [Fact]
    public void Bad_values_name_their_source()
    {
        var e = Assert.Throws<ConfigException>(() =>
            ConfigLoader.Load(null, new Dictionary<string, string> { ["persistence.sync_policy"] = "sometimes" }, _ => null));
        Assert.Contains("persistence.sync_policy", e.Message);
    }

    [Fact]
    public void Snapshot_settings_come_from_yaml_and_segment_sizes_are_checked()
    {
        string file = Path.GetTempFileName();
        File.WriteAllText(file, """
            persistence:
              snapshot_interval: 600
              snapshot_after_mb: 128
              log_segment_mb: 16
            """);
        try
        {
            var config = ConfigLoader.Load(file, new Dictionary<string, string>(), _ => null);
            Assert.Equal(600, config.SnapshotInterval);
            Assert.Equal(128, config.SnapshotAfterMb);
            Assert.Equal(16, config.LogSegmentMb);
            Assert.EndsWith("snapshots", config.SnapshotDirectory);
            Assert.Throws<ConfigException>(() => ConfigLoader.Load(null, new Dictionary<string, string> { ["persistence.log_segment_mb"] = "6" }, _ => null));
            Assert.Throws<ConfigException>(() => ConfigLoader.Load(null, new Dictionary<string, string> { ["persistence.log_segment_mb"] = "2" }, _ => null));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
