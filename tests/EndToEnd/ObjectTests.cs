using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>OBJECT ENCODING, REFCOUNT, IDLETIME, FREQ, HELP.</summary>
[Collection(KeysCollection.Name)]
public sealed class ObjectTests(NodeFixture node) : E2ETest(node)
{
    [Theory]
    [InlineData("123", "int")]
    [InlineData("-9223372036854775808", "int")]
    [InlineData("9223372036854775808", "embstr")]
    [InlineData("01", "embstr")]
    [InlineData("-0", "embstr")]
    [InlineData(" 1", "embstr")]
    [InlineData("abc", "embstr")]
    [InlineData("", "embstr")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "embstr")] // 44 bytes
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "raw")] // 45 bytes
    public void Encoding_of_strings_follows_redis(string value, string encoding)
    {
        Expect(Resp.Ok, "SET", K(), value);
        Expect(Resp.Bulk(encoding), "OBJECT", "ENCODING", K());
    }

    [Fact]
    public void Counters_are_int_encoded()
    {
        Expect(Resp.Int(5), "INCRBY", K(), "5");
        Expect(Resp.Bulk("int"), "OBJECT", "ENCODING", K());
    }

    [Fact]
    public void Every_subcommand_answers_nil_for_a_missing_key()
    {
        foreach (var sub in new[] { "ENCODING", "REFCOUNT", "IDLETIME", "FREQ" })
            Expect(Resp.Nil, "OBJECT", sub, K("missing"));
    }

    [Fact]
    public void Refcount_is_shared_for_small_integers_and_one_otherwise()
    {
        Expect(Resp.Ok, "SET", K("small"), "42");
        Expect(Resp.Int(int.MaxValue), "OBJECT", "REFCOUNT", K("small"));
        Expect(Resp.Ok, "SET", K("big"), "123456");
        Expect(Resp.Int(1), "OBJECT", "REFCOUNT", K("big"));
        Expect(Resp.Ok, "SET", K("text"), "abc");
        Expect(Resp.Int(1), "OBJECT", "REFCOUNT", K("text"));
    }

    [Fact]
    public void Freq_needs_an_lfu_policy()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."),
            "OBJECT", "FREQ", K());
    }

    [Fact]
    public void Idletime_grows_while_the_key_is_not_accessed_and_object_itself_is_no_access()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Assert.Matches(@"^:[01]\r\n$", Cmd("OBJECT", "IDLETIME", K()));
        Eventually.True(() => Cmd("OBJECT", "IDLETIME", K()) is not (":0\r\n" or ":1\r\n"), "idle time reaches 2 s");
        Expect(Resp.Bulk("v"), "GET", K());
        Assert.Matches(@"^:[01]\r\n$", Cmd("OBJECT", "IDLETIME", K()));
    }

    [Fact]
    public void Help_and_errors()
    {
        var help = Resp.Parse(Cmd("OBJECT", "HELP"));
        var lines = Assert.IsType<List<object?>>(help);
        Assert.Equal(15, lines.Count);
        Assert.Equal("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", lines[0]);
        Assert.Contains("ENCODING <key>", lines);
        Expect(Resp.WrongArity("object"), "OBJECT");
        Expect(Resp.WrongArity("object|encoding"), "OBJECT", "ENCODING");
        Expect(Resp.WrongArity("object|encoding"), "OBJECT", "ENCODING", "a", "b");
        Expect(Resp.Err("ERR unknown subcommand 'FOO'. Try OBJECT HELP."), "OBJECT", "FOO", "x");
    }
}
