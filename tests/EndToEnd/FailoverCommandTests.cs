using System.Diagnostics;
using HyperCache.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static HyperCache.EndToEnd.Tests.Infrastructure.ReplicationNodes;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// FAILOVER, Redis 7.0's coordinated failover: writes paused, a replica catches up and takes over, the old primary
/// follows it without a full sync, and the writes held meanwhile meet a replica (READONLY). A replica that cannot
/// catch up (SIGSTOPped here) ends it by TIMEOUT or ABORT with nothing changed and the held writes served.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class FailoverCommandTests(ITestOutputHelper output, RedisReference redis) : IClassFixture<RedisReference>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static void Signal(NodeProcess node, string signal) => Process.Start("kill", $"-{signal} {node.Pid}")!.WaitForExit();

    private (NodeProcess Primary, NodeProcess Replica) Pair()
    {
        var primary = Create();
        var replica = Create();
        primary.Start();
        replica.Start();
        Follow(replica, primary);
        Eventually.True(() => InfoLong(primary, "connected_slaves") == 1, "the replica connected", Converge);
        return (primary, replica);
    }

    [HyperCacheFact]
    public void The_replica_takes_over_and_the_old_primary_follows_it_without_a_full_sync()
    {
        var (primary, replica) = Pair();
        using var _p = primary;
        using var _r = replica;
        try
        {
            Task.WaitAll(Enumerable.Range(0, 2).Select(w => Task.Run(() => ReplicationTests.Workload(primary.Port, 70 + w, 300))).ToArray());
            using (var c = primary.Raw())
            {
                Assert.Equal(Resp.Ok, c.Command("SET", "acknowledged", "before"));
                Assert.Equal(Resp.Ok, c.Command("FAILOVER"));
            }
            Eventually.True(() => Info(primary, "role") == "slave" && Info(replica, "role") == "master", "the roles swapped", Deadline);
            Assert.Equal(replica.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), Info(primary, "master_port"));
            Assert.Equal("no-failover", Info(replica, "master_failover_state"));
            Eventually.True(() => Info(primary, "master_link_status") == "up", "the old primary follows", Deadline);

            using (var c = replica.Raw())
            {
                Assert.Equal(Resp.Bulk("before"), c.Command("GET", "acknowledged"));
                Assert.Equal(Resp.Ok, c.Command("SET", "after", "failover"));
                Assert.Equal(Resp.Int(1), c.Command("WAIT", "1", "20000"));
            }
            WaitConverged(replica, primary);
            Assert.Equal("0", Info(replica, "sync_full"));       // the old primary continued (PSYNC2), no full sync
            Assert.Equal("1", Info(replica, "sync_partial_ok"));
            using (var c = primary.Raw())
            {
                Assert.Equal(Resp.Bulk("failover"), c.Command("GET", "after"));
                Assert.Equal(Resp.Err("READONLY You can't write against a read only replica."), c.Command("SET", "x", "1"));
                Assert.Equal(Resp.BulkArray("replicaof", $"127.0.0.1 {replica.Port}"), c.Command("CONFIG", "GET", "replicaof"));
                Assert.Equal(Resp.Err("ERR FAILOVER is not valid when server is a replica."), c.Command("FAILOVER"));
            }
        }
        finally
        {
            output.WriteLine(primary.LogTail(30));
            output.WriteLine(replica.LogTail(30));
        }
    }

    [HyperCacheFact]
    public void Writes_wait_while_it_waits_for_a_replica_and_go_on_at_the_primary_after_a_timeout_or_an_abort()
    {
        var (primary, replica) = Pair();
        using var _p = primary;
        using var _r = replica;
        try
        {
            using var c = primary.Raw(TimeSpan.FromSeconds(30));
            Signal(replica, "STOP");
            Assert.Equal(Resp.Ok, c.Command("SET", "k", "ahead of the stopped replica"));
            Assert.Equal(Resp.Err("ERR FAILOVER with force option requires both a timeout and target HOST and IP."), c.Command("FAILOVER", "FORCE"));
            Assert.Equal(Resp.Err($"ERR FAILOVER target HOST and PORT is not a replica."), c.Command("FAILOVER", "TO", "127.0.0.1", "1"));

            // TIMEOUT: a write waits, then runs at the primary once the failover gave up
            Assert.Equal(Resp.Ok, c.Command("FAILOVER", "TIMEOUT", "800"));
            Assert.Equal("waiting-for-sync", Info(primary, "master_failover_state"));
            Assert.Equal(Resp.Err("ERR FAILOVER already in progress."), c.Command("FAILOVER"));
            using (var writer = primary.Raw(TimeSpan.FromSeconds(30)))
            {
                var clock = Stopwatch.StartNew();
                Assert.Equal(Resp.Ok, writer.Command("SET", "held", "1"));
                Assert.True(clock.ElapsedMilliseconds >= 300, $"the write waited for the failover's timeout ({clock.ElapsedMilliseconds} ms)");
            }
            Assert.Equal("no-failover", Info(primary, "master_failover_state"));
            Assert.Equal("master", Info(primary, "role"));

            // ABORT: the same, ended by hand. CLIENT UNPAUSE does not lift a failover's pause (Redis keeps them apart):
            // the write stays held through it for as long as we look, and a client's own pause outlives the failover.
            Assert.Equal(Resp.Ok, c.Command("FAILOVER"));
            using (var writer = primary.Raw(TimeSpan.FromSeconds(30)))
            {
                writer.Send(RawRespClient.Encode("SET", "held", "2"));
                Eventually.True(() => InfoField(primary, "clients", "blocked_clients") == "1", "the write is held", Deadline);
                Assert.Equal(Resp.Ok, c.Command("CLIENT", "UNPAUSE"));
                var watch = Stopwatch.StartNew();
                while (watch.ElapsedMilliseconds < 500)
                {
                    Assert.Equal(Resp.Bulk("1"), c.Command("GET", "held"));
                    Assert.True(writer.NothingReceived, "the write ran after CLIENT UNPAUSE during a failover");
                }
                Assert.Equal(Resp.Ok, c.Command("CLIENT", "PAUSE", "60000", "WRITE"));
                Assert.Equal(Resp.Ok, c.Command("FAILOVER", "ABORT"));
                Eventually.True(() => Info(primary, "master_failover_state") == "no-failover", "the failover ended", Deadline);
                Assert.True(writer.NothingReceived, "the client's pause ended with the failover");
                Assert.Equal(Resp.Ok, c.Command("CLIENT", "UNPAUSE"));
                Assert.Equal(Resp.Ok, writer.ReadReply());
            }
            Eventually.True(() => Info(primary, "master_failover_state") == "no-failover", "the failover ended", Deadline);
            Assert.Equal(Resp.Err("ERR No failover in progress."), c.Command("FAILOVER", "ABORT"));
            Assert.Equal(Resp.Bulk("2"), c.Command("GET", "held"));

            Signal(replica, "CONT");
            WaitConverged(primary, replica);
            Assert.Equal("slave", Info(replica, "role"));
        }
        finally
        {
            Signal(replica, "CONT");
            output.WriteLine(primary.LogTail(30));
        }
    }

    private static string InfoField(NodeProcess node, string section, string field)
    {
        using var c = node.Raw();
        var m = System.Text.RegularExpressions.Regex.Match(c.Command("INFO", section), $"(?m)^{field}:(.*)\r$");
        return m.Success ? m.Groups[1].Value : "";
    }

    [RedisServerFact]
    public void Argument_errors_reply_as_redis_7_0_15_on_a_primary_without_replicas()
    {
        using var ours = new NodeProcess();
        ours.Start();
        using var o = ours.Raw();
        using var r = redis.Server.Raw();
        foreach (var line in new[]
        {
            new[] { "FAILOVER", "ABORT" }, ["FAILOVER"], ["FAILOVER", "TO", "127.0.0.1", "1", "FORCE"], ["FAILOVER", "TIMEOUT", "0"],
            ["FAILOVER", "TIMEOUT", "-1"], ["FAILOVER", "TIMEOUT", "x"], ["FAILOVER", "TO", "x"], ["FAILOVER", "TO", "x", "y"],
            ["FAILOVER", "NOSUCH"], ["FAILOVER", "TIMEOUT", "10", "ABORT"], ["FAILOVER", "FORCE", "FORCE"],
        })
            Assert.Equal(r.Command(line), o.Command(line));
    }
}
