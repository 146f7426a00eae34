using HyperCache.Frontends.Configuration;

namespace HyperCache.Frontends.Tests;

public class HttpConfigTests
{
    [Fact]
    public void The_http_and_logging_sections_load_from_yaml_and_environment()
    {
        string file = Path.GetTempFileName();
        File.WriteAllText(file, """
            http:
              max_value_bytes: 2mb
              max_batch_items: 10
            logging:
              level: warn
              log_dir: /var/log/hypercache
              max_file_size: 10MB
              max_files: 3
              enable_console: false
            """);
        try
        {
            var env = new Dictionary<string, string> { ["HYPERCACHE_HTTP_API_KEY"] = "from-env" };
            var config = ConfigLoader.Load(file, new Dictionary<string, string>(), name => env.GetValueOrDefault(name));
            Assert.Equal("from-env", config.HttpApiKey);
            Assert.Equal(2L << 20, config.HttpMaxValueBytes);
            Assert.Equal(10, config.HttpMaxBatchItems);
            Assert.Equal("warn", config.LogLevel);
            Assert.Equal("/var/log/hypercache", config.LogDir);
            Assert.Equal(10L << 20, config.LogMaxFileSize);
            Assert.Equal(3, config.LogMaxFiles);
            Assert.False(config.LogToConsole);
            Assert.True(config.LogToFile);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void No_api_key_by_default_and_an_empty_one_means_none()
    {
        Assert.Null(ConfigLoader.Load(null, new Dictionary<string, string>(), _ => null).HttpApiKey);
        Assert.Null(ConfigLoader.Load(null, new Dictionary<string, string> { ["http.api_key"] = "" }, _ => null).HttpApiKey);
    }

    [Fact]
    public void An_unknown_log_level_is_a_configuration_error()
    {
        var e = Assert.Throws<ConfigException>(() =>
            ConfigLoader.Load(null, new Dictionary<string, string> { ["logging.level"] = "chatty" }, _ => null));
        Assert.Contains("logging.level", e.Message);
    }
}
