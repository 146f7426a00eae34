using HyperCache.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static HyperCache.EndToEnd.Tests.Infrastructure.ReplicationNodes;

namespace HyperCache.EndToEnd.Tests;

/// <summary>A replica ignores its own maxmemory, as Redis's (replica-ignore-maxmemory yes): its primary's evictions
/// reach it as deletes, and evicting by itself would drop keys the primary keeps (before the fix a replica with a
/// 2 MB limit kept 6 k of 63 k keys).</summary>
[Collection(CrashCollection.Name)]
public sealed class ReplicaMaxmemoryTests(ITestOutputHelper output)
{
    [HyperCacheFact]
    public void A_replica_over_its_maxmemory_keeps_every_key_its_primary_has()
    {
        using var primary = Create();
        primary.Start();
        using var replica = Create();
        try
        {
            replica.Start();
            Follow(replica, primary);
            using var r = replica.Raw();
            Assert.Equal(Resp.Ok, r.Command("CONFIG", "SET", "maxmemory", "1mb", "maxmemory-policy", "allkeys-lru"));
            using var p = primary.Raw();
            string value = new('v', 200);
            var batch = new System.Text.StringBuilder();
            for (int i = 0; i < 20_000; i++) batch.Append(RawRespClient.Encode("SET", "k" + i, value));
            p.Send(batch.ToString());
            for (int i = 0; i < 20_000; i++) Assert.Equal(Resp.Ok, p.ReadReply());
            WaitConverged(primary, replica); // equal digests: nothing evicted on the replica alone
            Assert.Equal(Resp.Int(20_000), r.Command("DBSIZE"));
            Assert.Contains("evicted_keys:0\r\n", r.Command("INFO", "stats"));
            Assert.Equal(Resp.Bulk(value), r.Command("GET", "k0"));
        }
        finally
        {
            output.WriteLine(primary.LogTail(20));
            output.WriteLine(replica.LogTail(20));
        }
    }
}
