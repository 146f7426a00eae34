using HyperCache.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static HyperCache.EndToEnd.Tests.Infrastructure.ReplicationNodes;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// The log-shipping stream end to end: values bigger than a log page (logged in fragments, joined by the primary's
/// tail reader, shipped whole) and bursts of pipelined writes (batches of a megabyte and more, read by the
/// replica into one reused buffer) reach the replica intact, in order, while it keeps up.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class ReplicationStreamTests(ITestOutputHelper output)
{
    [HyperCacheFact]
    public void BigValuesAndPipelinedBursts_ReachTheReplicaIntact()
    {
        using var primary = Create();
        primary.Start();
        using var replica = Create("everysec", "--replicaof", $"127.0.0.1 {primary.Port}");
        try
        {
            replica.Start();
            Eventually.True(() => Info(replica, "master_link_status") == "up", "replica linked", Converge);
            string big = string.Concat(Enumerable.Range(0, 6 << 20).Select(i => (char)('a' + i % 26)));
            using var c = primary.Raw();
            Assert.Equal("+OK\r\n", c.Command("SET", "big:1", big)); // 6 MB: more than one 4 MB log page
            for (int burst = 0; burst < 4; burst++)
            {
                // 5000 pipelined SETs of 300 bytes per burst: about 1.6 MB of log, more than one batch.
                var pipeline = new System.Text.StringBuilder();
                for (int i = 0; i < 5000; i++)
                    pipeline.Append(RawRespClient.Encode("SET", $"k:{burst}:{i}", new string((char)('A' + burst), 300) + i));
                c.Send(pipeline.ToString());
                for (int i = 0; i < 5000; i++) Assert.Equal("+OK\r\n", c.ReadReply());
                if (burst == 1) Assert.Equal("+OK\r\n", c.Command("SET", "big:2", big[1..] + "!"));
            }
            WaitConverged(primary, replica);
            using var r = replica.Raw();
            Assert.Equal(Resp.Bulk(big[1..] + "!"), r.Command("GET", "big:2"));
            Assert.Equal(":20002\r\n", r.Command("DBSIZE"));
            Assert.Equal(1, InfoLong(replica, "replica_full_syncs")); // the first link only: the stream never broke
        }
        finally
        {
            output.WriteLine(primary.LogTail(20));
            output.WriteLine(replica.LogTail(20));
        }
    }
}
