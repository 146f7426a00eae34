using System.Collections.Concurrent;
using System.Net.Sockets;
using HyperCache.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static HyperCache.EndToEnd.Tests.Infrastructure.ReplicationNodes;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// Log-shipping replication between real node processes on loopback: replicas converge to the primary's exact
/// state (DEBUG DIGEST), resume after a crash without a full sync, get a snapshot when the primary compacted past
/// them, and under the sync strategy a promoted replica holds every write the old primary acknowledged.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class ReplicationTests(ITestOutputHelper output)
{
    /// <summary>A mixed workload over every type, MULTI/EXEC and TTLs; stops on a broken connection.</summary>
    internal static int Workload(int port, int seed, int ops, Func<bool>? stop = null)
    {
        var rng = new Random(seed);
        int done = 0;
        try
        {
            using var c = new RawRespClient(port);
            for (int i = 0; i < ops && !(stop?.Invoke() ?? false); i++)
            {
                string k = $"s{seed}:{rng.Next(40)}";
                switch (rng.Next(17))
                {
                    case 0: c.Command("SET", "str:" + k, "v" + i); break;
                    case 1: c.Command("INCRBY", "ctr:" + k, rng.Next(1, 9).ToString()); break;
                    case 2: c.Command("RPUSH", "list:" + k, "a" + i, "b" + i); break;
                    case 3: c.Command("LPOP", "list:" + k); break;
                    case 4: c.Command("HSET", "hash:" + k, "f" + rng.Next(10), "v" + i); break;
                    case 5: c.Command("SADD", "set:" + k, "m" + rng.Next(20)); break;
                    case 6: c.Command("SPOP", "set:" + k); break;
                    case 7: c.Command("ZADD", "zset:" + k, rng.Next(100).ToString(), "m" + rng.Next(20)); break;
                    case 8: c.Command("ZINCRBY", "zset:" + k, "1.5", "m" + rng.Next(20)); break;
                    case 9:
                        c.Send(RawRespClient.Encode("MULTI") + RawRespClient.Encode("SET", "tx:" + k, "t" + i) +
                               RawRespClient.Encode("LPUSH", "list:" + k, "tx" + i) + RawRespClient.Encode("HINCRBY", "hash:" + k, "n", "1") +
                               RawRespClient.Encode("EXEC"));
                        for (int r = 0; r < 5; r++) c.ReadReply();
                        break;
                    case 10: c.Command("EXPIRE", "str:" + k, "1000"); break;
                    case 11: c.Command("SETBIT", "bits:" + k, rng.Next(4000).ToString(), rng.Next(2).ToString()); break;
                    case 12: c.Command("BITFIELD", "bits:" + k, "INCRBY", "u8", rng.Next(600).ToString(), "7"); break;
                    case 13: // a BITOP is logged as the operation: every node computes it from its own sources
                        c.Command("BITOP", rng.Next(2) == 0 ? "XOR" : "OR", "bop:" + k, "bits:" + k, $"bits:s{seed}:{rng.Next(40)}", "bop:" + k);
                        break;
                    case 14: // set and sorted-set stores too: sources read where they are, on every node
                        c.Command(rng.Next(2) == 0 ? "SUNIONSTORE" : "SINTERSTORE", "sst:" + k, "set:" + k, $"set:s{seed}:{rng.Next(40)}");
                        break;
                    case 15:
                        c.Command("ZUNIONSTORE", "zst:" + k, "2", "zset:" + k, $"set:s{seed}:{rng.Next(40)}", "WEIGHTS", "1.5", "2", "AGGREGATE", rng.Next(2) == 0 ? "SUM" : "MAX");
                        break;
                    default: c.Command("DEL", "list:" + k, "tmp:" + k); break;
                }
                done++;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or TimeoutException)
        {
        }
        return done;
    }

    [HyperCacheFact]
    public void ThreeNodes_MixedWorkload_AllDigestsEqual()
    {
        using var primary = Create();
        primary.Start();
        using var one = Create("everysec", "--replicaof", $"127.0.0.1 {primary.Port}");
        using var two = Create();
        try
        {
            one.Start();
            two.Start();
            Follow(two, primary);
            Eventually.True(() => InfoLong(primary, "connected_slaves") == 2, "two replicas connected", Converge);
            var writers = Enumerable.Range(1, 3).Select(s => Task.Run(() => Workload(primary.Port, s, 600))).ToArray();
            Task.WaitAll(writers);
            using (var pc = primary.Raw()) Assert.Equal(Resp.Ok, pc.Command("DEBUG", "POPULATE", "100", "populated")); // logged, so replicated
            WaitConverged(primary, one, two);

            using var r = one.Raw();
            Assert.Equal(Resp.Err("READONLY You can't write against a read only replica."), r.Command("SET", "x", "y"));
            Assert.Equal(Resp.Err("READONLY You can't write against a read only replica."), r.Command("DEBUG", "POPULATE", "1"));
            Assert.Equal(Resp.Bulk("value:99"), r.Command("GET", "populated:99"));
            using (var http = new HttpClient())
            {
                var put = http.PutAsync($"{one.HttpBase}/api/cache/x", new StringContent("{\"value\":\"y\"}", System.Text.Encoding.UTF8, "application/json")).Result;
                Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, put.StatusCode);
                Assert.Contains("read_only_replica", put.Content.ReadAsStringAsync().Result);
            }
            Assert.Equal("slave", Info(one, "role"));
            Assert.Equal("up", Info(one, "master_link_status"));
            Assert.Equal(primary.Port.ToString(), Info(two, "master_port"));
            using (var t = two.Raw())
                Assert.Equal(Resp.BulkArray("replicaof", $"127.0.0.1 {primary.Port}"), t.Command("CONFIG", "GET", "replicaof"));
            Assert.Equal(Info(primary, "master_replid"), Info(two, "master_replid"));
            Assert.StartsWith("ip=127.0.0.1,port=", Info(primary, "slave0"));
            using var p = primary.Raw();
            p.Command("SET", "waited", "1");
            Assert.Equal(Resp.Int(2), p.Command("WAIT", "2", "5000"));
            Assert.StartsWith("*3\r\n$6\r\nmaster\r\n", p.Command("ROLE"));
            using var scraper = new HttpClient();
            var metrics = scraper.GetStringAsync($"{primary.HttpBase}/metrics").Result;
            Assert.Contains("hypercache_replication_connected_replicas 2", metrics);
            Assert.Contains("hypercache_replication_full_syncs_total 2", metrics);
            Assert.Contains("hypercache_replication_lag_bytes{replica=\"127.0.0.1:", metrics);
            Assert.Contains("hypercache_replication_lag_entries{replica=\"127.0.0.1:", metrics);
            Assert.Contains("hypercache_replication_link_up 1", scraper.GetStringAsync($"{one.HttpBase}/metrics").Result);

            // Idle, each replica still acknowledges the primary's heartbeats: lag (seconds since its last ack) stays
            // at Redis's 0-1 instead of counting the idle time (it was 17 after 17 idle seconds).
            long idleUntil = Environment.TickCount64 + 4_500;
            while (Environment.TickCount64 < idleUntil)
            {
                foreach (var slave in new[] { "slave0", "slave1" })
                {
                    string line = Info(primary, slave);
                    Assert.True(int.Parse(line[(line.LastIndexOf("lag=", StringComparison.Ordinal) + 4)..]) <= 2, $"{slave}: {line}");
                }
                Thread.Sleep(200); // the sampling interval of a check that must hold throughout, not a wait for a condition
            }
        }
        finally
        {
            output.WriteLine(primary.LogTail(30));
            output.WriteLine(one.LogTail(30));
        }
    }

    [HyperCacheFact]
    public void KilledReplica_ResumesWithoutFullSync_AndConverges()
    {
        using var primary = Create();
        primary.Start();
        using var replica = Create("always", "--replicaof", $"127.0.0.1 {primary.Port}");
        try
        {
            replica.Start();
            Eventually.True(() => Info(replica, "master_link_status") == "up", "replica linked", Converge);
            bool stop = false;
            var writer = Task.Run(() => Workload(primary.Port, 7, 100_000, () => Volatile.Read(ref stop)));
            Eventually.True(() => InfoLong(replica, "slave_repl_offset") > 20_000, "replica streaming", Converge);
            replica.Kill9(); // mid-stream
            long before = InfoLong(primary, "master_repl_offset");
            Eventually.True(() => InfoLong(primary, "master_repl_offset") > before + 20_000, "primary keeps writing", Converge);
            replica.Start();
            Eventually.True(() => Info(replica, "master_link_status") == "up", "replica relinked", Converge);
            Volatile.Write(ref stop, true);
            writer.Wait();
            WaitConverged(primary, replica);
            Assert.Equal(1, InfoLong(primary, "sync_full"));            // only the first connection
            Assert.True(InfoLong(primary, "sync_partial_ok") >= 1);
            Assert.Equal(0, InfoLong(replica, "replica_full_syncs"));   // the restarted process never full-synced
        }
        finally
        {
            output.WriteLine(replica.LogTail(40));
        }
    }

    [HyperCacheFact]
    public void SyncMode_PromotedReplicaHoldsEveryAcknowledgedWrite()
    {
        using var primary = Create("everysec", "--replication-mode", "sync", "--min-acks", "1", "--sync-timeout-ms", "5000");
        primary.Start();
        using var replica = Create("everysec", "--replicaof", $"127.0.0.1 {primary.Port}");
        try
        {
            replica.Start();
            Eventually.True(() => InfoLong(primary, "connected_slaves") == 1, "replica connected", Converge);
            var acked = new ConcurrentBag<string>();
            var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
            {
                try
                {
                    using var c = new RawRespClient(primary.Port);
                    for (int i = 0; ; i++)
                    {
                        string key = $"w{w}:{i}";
                        if (c.Command("SET", key, "v" + i) == Resp.Ok) acked.Add(key);
                    }
                }
                catch (Exception e) when (e is IOException or SocketException or TimeoutException or InvalidDataException)
                {
                }
            })).ToArray();
            Eventually.True(() => acked.Count > 500, "writes acknowledged", Converge);
            primary.Kill9();
            Task.WaitAll(writers);
            using var r = replica.Raw();
            Assert.Equal(Resp.Ok, r.Command("REPLICAOF", "NO", "ONE"));
            Assert.Equal("master", Info(replica, "role"));
            var missing = acked.Where(k => r.Command("EXISTS", k) != Resp.Int(1)).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} of {acked.Count} acknowledged writes missing, e.g. {string.Join(", ", missing.Take(5))}");
            Assert.Equal(Resp.Ok, r.Command("SET", "after-promotion", "1"));

            // The old primary comes back and follows the new one: another history, so a full sync.
            primary.Start();
            using (var old = primary.Raw())
                Assert.Equal(Resp.Ok, old.Command("REPLICAOF", "127.0.0.1", replica.Port.ToString()));
            WaitConverged(replica, primary);
            Assert.Equal("slave", Info(primary, "role"));
        }
        finally
        {
            output.WriteLine(primary.LogTail(20));
            output.WriteLine(replica.LogTail(20));
        }
    }

    [HyperCacheFact]
    public void ReplicaBehindCompaction_GetsSnapshot_AndConverges()
    {
        using var primary = Create();
        primary.Start();
        using var replica = Create("everysec", "--replicaof", $"127.0.0.1 {primary.Port}");
        try
        {
            replica.Start();
            Workload(primary.Port, 11, 300);
            WaitConverged(primary, replica);
            long position = InfoLong(replica, "slave_repl_offset");
            replica.Kill9();
            using (var p = primary.Raw())
            {
                // Two snapshots: the log is truncated below the older one.
                for (int round = 0; round < 2; round++)
                {
                    Workload(primary.Port, 20 + round, 300);
                    Eventually.True(() => p.Command("BGREWRITEAOF").StartsWith('+'), "BGREWRITEAOF started", Converge);
                    Eventually.True(() => PersistenceField(p, "aof_rewrite_in_progress") == "0", "rewrite done", Converge);
                }
                Assert.True(long.Parse(PersistenceField(p, "aof_begin_address")) > position, "the log was truncated past the replica");
            }
            replica.Start();
            WaitConverged(primary, replica);
            Assert.Equal(1, InfoLong(replica, "replica_full_syncs"));
            Assert.Equal(2, InfoLong(primary, "sync_full"));
        }
        finally
        {
            output.WriteLine(primary.LogTail(30));
            output.WriteLine(replica.LogTail(30));
        }
    }

    [HyperCacheFact]
    public void Wait_CountsAcknowledgingReplicas_AndSyncWithoutReplicasRefusesWrites()
    {
        using var sync = Create("everysec", "--replication-mode", "sync", "--min-acks", "1");
        sync.Start();
        using (var c = sync.Raw())
        {
            Assert.Equal(Resp.Err("NOREPLICAS Not enough good replicas to write."), c.Command("SET", "k", "v"));
            Assert.Equal(Resp.Bulk(null), c.Command("GET", "k"));
            Assert.Equal(Resp.Int(0), c.Command("WAIT", "1", "50"));
            Assert.Equal(Resp.Err("ERR timeout is negative"), c.Command("WAIT", "1", "-1"));
        }
        using var primary = Create();
        primary.Start();
        using var replica = Create("everysec", "--replicaof", $"127.0.0.1 {primary.Port}");
        replica.Start();
        Eventually.True(() => InfoLong(primary, "connected_slaves") == 1, "replica connected", Converge);
        using var p = primary.Raw();
        Assert.Equal(Resp.Ok, p.Command("SET", "k", "v"));
        Assert.Equal(Resp.Int(1), p.Command("WAIT", "1", "5000"));
        Assert.Equal(Resp.Int(1), p.Command("WAIT", "2", "100")); // times out with the one it has
        using var r = replica.Raw();
        Assert.Equal(Resp.Bulk("v"), r.Command("GET", "k"));
        Assert.StartsWith("-ERR WAIT cannot be used with replica instances", r.Command("WAIT", "1", "10"));
    }

    [HyperCacheFact]
    public void SyncMode_AcksMissingInTime_RepliesNoReplicas()
    {
        using var primary = Create("everysec", "--replication-mode", "sync", "--min-acks", "1", "--sync-timeout-ms", "1000");
        primary.Start();
        using var replica = Create("everysec", "--replicaof", $"127.0.0.1 {primary.Port}");
        replica.Start();
        Eventually.True(() => InfoLong(primary, "connected_slaves") == 1, "replica connected", Converge);
        using var p = primary.Raw();
        // A loaded machine may miss even 1 s while the new link warms up; once acknowledged, the link is live.
        Eventually.True(() => p.Command("SET", "a", "1") == Resp.Ok, "a write acknowledged by the replica", Converge);
        Signal("STOP", replica.Pid); // connected, but acknowledges nothing
        try
        {
            p.Send(RawRespClient.Encode("SET", "b", "2") + RawRespClient.Encode("GET", "a"));
            Assert.Equal(Resp.Err("NOREPLICAS Not enough good replicas to write."), p.ReadReply());
            Assert.Equal(Resp.Err("NOREPLICAS Not enough good replicas to write."), p.ReadReply()); // the whole batch
        }
        finally
        {
            Signal("CONT", replica.Pid);
        }
        Eventually.True(() => p.Command("SET", "c", "3") == Resp.Ok, "writes acknowledged again", Converge);
        WaitConverged(primary, replica);
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = System.Diagnostics.Process.Start("kill", $"-{signal} {pid}");
        kill.WaitForExit();
    }

    private static string PersistenceField(RawRespClient c, string field)
    {
        var m = System.Text.RegularExpressions.Regex.Match(c.Command("INFO", "persistence"), $"(?m)^{field}:(.*)\r$");
        return m.Success ? m.Groups[1].Value : "";
    }

    [HyperCacheFact]
    public void A_primary_with_requirepass_ships_only_to_a_replica_with_masterauth()
    {
        const string secret = "repl s3cret";
        using var primary = Create();
        primary.Start();
        using var p = primary.Raw();
        Assert.Equal(Resp.Ok, p.Command("CONFIG", "SET", "requirepass", secret));
        Assert.Equal(Resp.Ok, p.Command("AUTH", secret));
        using var stranger = Create("everysec", "--replicaof", $"127.0.0.1 {primary.Port}");
        stranger.Start();
        using var replica = Create("everysec", "--replicaof", $"127.0.0.1 {primary.Port}", "--masterauth", secret);
        replica.Start();

        Assert.Equal(Resp.Ok, p.Command("SET", "k", "v"));
        Eventually.True(() => Info(replica, "master_link_status") == "up", "the replica with masterauth linked", Converge);
        Assert.Equal(Resp.Int(1), p.Command("WAIT", "1", "5000"));
        using (var r = replica.Raw()) Assert.Equal(Resp.Bulk("v"), r.Command("GET", "k"));

        // The one without a password is refused (and says why), and never gets the stream.
        Eventually.True(() => stranger.LogTail(400).Contains("NOAUTH"), "the stranger told NOAUTH", Converge);
        Assert.Equal("down", Info(stranger, "master_link_status"));
        using (var s = stranger.Raw()) Assert.Equal(Resp.Nil, s.Command("GET", "k"));
        using (var rc = replica.Raw()) Assert.Equal(Resp.BulkArray("masterauth", secret), rc.Command("CONFIG", "GET", "masterauth"));
    }

    [HyperCacheFact]
    public void A_replica_with_masteruser_follows_as_that_acl_user()
    {
        using var primary = Create();
        primary.Start();
        using var p = primary.Raw();
        Assert.Equal(Resp.Ok, p.Command("ACL", "SETUSER", "repl", "on", ">repl-pw", "+@all", "~*", "&*"));
        Assert.Equal(Resp.Ok, p.Command("CONFIG", "SET", "requirepass", "admin-pw"));
        Assert.Equal(Resp.Ok, p.Command("AUTH", "admin-pw"));
        using var wrongUser = Create("everysec", "--replicaof", $"127.0.0.1 {primary.Port}", "--masteruser", "nosuch", "--masterauth", "repl-pw");
        wrongUser.Start();
        using var replica = Create("everysec", "--replicaof", $"127.0.0.1 {primary.Port}", "--masteruser", "repl", "--masterauth", "repl-pw");
        replica.Start();

        Assert.Equal(Resp.Ok, p.Command("SET", "k", "v"));
        Eventually.True(() => Info(replica, "master_link_status") == "up", "the replica with masteruser linked", Converge);
        Assert.Equal(Resp.Int(1), p.Command("WAIT", "1", "5000"));
        using (var r = replica.Raw()) Assert.Equal(Resp.Bulk("v"), r.Command("GET", "k"));
        using (var rc = replica.Raw()) Assert.Equal(Resp.BulkArray("masteruser", "repl"), rc.Command("CONFIG", "GET", "masteruser"));

        Eventually.True(() => wrongUser.LogTail(400).Contains("WRONGPASS"), "the replica with an unknown user was refused", Converge);
        Assert.Equal("down", Info(wrongUser, "master_link_status"));
    }
}
