using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (with NX XX GT LT), TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST.</summary>
[Collection(KeysCollection.Name)]
public sealed class ExpiryTests(NodeFixture node) : E2ETest(node)
{
    public static TheoryData<string> ExpireCommands => new() { "EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT" };

    /// <summary>The argument that gives a key about <paramref name="seconds"/> seconds to live, for each command.</summary>
    private static string In(string command, long seconds) => command switch
    {
        "EXPIRE" => seconds.ToString(),
        "PEXPIRE" => (seconds * 1000).ToString(),
        "EXPIREAT" => (NowS() + seconds).ToString(),
        "PEXPIREAT" => (NowMs() + seconds * 1000).ToString(),
        _ => throw new ArgumentOutOfRangeException(nameof(command)),
    };

    private long Ttl(string key) => long.Parse(Cmd("TTL", key)[1..^2]);

    private long Pttl(string key) => long.Parse(Cmd("PTTL", key)[1..^2]);

    [Theory]
    [MemberData(nameof(ExpireCommands))]
    public void Expire_sets_a_ttl_on_an_existing_key(string command)
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Int(1), command, K(), In(command, 100));
        Assert.InRange(Ttl(K()), 98, 100);
        Assert.InRange(Pttl(K()), 97_000, 100_000);
        Expect(Resp.Bulk("v"), "GET", K());
    }

    [Theory]
    [MemberData(nameof(ExpireCommands))]
    public void Expire_on_a_missing_key_returns_zero(string command)
    {
        Expect(Resp.Int(0), command, K(), In(command, 100));
        Expect(Resp.Int(0), "EXISTS", K());
    }

    [Theory]
    [InlineData("EXPIRE", "0")]
    [InlineData("EXPIRE", "-5")]
    [InlineData("PEXPIRE", "0")]
    [InlineData("PEXPIRE", "-1")]
    [InlineData("EXPIREAT", "1")]
    [InlineData("PEXPIREAT", "1")]
    [InlineData("EXPIREAT", "0")]
    public void Expire_in_the_past_deletes_the_key_and_returns_one(string command, string when)
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Int(1), command, K(), when);
        Expect(Resp.Int(0), "EXISTS", K());
        Expect(Resp.Nil, "GET", K());
    }

    [Fact]
    public void Key_disappears_after_pexpire()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Int(1), "PEXPIRE", K(), "50");
        Eventually.True(() => Cmd("EXISTS", K()) == Resp.Int(0), "key with PEXPIRE 50 expires");
        Expect(Resp.Nil, "GET", K());
        Expect(Resp.Int(-2), "PTTL", K());
    }

    [Fact]
    public void Key_disappears_after_pexpireat()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Int(1), "PEXPIREAT", K(), (NowMs() + 60).ToString());
        Eventually.True(() => Cmd("GET", K()) == Resp.Nil, "key with PEXPIREAT now+60ms expires");
    }

    [Fact]
    public void Expired_key_can_be_set_again_without_its_old_ttl()
    {
        Expect(Resp.Ok, "SET", K(), "v", "PX", "30");
        Eventually.True(() => Cmd("EXISTS", K()) == Resp.Int(0), "key expires");
        Expect(Resp.Int(1), "SETNX", K(), "w");
        Expect(Resp.Int(-1), "TTL", K());
    }

    [Theory]
    [MemberData(nameof(ExpireCommands))]
    public void Expire_nx_only_when_the_key_has_no_ttl(string command)
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Int(1), command, K(), In(command, 100), "NX");
        Expect(Resp.Int(0), command, K(), In(command, 500), "NX");
        Assert.InRange(Ttl(K()), 98, 100);
    }

    [Theory]
    [MemberData(nameof(ExpireCommands))]
    public void Expire_xx_only_when_the_key_has_a_ttl(string command)
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Int(0), command, K(), In(command, 100), "XX");
        Expect(Resp.Int(-1), "TTL", K());
        Expect(Resp.Int(1), command, K(), In(command, 100));
        Expect(Resp.Int(1), command, K(), In(command, 500), "XX");
        Assert.InRange(Ttl(K()), 498, 500);
    }

    [Theory]
    [MemberData(nameof(ExpireCommands))]
    public void Expire_gt_only_when_the_new_ttl_is_greater(string command)
    {
        Expect(Resp.Ok, "SET", K(), "v");
        // No ttl counts as infinite: nothing is greater.
        Expect(Resp.Int(0), command, K(), In(command, 100), "GT");
        Expect(Resp.Int(-1), "TTL", K());
        Expect(Resp.Int(1), command, K(), In(command, 100));
        Expect(Resp.Int(0), command, K(), In(command, 50), "GT");
        Assert.InRange(Ttl(K()), 98, 100);
        Expect(Resp.Int(1), command, K(), In(command, 500), "GT");
        Assert.InRange(Ttl(K()), 498, 500);
    }

    [Theory]
    [MemberData(nameof(ExpireCommands))]
    public void Expire_lt_only_when_the_new_ttl_is_less(string command)
    {
        Expect(Resp.Ok, "SET", K(), "v");
        // No ttl counts as infinite: any ttl is less.
        Expect(Resp.Int(1), command, K(), In(command, 500), "LT");
        Assert.InRange(Ttl(K()), 498, 500);
        Expect(Resp.Int(0), command, K(), In(command, 1000), "LT");
        Assert.InRange(Ttl(K()), 498, 500);
        Expect(Resp.Int(1), command, K(), In(command, 100), "LT");
        Assert.InRange(Ttl(K()), 98, 100);
    }

    [Fact]
    public void Expire_gt_with_zero_on_a_persistent_key_does_not_delete_it()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Int(0), "EXPIRE", K(), "0", "GT");
        Expect(Resp.Int(1), "EXISTS", K());
        Expect(Resp.Int(1), "EXPIRE", K(), "-5", "LT");
        Expect(Resp.Int(0), "EXISTS", K());
    }

    [Theory]
    [InlineData("NX", "XX")]
    [InlineData("XX", "NX")]
    [InlineData("NX", "GT")]
    [InlineData("NX", "LT")]
    public void Expire_nx_with_other_flags_is_an_error(string a, string b)
    {
        foreach (var command in new[] { "EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT" })
        {
            Expect(Resp.Err("ERR NX and XX, GT or LT options at the same time are not compatible"), command, K(), "100000000000", a, b);
        }
    }

    [Theory]
    [InlineData("GT", "LT")]
    [InlineData("LT", "GT")]
    public void Expire_gt_with_lt_is_an_error(string a, string b)
    {
        foreach (var command in new[] { "EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT" })
        {
            Expect(Resp.Err("ERR GT and LT options at the same time are not compatible"), command, K(), "100000000000", a, b);
        }
    }

    [Fact]
    public void Expire_option_and_argument_errors()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Err("ERR Unsupported option foo"), "EXPIRE", K(), "100", "foo");
        Expect(Resp.Err("ERR Unsupported option BAR"), "PEXPIREAT", K(), "100", "BAR");
        Expect(Resp.NotInteger, "EXPIRE", K(), "abc");
        Expect(Resp.NotInteger, "PEXPIRE", K(), "1.5");
        Expect(Resp.NotInteger, "EXPIREAT", K(), "");
        Expect(Resp.WrongArity("expire"), "EXPIRE", K());
        Expect(Resp.WrongArity("pexpire"), "PEXPIRE", K());
        Expect(Resp.WrongArity("expireat"), "EXPIREAT", K());
        Expect(Resp.WrongArity("pexpireat"), "PEXPIREAT", K());
        Expect(Resp.Int(-1), "TTL", K());
    }

    [Theory]
    [InlineData("EXPIRE", "9223372036854775807", "expire")]
    [InlineData("EXPIRE", "9223372036854775", "expire")]
    [InlineData("PEXPIRE", "9223372036854775807", "pexpire")]
    [InlineData("EXPIREAT", "9223372036854775807", "expireat")]
    public void Expire_overflow_is_an_invalid_expire_time(string command, string value, string name)
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.InvalidExpire(name), command, K(), value);
        Expect(Resp.Int(-1), "TTL", K());
    }

    [Fact]
    public void Ttl_and_pttl_of_missing_and_persistent_keys()
    {
        Expect(Resp.Int(-2), "TTL", K());
        Expect(Resp.Int(-2), "PTTL", K());
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Int(-1), "TTL", K());
        Expect(Resp.Int(-1), "PTTL", K());
        Expect(Resp.WrongArity("ttl"), "TTL");
        Expect(Resp.WrongArity("pttl"), "PTTL", K(), K());
    }

    [Fact]
    public void Ttl_rounds_to_the_nearest_second()
    {
        Expect(Resp.Ok, "SET", K(), "v", "PX", "100400");
        Expect(Resp.Int(100), "TTL", K());
        Expect(Resp.Ok, "SET", K(), "v", "PX", "2900");
        Assert.InRange(Ttl(K()), 2, 3);
    }

    [Fact]
    public void Expiretime_and_pexpiretime()
    {
        Expect(Resp.Int(-2), "EXPIRETIME", K());
        Expect(Resp.Int(-2), "PEXPIRETIME", K());
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Int(-1), "EXPIRETIME", K());
        Expect(Resp.Int(-1), "PEXPIRETIME", K());
        // EXPIRETIME rounds to the nearest second: check both sides of the half second.
        var atMs = (NowMs() / 1000 + 500) * 1000 + 499;
        Expect(Resp.Int(1), "PEXPIREAT", K(), atMs.ToString());
        Expect(Resp.Int(atMs), "PEXPIRETIME", K());
        Expect(Resp.Int(atMs / 1000), "EXPIRETIME", K());
        Expect(Resp.Int(1), "PEXPIREAT", K(), (atMs + 1).ToString());
        Expect(Resp.Int(atMs / 1000 + 1), "EXPIRETIME", K());
        var atS = NowS() + 600;
        Expect(Resp.Int(1), "EXPIREAT", K(), atS.ToString());
        Expect(Resp.Int(atS), "EXPIRETIME", K());
        Expect(Resp.Int(atS * 1000), "PEXPIRETIME", K());
        Expect(Resp.WrongArity("expiretime"), "EXPIRETIME");
    }

    [Fact]
    public void Persist_removes_a_ttl()
    {
        Expect(Resp.Int(0), "PERSIST", K());
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Int(0), "PERSIST", K());
        Expect(Resp.Int(1), "EXPIRE", K(), "100");
        Expect(Resp.Int(1), "PERSIST", K());
        Expect(Resp.Int(-1), "TTL", K());
        Expect(Resp.Int(0), "PERSIST", K());
        Expect(Resp.WrongArity("persist"), "PERSIST");
    }

    [Fact]
    public void Persisted_key_survives_past_its_old_expire_time()
    {
        // 1 s, not less: on a loaded machine 100 ms could pass before PERSIST arrives.
        Expect(Resp.Ok, "SET", K("persisted"), "v", "PX", "1000");
        Expect(Resp.Ok, "SET", K("control"), "v", "PX", "1000");
        Expect(Resp.Int(1), "PERSIST", K("persisted"));
        Eventually.True(() => Cmd("EXISTS", K("control")) == Resp.Int(0), "control key expires");
        Expect(Resp.Bulk("v"), "GET", K("persisted"));
    }
}
