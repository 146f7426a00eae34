using System.Text;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// MIGRATE's local delete is a logged DEL: after SIGKILL and restart the source has lost the moved keys (and kept
/// the copied ones), the target still has them, and a replica of the source sees the DEL. While the exchange runs,
/// only the calling connection waits; a key changed meanwhile is kept (HyperCache only: Redis blocks the server).
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class MigrateDurabilityTests
{
    private static string Contents(RawRespClient c, string[] keys) => string.Join("\n", keys.Select(k => DumpRestoreDifferentialTests.Content(c, k)));

    [HyperCacheFact]
    public void Moved_keys_stay_gone_after_SIGKILL_and_the_target_keeps_them()
    {
        using var source = new NodeProcess(appendFsync: "always");
        using var target = new NodeProcess(appendFsync: "always");
        source.Start();
        target.Start();
        string[] keys;
        string contents;
        using (var c = source.Raw())
        {
            keys = MigrateTests.BuildEachType(c, name => "m:" + name, "string", "hash");
            contents = Contents(c, keys);
            c.Command("SET", "copied", "stays");
            Assert.Equal(Resp.Ok, c.Command(["MIGRATE", "127.0.0.1", target.Port.ToString(), "", "0", "5000", "KEYS", .. keys]));
            Assert.Equal(Resp.Ok, c.Command("MIGRATE", "127.0.0.1", target.Port.ToString(), "copied", "0", "5000", "COPY"));
        }
        source.Kill9();
        target.Kill9();
        source.Start();
        target.Start();
        using (var c = source.Raw())
        {
            Assert.Equal(Resp.Int(0), c.Command(["EXISTS", .. keys]));
            Assert.Equal(Resp.Bulk("stays"), c.Command("GET", "copied"));
        }
        using var t = target.Raw();
        Assert.Equal(contents, Contents(t, keys));
        Assert.Equal(Resp.Bulk("stays"), t.Command("GET", "copied"));
        Assert.InRange(long.Parse(t.Command("PTTL", "m:hash")[1..^2]), 1, 100_000);
    }

    [HyperCacheFact]
    public void A_replica_of_the_source_sees_the_delete()
    {
        using var primary = ReplicationNodes.Create();
        using var replica = ReplicationNodes.Create();
        using var target = new NodeProcess(appendFsync: "everysec");
        primary.Start();
        replica.Start();
        target.Start();
        ReplicationNodes.Follow(replica, primary);
        using var c = primary.Raw();
        c.Command("SET", "a", "1");
        c.Command("SET", "b", "2");
        c.Command("SET", "kept", "3");
        ReplicationNodes.WaitConverged(primary, replica);
        Assert.Equal(Resp.Ok, c.Command("MIGRATE", "127.0.0.1", target.Port.ToString(), "", "0", "5000", "KEYS", "a", "b"));
        ReplicationNodes.WaitConverged(primary, replica);
        using var r = replica.Raw();
        Assert.Equal(Resp.BulkArray(null, null, "3"), r.Command("MGET", "a", "b", "kept"));
        Assert.Equal(ReplicationNodes.Digest(primary), ReplicationNodes.Digest(replica));
    }

    [HyperCacheFact]
    public async Task Other_clients_run_during_the_exchange_and_a_key_changed_meanwhile_is_kept()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        var requestSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var slow = new FakeTarget((stream, _, token) =>
        {
            FakeTarget.ReadUntil(stream, "RESTORE", 2);
            requestSeen.TrySetResult();
            release.Task.Wait(TimeSpan.FromSeconds(20), token);
            stream.Write(Encoding.ASCII.GetBytes("+OK\r\n+OK\r\n+OK\r\n")); // SELECT, then each RESTORE
            token.WaitHandle.WaitOne();
        });
        using var migrating = node.Raw(TimeSpan.FromSeconds(30));
        using var other = node.Raw();
        other.Command("SET", "same", "1");
        other.Command("SET", "changed", "before");
        migrating.Send(RawRespClient.Encode("MIGRATE", "127.0.0.1", slow.Port.ToString(), "", "0", "30000", "KEYS", "same", "changed"));
        await requestSeen.Task.WaitAsync(TimeSpan.FromSeconds(20));

        // The node answers others while the MIGRATE waits for its target, writes to the migrating keys included.
        Assert.Equal(Resp.Ok, other.Command("SET", "changed", "after"));
        Assert.Equal(Resp.Bulk("1"), other.Command("GET", "same"));
        Assert.Contains("flags=b", other.Command("CLIENT", "LIST")); // the MIGRATE connection shows blocked
        Assert.Equal(Resp.Int(0), other.Command("CLIENT", "UNBLOCK", ClientId(other, "cmd=migrate"))); // not a blocked command

        release.TrySetResult();
        Assert.Equal(Resp.Err("ERR MIGRATE kept 1 key(s) here that changed during the transfer (the target holds the value sent)"), migrating.ReadReply());
        Assert.Equal(Resp.BulkArray(null, "after"), other.Command("MGET", "same", "changed"));
    }

    private static string ClientId(RawRespClient c, string marker)
    {
        var line = ((string)Resp.Parse(c.Command("CLIENT", "LIST"))!).Split('\n').First(l => l.Contains(marker));
        return line.Split(' ')[0]["id=".Length..];
    }
}
