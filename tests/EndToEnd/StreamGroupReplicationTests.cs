using HyperCache.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static HyperCache.EndToEnd.Tests.Infrastructure.ReplicationNodes;

namespace HyperCache.EndToEnd.Tests;

/// <summary>Consumer groups reach a replica: those made before it linked through the full sync's snapshot, later
/// reads, acks and claims through the log; the replica's state equals the primary's (DEBUG DIGEST covers groups,
/// delivery and seen times included) and it refuses the group writes as a read-only replica (XGROUP HELP is no write).</summary>
[Collection(CrashCollection.Name)]
public sealed class StreamGroupReplicationTests(ITestOutputHelper output)
{
    [HyperCacheFact]
    public void Groups_reach_a_replica_by_full_sync_and_by_the_log()
    {
        using var primary = Create();
        primary.Start();
        using var replica = Create();
        try
        {
            using var p = primary.Raw();
            for (int i = 1; i <= 20; i++) p.Command("XADD", "s", $"{i}-1", "n", i.ToString());
            Assert.Equal(Resp.Ok, p.Command("XGROUP", "CREATE", "s", "g", "0"));
            p.Command("XREADGROUP", "GROUP", "g", "a", "COUNT", "8", "STREAMS", "s", ">");
            p.Command("XACK", "s", "g", "1-1");
            // With a snapshot in its data directory the primary full-syncs from a fresh snapshot, not its whole log.
            Assert.Equal(Resp.Ok, p.Command("SAVE"));

            replica.Start();
            Follow(replica, primary);
            WaitConverged(primary, replica);

            p.Command("XREADGROUP", "GROUP", "g", "b", "STREAMS", "s", ">");
            p.Command("XCLAIM", "s", "g", "c", "0", "2-1", "3-1");
            p.Command("XAUTOCLAIM", "s", "g", "d", "0", "10-1", "COUNT", "3");
            p.Command("XGROUP", "CREATE", "s", "h", "$");
            p.Command("XGROUP", "DELCONSUMER", "s", "g", "a");
            WaitConverged(primary, replica);

            using var r = replica.Raw();
            Assert.Equal(p.Command("XINFO", "GROUPS", "s"), r.Command("XINFO", "GROUPS", "s"));
            Assert.Equal(p.Command("XPENDING", "s", "g"), r.Command("XPENDING", "s", "g"));
            Assert.Contains("$1\r\nd\r\n", r.Command("XPENDING", "s", "g"));
            const string readOnly = "-READONLY You can't write against a read only replica.\r\n";
            Assert.Equal(readOnly, r.Command("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"));
            Assert.Equal(readOnly, r.Command("XGROUP", "CREATE", "s", "x", "0"));
            Assert.Equal(readOnly, r.Command("XACK", "s", "g", "2-1"));
            Assert.Equal(readOnly, r.Command("XGROUP", "DESTROY", "s", "g"));
            // Each XGROUP subcommand has its own flags, as in Redis: HELP is no write, so a replica answers it.
            Assert.Equal(p.Command("XGROUP", "HELP"), r.Command("XGROUP", "HELP"));
            Assert.StartsWith("*", r.Command("XINFO", "HELP"));
        }
        finally
        {
            output.WriteLine(primary.LogTail(20));
            output.WriteLine(replica.LogTail(20));
        }
    }
}
