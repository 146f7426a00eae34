using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>CLIENT TRACKING on the epoll transport: the invalidations of another client's write, of the client's own
/// write (after its reply) and of a flush arrive as on Kestrel.</summary>
[Collection(EpollCollection.Name)]
public sealed class ClientTrackingEpollTests(EpollNodeFixture node) : E2ETest(node)
{
    [Fact]
    public void Invalidations_arrive_over_epoll()
    {
        using var a = Node.Raw();
        using var b = Node.Raw();
        Assert.StartsWith("%", a.Command("HELLO", "3"));
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "ON"));
        a.Command("GET", K("k"));
        b.Command("SET", K("k"), "v");
        Assert.Equal(Push(K("k")), a.ReadReply());
        a.Command("GET", K("k"));
        Assert.Equal(Resp.Ok + Push(K("k")), a.Command("SET", K("k"), "mine") + a.ReadReply());
        a.Command("GET", K("k"));
        b.Command("DEL", K("k"));
        Assert.Equal(Push(K("k")), a.ReadReply());
        Assert.Equal(Resp.Ok, a.Command("CLIENT", "TRACKING", "OFF"));
    }

    private static string Push(params string[] keys) => ">2\r\n$10\r\ninvalidate\r\n" + Resp.BulkArray(keys);
}

/// <summary>A replica's clients may cache what they read from it: the writes it applies from its primary's stream
/// invalidate their keys, as Redis's replicas do.</summary>
[Collection(CrashCollection.Name)]
public sealed class ClientTrackingReplicaTests
{
    [HyperCacheFact]
    public void A_replica_invalidates_keys_its_primary_writes()
    {
        using var primary = ReplicationNodes.Create();
        primary.Start();
        using var replica = ReplicationNodes.Create("everysec", "--replicaof", $"127.0.0.1 {primary.Port}");
        replica.Start();
        Eventually.True(() => ReplicationNodes.Info(replica, "master_link_status") == "up", "replica linked", ReplicationNodes.Converge);
        using var p = primary.Raw();
        Assert.Equal(Resp.Ok, p.Command("SET", "cached", "1"));
        ReplicationNodes.WaitConverged(primary, replica);

        using var reader = replica.Raw(ReplicationNodes.Converge);
        Assert.StartsWith("%", reader.Command("HELLO", "3"));
        Assert.Equal(Resp.Ok, reader.Command("CLIENT", "TRACKING", "ON"));
        Assert.Equal(Resp.Bulk("1"), reader.Command("GET", "cached"));
        Assert.Equal(Resp.Ok, p.Command("SET", "cached", "2"));
        Assert.Equal(">2\r\n$10\r\ninvalidate\r\n" + Resp.BulkArray("cached"), reader.ReadReply());
        Assert.Equal(Resp.Bulk("2"), reader.Command("GET", "cached"));
        Assert.Equal(Resp.Ok, p.Command("FLUSHALL"));
        Assert.Equal(">2\r\n$10\r\ninvalidate\r\n_\r\n", reader.ReadReply());
    }
}
