using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>CLIENT KILL, old form (addr) and filters (ID, TYPE, USER, ADDR, LADDR, SKIPME), as Redis 7.0.</summary>
[Collection(ServerCollection.Name)]
public sealed class ClientKillTests(NodeFixture node) : E2ETest(node)
{
    private static string Field(RawRespClient client, string name)
        => client.Command("CLIENT", "INFO").Split(' ', '\n').First(f => f.StartsWith(name + "=", StringComparison.Ordinal))[(name.Length + 1)..].TrimEnd('\r');

    private static string IdOf(RawRespClient client) => client.Command("CLIENT", "ID")[1..^2];

    /// <summary>CLIENT LIST's filters (TYPE or ID) and errors, as Redis 7.0.15 answers them.</summary>
    [Fact]
    public void Client_list_filters_by_type_or_ids()
    {
        using var a = Node.Raw();
        using var b = Node.Raw();
        using var subscriber = Node.Raw();
        subscriber.Command("SUBSCRIBE", K("channel"));
        string ida = IdOf(a), idb = IdOf(b);
        string Listed(params string[] filter) => (string)Resp.Parse(Cmd(["CLIENT", "LIST", .. filter]))!;
        var ids = System.Text.RegularExpressions.Regex.Matches(Listed("ID", ida, idb, "999999999"), @"(?m)^id=(\d+) ").Select(m => m.Groups[1].Value).Order().ToList();
        Assert.Equal(new[] { ida, idb }.Order().ToList(), ids);
        Assert.Equal("", Listed("ID", "-1"));
        Assert.Contains("flags=P", Listed("TYPE", "pubsub"));
        Assert.DoesNotContain("flags=P", Listed("TYPE", "normal"));
        Assert.Contains($"id={ida} ", Listed("TYPE", "NORMAL"));
        Assert.Equal("", Listed("TYPE", "replica"));
        Assert.Equal("", Listed("TYPE", "master"));
        Expect(Resp.Err("ERR Invalid client ID"), "CLIENT", "LIST", "ID", ida, "abc");
        Expect(Resp.Err("ERR Unknown client type 'nosuch'"), "CLIENT", "LIST", "TYPE", "nosuch");
        Expect(Resp.SyntaxError, "CLIENT", "LIST", "ID");
        Expect(Resp.SyntaxError, "CLIENT", "LIST", "TYPE");
        Expect(Resp.SyntaxError, "CLIENT", "LIST", "foo");
    }

    [Fact]
    public void Kill_by_id_closes_that_connection_and_counts_it()
    {
        using var victim = Node.Raw();
        Expect(Resp.Int(1), "CLIENT", "KILL", "ID", IdOf(victim));
        Assert.Equal("", victim.ReadUntilClosed(TimeSpan.FromSeconds(5)));
        Expect(Resp.Int(0), "CLIENT", "KILL", "ID", "999999999"); // nobody
    }

    [Fact]
    public void Filters_combine_and_the_caller_is_skipped_unless_asked()
    {
        using var victim = Node.Raw();
        using var self = Node.Raw();
        string address = Field(victim, "addr"), local = Field(victim, "laddr");
        Assert.Equal(Resp.Int(0), self.Command("CLIENT", "KILL", "ID", IdOf(self))); // SKIPME yes by default
        Assert.Equal(Resp.Int(0), self.Command("CLIENT", "KILL", "ADDR", address, "ID", IdOf(self)));
        Assert.Equal(Resp.Int(1), self.Command("CLIENT", "KILL", "ADDR", address, "LADDR", local, "USER", "default", "TYPE", "normal"));
        Assert.Equal("", victim.ReadUntilClosed(TimeSpan.FromSeconds(5)));
        // The caller killing itself gets its reply, then the connection closes.
        Assert.Equal(Resp.Int(1), self.Command("CLIENT", "KILL", "ID", IdOf(self), "SKIPME", "no"));
        Assert.Equal("", self.ReadUntilClosed(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Type_pubsub_kills_subscribers_only()
    {
        using var subscriber = Node.Raw();
        using var normal = Node.Raw();
        string address = Field(subscriber, "addr");
        subscriber.Command("SUBSCRIBE", K("channel"));
        Expect(Resp.Int(0), "CLIENT", "KILL", "TYPE", "pubsub", "ID", IdOf(normal));
        Expect(Resp.Int(0), "CLIENT", "KILL", "TYPE", "normal", "ADDR", address);
        Expect(Resp.Int(1), "CLIENT", "KILL", "TYPE", "pubsub", "ADDR", address);
        Assert.Equal("", subscriber.ReadUntilClosed(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Bad_filters_are_the_errors_redis_gives()
    {
        Expect(Resp.Err("ERR client-id should be greater than 0"), "CLIENT", "KILL", "ID", "0");
        Expect(Resp.Err("ERR client-id should be greater than 0"), "CLIENT", "KILL", "ID", "x");
        Expect(Resp.Err("ERR Unknown client type 'bogus'"), "CLIENT", "KILL", "TYPE", "bogus");
        Expect(Resp.Err("ERR No such user 'nobody'"), "CLIENT", "KILL", "USER", "nobody");
        Expect(Resp.Err("ERR syntax error"), "CLIENT", "KILL", "SKIPME", "maybe");
        Expect(Resp.Err("ERR syntax error"), "CLIENT", "KILL", "BOGUS", "1");
        Expect(Resp.Err("ERR syntax error"), "CLIENT", "KILL", "ID", "1", "ADDR");
        Expect(Resp.Err("ERR No such client"), "CLIENT", "KILL", "ID"); // three arguments: the old form, an address
        Expect(Resp.Err("ERR No such client"), "CLIENT", "KILL", "1.2.3.4:5");
    }
}
