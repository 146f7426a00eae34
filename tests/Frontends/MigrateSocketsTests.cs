using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using HyperCache.Frontends.Resp;

namespace HyperCache.Frontends.Tests;

/// <summary>MIGRATE's socket cache: one connection per target, taken out while used, bounded, closed when idle.</summary>
public sealed class MigrateSocketsTests : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public MigrateSocketsTests() => _listener.Start(128);

    /// <summary>A connected socket (the listener's backlog accepts it; nothing reads it).</summary>
    private MigrateConnection Connect()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Connect((IPEndPoint)_listener.LocalEndpoint);
        return new MigrateConnection(socket);
    }

    private static bool Closed(MigrateConnection c) => c.Socket.SafeHandle.IsClosed;

    [Fact]
    public void A_returned_connection_is_taken_again_once_and_a_second_for_the_same_target_is_closed()
    {
        using var cache = new MigrateSockets();
        Assert.Null(cache.Take("h:1"));
        var first = Connect();
        var second = Connect();
        cache.Return("h:1", first);
        cache.Return("h:1", second); // one per target: the later one goes
        Assert.True(Closed(second));
        Assert.Same(first, cache.Take("h:1"));
        Assert.Null(cache.Take("h:1")); // taken out while in use
        Assert.False(Closed(first));
        first.Dispose();
    }

    [Fact]
    public void The_cache_holds_at_most_64_connections()
    {
        using var cache = new MigrateSockets();
        var all = Enumerable.Range(0, MigrateSockets.MaxItems + 1).Select(_ => Connect()).ToList();
        for (int i = 0; i < all.Count; i++) cache.Return("h:" + i, all[i]);
        Assert.Equal(MigrateSockets.MaxItems, cache.Count);
        Assert.Equal(1, all.Count(Closed)); // one dropped to make room
        Assert.False(Closed(all[^1]));
    }

    [Fact]
    public void Idle_connections_are_closed_and_dispose_closes_the_rest()
    {
        using (var cache = new MigrateSockets(idleMs: 50))
        {
            var idle = Connect();
            cache.Return("h:1", idle);
            var clock = Stopwatch.StartNew();
            while ((cache.Count > 0 || !Closed(idle)) && clock.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(10); // polling, with a deadline
            Assert.Equal(0, cache.Count);
            Assert.True(Closed(idle));
        }
        var cacheToDispose = new MigrateSockets();
        var kept = Connect();
        cacheToDispose.Return("h:2", kept);
        cacheToDispose.Dispose();
        Assert.True(Closed(kept));
        var late = Connect();
        cacheToDispose.Return("h:3", late); // a MIGRATE ending after shutdown
        Assert.True(Closed(late));
    }

    public void Dispose() => _listener.Stop();
}
