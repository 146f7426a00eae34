using HyperCache.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static HyperCache.EndToEnd.Tests.Infrastructure.ReplicationNodes;

namespace HyperCache.EndToEnd.Tests;

/// <summary>As Redis propagates PUBLISH to its replicas, a replica's subscribers hear what is published on its
/// primary: channels, patterns and shard channels, from a transaction and a script too, each message after the writes
/// made before it (a reader of the replica that got the message sees them). PUBLISH on a replica reaches that
/// replica's subscribers only.</summary>
[Collection(CrashCollection.Name)]
public sealed class PubSubReplicationTests(ITestOutputHelper output)
{
    private static string Message(string channel, string payload) => Resp.BulkArray("message", channel, payload);

    [HyperCacheFact]
    public void A_replica_subscriber_hears_the_primary_publish_in_order_with_its_writes()
    {
        using var primary = Create();
        primary.Start();
        using var replica = Create();
        try
        {
            replica.Start();
            Follow(replica, primary);
            using var p = primary.Raw();
            p.Command("SET", "k", "0");
            WaitConverged(primary, replica);

            using var sub = replica.Raw(TimeSpan.FromSeconds(20));
            Assert.Equal(Resp.Array(Resp.Bulk("subscribe"), Resp.Bulk("ch"), Resp.Int(1)), sub.Command("SUBSCRIBE", "ch"));
            Assert.Equal(Resp.Array(Resp.Bulk("psubscribe"), Resp.Bulk("p*"), Resp.Int(2)), sub.Command("PSUBSCRIBE", "p*"));
            Assert.Equal(Resp.Array(Resp.Bulk("ssubscribe"), Resp.Bulk("sch"), Resp.Int(1)), sub.Command("SSUBSCRIBE", "sch"));
            using var reader = replica.Raw();

            Assert.Equal(Resp.Ok, p.Command("SET", "k", "1"));
            Assert.Equal(Resp.Int(0), p.Command("PUBLISH", "ch", "m1")); // the primary's own subscribers: none
            Assert.Equal(Message("ch", "m1"), sub.ReadReply());
            Assert.Equal(Resp.Bulk("1"), reader.Command("GET", "k"));

            Assert.Equal(Resp.Int(0), p.Command("PUBLISH", "pq", "m2"));
            Assert.Equal(Resp.BulkArray("pmessage", "p*", "pq", "m2"), sub.ReadReply());
            Assert.Equal(Resp.Int(0), p.Command("SPUBLISH", "sch", "m3"));
            Assert.Equal(Resp.BulkArray("smessage", "sch", "m3"), sub.ReadReply());

            Assert.Equal(Resp.Ok, p.Command("MULTI"));
            p.Command("SET", "k", "2");
            p.Command("PUBLISH", "ch", "m4");
            Assert.StartsWith("*2\r\n", p.Command("EXEC"));
            Assert.Equal(Message("ch", "m4"), sub.ReadReply());
            Assert.Equal(Resp.Bulk("2"), reader.Command("GET", "k"));

            Assert.Equal(Resp.Int(0), p.Command("EVAL", "redis.call('SET', KEYS[1], '3') return redis.call('PUBLISH', 'ch', 'm5')", "1", "k"));
            Assert.Equal(Message("ch", "m5"), sub.ReadReply());
            Assert.Equal(Resp.Bulk("3"), reader.Command("GET", "k"));

            // PUBLISH on the replica: its own subscriber hears it; the primary's log gets nothing from it.
            Assert.Equal(Resp.Int(1), reader.Command("PUBLISH", "ch", "local"));
            Assert.Equal(Message("ch", "local"), sub.ReadReply());
            Assert.True(sub.NothingReceived);
            WaitConverged(primary, replica);
        }
        finally
        {
            output.WriteLine(primary.LogTail(20));
            output.WriteLine(replica.LogTail(20));
        }
    }
}
