using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;
using static HyperCache.EndToEnd.Tests.Infrastructure.ReplicationNodes;

namespace HyperCache.EndToEnd.Tests;

/// <summary>The failover recipe: CLIENT PAUSE WRITE on a primary under write load, then its replica catches up to
/// its offset (WAIT answers, the digests match) while new writes wait; UNPAUSE lets them through.</summary>
[Collection(CrashCollection.Name)]
public sealed class ClientPauseReplicationTests
{
    [HyperCacheFact]
    public void A_paused_primary_s_replica_reaches_its_offset()
    {
        using var primary = Create();
        primary.Start();
        using var replica = Create("everysec", "--replicaof", $"127.0.0.1 {primary.Port}");
        replica.Start();
        Eventually.True(() => InfoLong(primary, "connected_slaves") == 1, "replica connected", Converge);

        using var writer = primary.Raw();
        var load = new System.Text.StringBuilder();
        for (int i = 0; i < 2000; i++) load.Append(RawRespClient.Encode("SET", $"k{i % 50}", $"v{i}"));
        writer.Send(load.ToString()); // a pipeline: part of it may run before the pause, the rest after

        using var admin = primary.Raw();
        Assert.Equal(Resp.Ok, admin.Command("CLIENT", "PAUSE", "100000", "WRITE"));
        Assert.Equal(Resp.Int(1), admin.Command("WAIT", "1", "20000"));
        Eventually.True(() => InfoLong(replica, "slave_repl_offset") == InfoLong(primary, "master_repl_offset"),
            "the replica's offset reaches the paused primary's", Converge);
        Assert.Equal(Digest(primary), Digest(replica));
        string offset = Info(primary, "master_repl_offset");

        using var late = primary.Raw();
        string id = ((long)Resp.Parse(late.Command("CLIENT", "ID"))!).ToString();
        late.Send(RawRespClient.Encode("SET", "late", "1"));
        Eventually.True(() => Regex.IsMatch((string)Resp.Parse(admin.Command("CLIENT", "LIST"))!, $@"(?m)^id={id} .* flags=\w*b"), "the late write waits");
        Assert.Equal(offset, Info(primary, "master_repl_offset"));

        Assert.Equal(Resp.Ok, admin.Command("CLIENT", "UNPAUSE"));
        Assert.Equal(Resp.Ok, late.ReadReply());
        for (int i = 0; i < 2000; i++) Assert.Equal(Resp.Ok, writer.ReadReply());
        Assert.Equal(Resp.Int(1), late.Command("WAIT", "1", "20000"));
        WaitConverged(primary, replica);
    }
}
