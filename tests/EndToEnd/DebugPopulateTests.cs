using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>DEBUG POPULATE as Redis 7.0 answers it (passes against redis-server too, HYPERCACHE_E2E_TARGET=redis),
/// and what HyperCache adds: the keys are logged writes, so a restart keeps them.</summary>
[Collection(ServerCollection.Name)]
public sealed class DebugPopulateTests(NodeFixture node) : E2ETest(node)
{
    [Fact]
    public void Creates_count_keys_under_the_prefix_holding_value_n()
    {
        string prefix = K("pop");
        Expect(Resp.Ok, "DEBUG", "POPULATE", "3", prefix);
        Expect(Resp.Bulk("value:0"), "GET", prefix + ":0");
        Expect(Resp.Bulk("value:2"), "GET", prefix + ":2");
        Expect(Resp.Nil, "GET", prefix + ":3");
        Expect(Resp.Int(0), "EXISTS", prefix + ":-1");
    }

    [Fact]
    public void A_size_pads_the_value_with_zero_bytes_or_cuts_it()
    {
        string padded = K("pad"), cut = K("cut");
        Expect(Resp.Ok, "DEBUG", "POPULATE", "2", padded, "12");
        Expect(Resp.Bulk("value:1\0\0\0\0\0"), "GET", padded + ":1");
        Expect(Resp.Ok, "DEBUG", "POPULATE", "2", cut, "3");
        Expect(Resp.Bulk("val"), "GET", cut + ":1");
        Expect(Resp.Ok, "DEBUG", "POPULATE", "1", K("zero"), "0"); // 0: no padding
        Expect(Resp.Bulk("value:0"), "GET", K("zero") + ":0");
    }

    [Fact]
    public void Keys_that_exist_are_left_alone()
    {
        string prefix = K("keep");
        Expect(Resp.Int(1), "RPUSH", prefix + ":0", "a");
        Expect(Resp.Ok, "SET", prefix + ":1", "mine");
        Expect(Resp.Ok, "DEBUG", "POPULATE", "3", prefix);
        Expect("+list\r\n", "TYPE", prefix + ":0");
        Expect(Resp.Bulk("mine"), "GET", prefix + ":1");
        Expect(Resp.Bulk("value:2"), "GET", prefix + ":2");
    }

    [Fact]
    public void Bad_arguments_get_redis_errors()
    {
        const string NotPositive = "-ERR value is out of range, must be positive\r\n";
        Expect(NotPositive, "DEBUG", "POPULATE", "-1");
        Expect(NotPositive, "DEBUG", "POPULATE", "x");
        Expect(NotPositive, "DEBUG", "POPULATE", "1", K(), "-2");
        Expect("-ERR unknown subcommand or wrong number of arguments for 'populate'. Try DEBUG HELP.\r\n", "DEBUG", "populate");
        Expect("-ERR unknown subcommand or wrong number of arguments for 'populate'. Try DEBUG HELP.\r\n", "DEBUG", "populate", "1", K(), "4", "5");
        Expect(Resp.Int(0), "EXISTS", K() + ":0");
    }
}

/// <summary>DEBUG POPULATE's keys go through the log like any write: a restart has them.</summary>
public sealed class DebugPopulateDurabilityTests
{
    [HyperCacheFact]
    public void Populated_keys_survive_a_restart()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        using (var c = node.Raw())
        {
            Assert.Equal(Resp.Ok, c.Command("DEBUG", "POPULATE", "1000"));
            Assert.Equal(Resp.Int(1000), c.Command("DBSIZE"));
        }
        node.Kill9();

        node.Start();
        using var after = node.Raw();
        Assert.Equal(Resp.Int(1000), after.Command("DBSIZE"));
        Assert.Equal(Resp.Bulk("value:999"), after.Command("GET", "key:999"));
    }
}
