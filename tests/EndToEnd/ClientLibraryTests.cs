using HyperCache.EndToEnd.Tests.Infrastructure;
using StackExchange.Redis;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// StackExchange.Redis, as an ordinary application would use it (default options plus AllowAdmin).
/// Note: StackExchange.Redis 3.x opens with HELLO 3 and speaks RESP3 when the server accepts it; it falls back to
/// RESP2 when HELLO is refused (-NOPROTO or unknown command). It also needs ECHO to complete its handshake.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ClientLibraryTests(NodeFixture node) : E2ETest(node)
{
    [Fact]
    public void Connects_with_default_options_and_round_trips_a_string()
    {
        var db = Node.Db();
        Assert.True(Node.Redis.IsConnected);
        Assert.True(db.StringSet(K(), "value"));
        Assert.Equal("value", (string?)db.StringGet(K()));
        Assert.True(db.KeyDelete(K()));
        Assert.True(db.StringGet(K()).IsNull);
    }

    [Fact]
    public void Sees_a_standalone_primary_with_16_databases()
    {
        var server = Node.Server;
        Assert.True(server.IsConnected);
        Assert.Equal(ServerType.Standalone, server.ServerType);
        Assert.False(server.IsReplica);
        Assert.Equal(16, server.DatabaseCount);
    }

    [Fact]
    public void Expiry_through_the_client_library()
    {
        var db = Node.Db();
        Assert.True(db.StringSet(K(), "v", TimeSpan.FromSeconds(100)));
        var ttl = db.KeyTimeToLive(K());
        Assert.NotNull(ttl);
        Assert.InRange(ttl!.Value.TotalSeconds, 95, 100);
        Assert.True(db.KeyPersist(K()));
        Assert.Null(db.KeyTimeToLive(K()));
        Assert.True(db.KeyExpire(K(), TimeSpan.FromMilliseconds(50)));
        Eventually.True(() => !db.KeyExists(K()), "key with 50 ms expiry disappears");
    }

    [Fact]
    public void Conditional_sets_through_the_client_library()
    {
        var db = Node.Db();
        Assert.True(db.StringSet(K(), "a", when: When.NotExists));
        Assert.False(db.StringSet(K(), "b", when: When.NotExists));
        Assert.True(db.StringSet(K(), "c", when: When.Exists));
        Assert.False(db.StringSet(K("missing"), "d", when: When.Exists));
        Assert.Equal("c", (string?)db.StringGetSet(K(), "e"));
        Assert.Equal("e", (string?)db.StringGetDelete(K()));
        Assert.False(db.KeyExists(K()));
    }

    [Fact]
    public async Task Counters_and_batches_through_the_client_library()
    {
        var db = Node.Db();
        Assert.Equal(5, db.StringIncrement(K("n"), 5));
        Assert.Equal(3, db.StringDecrement(K("n"), 2));
        Assert.Equal(3.5, db.StringIncrement(K("f"), 3.5));

        var tasks = Enumerable.Range(0, 200).Select(_ => db.StringIncrementAsync(K("c"))).ToArray();
        var results = await Task.WhenAll(tasks);
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), results.Order());
        Assert.Equal(200, (long)db.StringGet(K("c")));
    }

    [Fact]
    public void Server_commands_through_the_client_library()
    {
        var server = Node.Server;
        Assert.True(server.Ping() < TimeSpan.FromSeconds(5));
        var time = server.Time();
        Assert.InRange(time, DateTime.UtcNow.AddSeconds(-5), DateTime.UtcNow.AddSeconds(5));
        var info = server.Info("server");
        Assert.Contains(info, g => g.Key.Equals("Server", StringComparison.OrdinalIgnoreCase));
        var config = server.ConfigGet("maxclients");
        Assert.Equal("maxclients", Assert.Single(config).Key);
        Assert.True(server.CommandCount() > 0);
        Assert.Equal("hi", (string?)Node.Db().Execute("ECHO", "hi"));
    }
}
