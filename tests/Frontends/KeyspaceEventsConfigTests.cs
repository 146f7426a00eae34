using HyperCache.Frontends.Configuration;

namespace HyperCache.Frontends.Tests;

public class KeyspaceEventsConfigTests
{
    [Fact]
    public void Off_by_default()
        => Assert.Equal("", ConfigLoader.Load(null, new Dictionary<string, string>(), _ => null).NotifyKeyspaceEvents);

    [Fact]
    public void Yaml_and_environment_take_Redis_flags_kept_in_canonical_form()
    {
        string file = Path.GetTempFileName();
        File.WriteAllText(file, """
            cache:
              notify_keyspace_events: "Egx"
            """);
        try
        {
            Assert.Equal("gxE", ConfigLoader.Load(file, new Dictionary<string, string>(), _ => null).NotifyKeyspaceEvents);
            var env = new Dictionary<string, string> { ["HYPERCACHE_CACHE_NOTIFY_KEYSPACE_EVENTS"] = "KEA" };
            Assert.Equal("AKE", ConfigLoader.Load(file, new Dictionary<string, string>(), name => env.GetValueOrDefault(name)).NotifyKeyspaceEvents);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void An_unknown_letter_is_a_configuration_error()
    {
        var e = Assert.Throws<ConfigException>(() =>
            ConfigLoader.Load(null, new Dictionary<string, string> { ["cache.notify_keyspace_events"] = "KQ" }, _ => null));
        Assert.Contains("Invalid event class character", e.Message);
    }
}
