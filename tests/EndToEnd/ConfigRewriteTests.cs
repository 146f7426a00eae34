using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>CONFIG REWRITE: what CONFIG SET changed is written into the YAML file the node started with, comments and
/// other lines kept, and a restart from that file has it.</summary>
public sealed class ConfigRewriteTests
{
    private const string Yaml = """
        # HyperCache test configuration
        cache:
          max_memory: "1gb"              # the limit
          eviction_policy: "noeviction"  # or allkeys-lru...
          # memory_warning: 0.85
        logging:
          level: "info"
        """;

    [HyperCacheFact]
    public void Rewrite_persists_set_values_keeps_comments_and_a_restart_reads_them()
    {
        string file = Path.Combine(Path.GetTempPath(), "hc-e2e-rewrite-" + Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(file, Yaml + "\n");
        try
        {
            using var node = new NodeProcess(extraArgs: ["--config", file]);
            node.Start();
            using (var c = node.Raw())
            {
                Assert.Equal(Resp.Ok, c.Command("CONFIG", "SET", "maxmemory", "100mb", "maxmemory-policy", "allkeys-lru", "hz", "20"));
                Assert.Equal(Resp.Ok, c.Command("CONFIG", "SET", "masterauth", "a\"b\\c #d", "slowlog-max-len", "64"));
                Assert.Equal(Resp.Ok, c.Command("CONFIG", "REWRITE"));
            }
            string written = File.ReadAllText(file);
            foreach (var line in Yaml.Split('\n').Where(l => l.TrimStart().StartsWith('#')))
                Assert.Contains(line, written);
            Assert.Contains("  max_memory: 104857600              # the limit\n", written);
            Assert.Contains("  eviction_policy: \"allkeys-lru\"  # or allkeys-lru...\n", written);
            Assert.Contains("  level: \"info\"\n", written); // unchanged settings stay as written

            using (var c = node.Raw()) Assert.Equal(Resp.Ok, c.Command("CONFIG", "REWRITE"));
            Assert.Equal(written, File.ReadAllText(file)); // nothing more to write

            node.Terminate(TimeSpan.FromSeconds(20));
            node.Start();
            using (var c = node.Raw())
            {
                Assert.Equal(Resp.BulkArray("maxmemory", "104857600"), c.Command("CONFIG", "GET", "maxmemory"));
                Assert.Equal(Resp.BulkArray("maxmemory-policy", "allkeys-lru"), c.Command("CONFIG", "GET", "maxmemory-policy"));
                Assert.Equal(Resp.BulkArray("hz", "20"), c.Command("CONFIG", "GET", "hz"));
                Assert.Equal(Resp.BulkArray("masterauth", "a\"b\\c #d"), c.Command("CONFIG", "GET", "masterauth"));
                Assert.Equal(Resp.BulkArray("slowlog-max-len", "64"), c.Command("CONFIG", "GET", "slowlog-max-len"));
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [HyperCacheFact]
    public void Rewrite_writes_the_acl_users_and_a_restart_has_them()
    {
        const string yaml = """
            # users below are rewritten by CONFIG REWRITE
            security:
              users:
                - "reader on >r ~public:* +@read"
            logging:
              level: "info"
            """;
        string file = Path.Combine(Path.GetTempPath(), "hc-e2e-rewrite-acl-" + Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(file, yaml + "\n");
        try
        {
            using var node = new NodeProcess(extraArgs: ["--config", file]);
            node.Start();
            string list;
            using (var c = node.Raw())
            {
                Assert.Equal(Resp.Ok, c.Command("ACL", "SETUSER", "writer", "on", ">w", "%W~out:*", "&news", "+set", "+@list", "-lpush"));
                Assert.Equal(Resp.Ok, c.Command("ACL", "SETUSER", "reader", "-get"));
                list = c.Command("ACL", "LIST");
                Assert.Equal(Resp.Ok, c.Command("CONFIG", "REWRITE"));
                Assert.Equal(Resp.Ok, c.Command("CONFIG", "REWRITE"));
            }
            string written = File.ReadAllText(file);
            Assert.Contains("# users below are rewritten by CONFIG REWRITE\n", written);
            Assert.Contains("  users:\n    - \"reader on #", written);
            Assert.Contains("    - \"writer on #", written);
            Assert.DoesNotContain("default", written); // the default user is as it starts (nopass, allowed everything)
            Assert.Contains("logging:\n  level: \"info\"", written);

            node.Terminate(TimeSpan.FromSeconds(20));
            node.Start();
            using (var c = node.Raw())
            {
                Assert.Equal(Resp.Ok, c.Command("AUTH", "writer", "w"));
                Assert.Equal(Resp.Ok, c.Command("SET", "out:1", "v"));
                Assert.Equal(Resp.Err("NOPERM this user has no permissions to access one of the keys used as arguments"), c.Command("SET", "in:1", "v"));
                Assert.Equal(Resp.Ok, c.Command("AUTH", "reader", "r"));
                Assert.Equal(Resp.Err("NOPERM this user has no permissions to run the 'get' command"), c.Command("GET", "public:1"));
                Assert.Equal(Resp.Ok, c.Command("AUTH", "default", "any")); // nopass
                Assert.Equal(list, c.Command("ACL", "LIST"));
                Assert.Equal(Resp.Int(2), c.Command("ACL", "DELUSER", "reader", "writer"));
                Assert.Equal(Resp.Ok, c.Command("CONFIG", "REWRITE"));
            }
            Assert.Contains("  users: []\n", File.ReadAllText(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [HyperCacheFact]
    public void A_bad_user_line_in_the_config_file_stops_the_start_with_a_clear_message()
    {
        string file = Path.Combine(Path.GetTempPath(), "hc-e2e-bad-user-" + Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(file, "security:\n  users:\n    - \"eve on +nosuchcommand\"\n");
        try
        {
            using var node = new NodeProcess(extraArgs: ["--config", file]);
            var failure = Assert.ThrowsAny<Exception>(node.Start);
            Assert.Contains("user 'eve': error in rule '+nosuchcommand': Unknown command or category name in ACL", failure.Message + node.LogTailMessage());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [HyperCacheFact]
    public void Without_a_config_file_rewrite_is_refused()
    {
        using var node = new NodeProcess();
        node.Start();
        using var c = node.Raw();
        Assert.Equal(Resp.Err("ERR The server is running without a config file"), c.Command("CONFIG", "REWRITE"));
    }
}
