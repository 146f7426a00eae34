using HyperCache.Frontends.Configuration;

namespace HyperCache.Frontends.Tests;

/// <summary>CONFIG REWRITE's YAML editing: values replaced in place with their comments, missing keys added to their
/// section or a new one, and what the loader reads back is what was written.</summary>
public sealed class ConfigRewriterTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), "hc-rewrite-" + Guid.NewGuid().ToString("N") + ".yaml");

    public void Dispose() => File.Delete(_file);

    private string Rewrite(string yaml, params (string, string)[] settings)
    {
        File.WriteAllText(_file, yaml);
        ConfigRewriter.Rewrite(_file, settings);
        return File.ReadAllText(_file);
    }

    [Fact]
    public void A_value_is_replaced_in_place_and_its_comment_and_the_other_lines_stay()
    {
        const string yaml = "# top comment\ncache:\n  max_memory: \"1gb\"   # a limit\n  eviction_policy: noeviction\n\nlogging:\n  level: 'info' # quoted\n";
        string after = Rewrite(yaml, ("cache.max_memory", "104857600"), ("logging.level", "debug"));
        Assert.Equal("# top comment\ncache:\n  max_memory: 104857600   # a limit\n  eviction_policy: noeviction\n\nlogging:\n  level: \"debug\" # quoted\n", after);
    }

    [Fact]
    public void A_missing_key_joins_its_section_at_its_indent_and_a_missing_section_is_added_at_the_end()
    {
        const string yaml = "cache:\n    hz: 10\n    # a comment under cache\nnetwork:\n  bind: 127.0.0.1\n";
        string after = Rewrite(yaml, ("cache.max_memory", "5"), ("security.requirepass", "s3cret"));
        Assert.Equal("cache:\n    hz: 10\n    # a comment under cache\n    max_memory: 5\nnetwork:\n  bind: 127.0.0.1\nsecurity:\n  requirepass: \"s3cret\"\n", after);
    }

    [Fact]
    public void Quoting_round_trips_through_the_loader()
    {
        const string password = "p\"a\\ss #not a comment: 'x'";
        Rewrite("security:\n  requirepass: old\n", ("security.requirepass", password), ("cache.notify_keyspace_events", "KEA"));
        var config = ConfigLoader.Load(_file, new Dictionary<string, string>(), _ => null);
        Assert.Equal(password, config.RequirePass);
        Assert.Equal("AKE", config.NotifyKeyspaceEvents);
        Assert.Equal(password, ConfigRewriter.Read(File.ReadAllLines(_file), "security.requirepass"));
    }

    [Fact]
    public void A_key_of_the_same_name_in_another_section_is_not_touched()
    {
        string after = Rewrite("http:\n  max_body_bytes: 1\ncache:\n  hz: 1\n", ("cache.max_body_bytes", "2"));
        Assert.Equal("http:\n  max_body_bytes: 1\ncache:\n  hz: 1\n  max_body_bytes: 2\n", after);
    }

    [Fact]
    public void A_list_is_replaced_whole_added_to_its_section_when_missing_and_read_back_by_the_loader()
    {
        File.WriteAllText(_file, "security:\n  requirepass: \"x\"\n  users:\n    - \"old on\"\n    - 'older'\nlogging:\n  level: info\n");
        Assert.Equal(["old on", "older"], ConfigRewriter.ReadList(File.ReadAllLines(_file), "security.users"));
        ConfigRewriter.Rewrite(_file, [], "security.users", ["alice on #ab ~k* +get", "bob off \"q\""]);
        Assert.Equal("security:\n  requirepass: \"x\"\n  users:\n    - \"alice on #ab ~k* +get\"\n    - \"bob off \\\"q\\\"\"\nlogging:\n  level: info\n", File.ReadAllText(_file));
        Assert.Equal(["alice on #ab ~k* +get", "bob off \"q\""], ConfigLoader.Load(_file, new Dictionary<string, string>(), _ => null).Users);

        ConfigRewriter.Rewrite(_file, [], "security.users", []);
        Assert.Equal("security:\n  requirepass: \"x\"\n  users: []\nlogging:\n  level: info\n", File.ReadAllText(_file));
        Assert.Empty(ConfigLoader.Load(_file, new Dictionary<string, string>(), _ => null).Users);

        File.WriteAllText(_file, "logging:\n  level: info\n");
        ConfigRewriter.Rewrite(_file, [], "security.users", ["carol on"]);
        Assert.Equal("logging:\n  level: info\nsecurity:\n  users:\n    - \"carol on\"\n", File.ReadAllText(_file));
        Assert.Equal(["carol on"], ConfigLoader.Load(_file, new Dictionary<string, string>(), _ => null).Users);
    }
}
