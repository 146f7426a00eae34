using HyperCache.EndToEnd.Tests.Infrastructure;
using StackExchange.Redis;

namespace HyperCache.EndToEnd.Tests;

/// <summary>StackExchange.Redis, as an ordinary application would use it, against the server.</summary>
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
}
