using System.Text;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// MIGRATE waits for its target as a blocked command does, on both RESP transports: the node serves other
/// clients meanwhile, and the commands pipelined behind MIGRATE on its connection are answered after it, in order.
/// HyperCache only (redis-server blocks while it migrates).
/// </summary>
public abstract class MigrateTransportTests(NodeFixture node) : E2ETest(node)
{
    [HyperCacheFact]
    public async Task Other_clients_are_served_while_migrate_waits_and_the_pipeline_keeps_its_order()
    {
        var requestSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var slow = new FakeTarget((stream, _, token) =>
        {
            FakeTarget.ReadUntil(stream, "RESTORE", 1);
            requestSeen.TrySetResult();
            release.Task.Wait(TimeSpan.FromSeconds(20), token);
            stream.Write(Encoding.ASCII.GetBytes("+OK\r\n+OK\r\n")); // SELECT, RESTORE
            token.WaitHandle.WaitOne();
        });
        Cmd("SET", K(), "v");
        using var migrating = Node.Raw(TimeSpan.FromSeconds(30));
        migrating.Send(RawRespClient.Encode("MIGRATE", "127.0.0.1", slow.Port.ToString(), K(), "0", "30000")
            + RawRespClient.Encode("EXISTS", K()));
        await requestSeen.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Expect(Resp.Simple("PONG"), "PING");
        Expect(Resp.Bulk("v"), "GET", K());
        Assert.True(migrating.NothingReceived);
        release.TrySetResult();
        Assert.Equal(Resp.Ok, migrating.ReadReply());
        Assert.Equal(Resp.Int(0), migrating.ReadReply());
    }
}

[Collection(SocketsCollection.Name)]
public sealed class MigrateSocketsTransportTests(SocketsNodeFixture node) : MigrateTransportTests(node);

[Collection(EpollCollection.Name)]
public sealed class MigrateEpollTransportTests(EpollNodeFixture node) : MigrateTransportTests(node);
