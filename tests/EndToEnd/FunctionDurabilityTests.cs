using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static HyperCache.EndToEnd.Tests.Infrastructure.ReplicationNodes;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// Function libraries are data: FUNCTION LOAD, DELETE, FLUSH and RESTORE are log entries, snapshots carry the
/// libraries, and replicas get them by full sync and by the stream. A restart after SIGKILL (from the log alone, and
/// from a snapshot plus its tail) and a replica end with the same libraries, the same FCALL results and the same
/// DEBUG DIGEST (which covers the libraries).
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class FunctionDurabilityTests(ITestOutputHelper output)
{
    private static string Library(string name, string function, int value, bool noWrites = true) =>
        $"#!lua name={name}\nredis.register_function{{function_name='{function}', callback=function(keys, args) return {value} end{(noWrites ? ", flags={'no-writes'}" : "")}}}";

    /// <summary>Writes its argument to its key: its effects are logged as EVAL's are.</summary>
    private const string Writer = "#!lua name=writer\nredis.register_function('put', function(keys, args) redis.call('set', keys[1], args[1]) return redis.call('incr', keys[2]) end)";

    private static void Load(RawRespClient c, params string[] codes)
    {
        foreach (var code in codes) Assert.StartsWith("$", c.Command("FUNCTION", "LOAD", code));
    }

    private static string Snapshot(NodeProcess node)
    {
        using var c = node.Raw();
        return c.Command("FUNCTION", "LIST", "WITHCODE") + c.Command("DEBUG", "DIGEST");
    }

    private static string InfoPersistence(NodeProcess node, string field)
    {
        using var c = node.Raw();
        var m = Regex.Match(c.Command("INFO", "persistence"), $"(?m)^{Regex.Escape(field)}:(.*)\r$");
        return m.Success ? m.Groups[1].Value : "";
    }

    [HyperCacheFact]
    public void Functions_survive_sigkill_and_restart_from_the_log()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        try
        {
            using (var c = node.Raw())
            {
                Load(c, Library("a", "fa", 1), Library("b", "fb", 2), Writer);
                Assert.Equal(Resp.Int(1), c.Command("FCALL", "put", "2", "fk", "fn", "v1"));
                Assert.Equal(Resp.Int(2), c.Command("FCALL", "put", "2", "fk", "fn", "v2"));
                Assert.Equal(Resp.Ok, c.Command("FUNCTION", "DELETE", "a"));
                Assert.StartsWith("$", c.Command("FUNCTION", "LOAD", "REPLACE", Library("b", "fb", 3)));
                string dump = (string)Resp.Parse(c.Command("FUNCTION", "DUMP"))!;
                Assert.Equal(Resp.Ok, c.Command("FUNCTION", "FLUSH"));
                Assert.Equal(Resp.Ok, c.Command("FUNCTION", "RESTORE", dump));
                Load(c, Library("c", "fc", 4));
                Assert.Equal(Resp.Ok, c.Command("FLUSHALL")); // does not drop functions (the counter starts again)
                Assert.Equal(Resp.Int(1), c.Command("FCALL", "put", "2", "fk", "fn", "v3"));
            }
            string before = Snapshot(node);
            node.Kill9();
            node.Start();
            Assert.Equal(before, Snapshot(node));
            using var r = node.Raw();
            Assert.Equal(Resp.Err("ERR Function not found"), r.Command("FCALL", "fa", "0"));
            Assert.Equal(Resp.Int(3), r.Command("FCALL", "fb", "0"));
            Assert.Equal(Resp.Int(4), r.Command("FCALL_RO", "fc", "0"));
            Assert.Equal(Resp.Bulk("v3"), r.Command("GET", "fk"));
            Assert.Equal(Resp.Int(2), r.Command("FCALL", "put", "2", "fk", "fn", "v4"));
        }
        finally
        {
            output.WriteLine(node.LogTail(20));
        }
    }

    [HyperCacheFact]
    public void Functions_survive_restart_from_a_snapshot_and_its_tail()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        try
        {
            using (var c = node.Raw())
            {
                Load(c, Library("a", "fa", 1), Library("gone", "fg", 2), Writer);
                Assert.Equal(Resp.Int(1), c.Command("FCALL", "put", "2", "sk", "sn", "s1"));
                Assert.Equal(Resp.Ok, c.Command("SAVE"));
                // the tail: changes after the snapshot, replayed on top of it
                Load(c, Library("b", "fb", 3));
                Assert.Equal(Resp.Ok, c.Command("FUNCTION", "DELETE", "gone"));
                Assert.StartsWith("$", c.Command("FUNCTION", "LOAD", "REPLACE", Library("a", "fa", 5)));
                Assert.Equal(Resp.Int(2), c.Command("FCALL", "put", "2", "sk", "sn", "s2"));
            }
            string before = Snapshot(node);
            node.Kill9();
            node.Start();
            Assert.Contains("snapshot-", InfoPersistence(node, "snapshot_loaded"));
            Assert.Equal(before, Snapshot(node));
            using (var r = node.Raw())
            {
                Assert.Equal(Resp.Int(5), r.Command("FCALL", "fa", "0"));
                Assert.Equal(Resp.Int(3), r.Command("FCALL", "fb", "0"));
                Assert.Equal(Resp.Err("ERR Function not found"), r.Command("FCALL", "fg", "0"));
                Assert.Equal(Resp.Bulk("s2"), r.Command("GET", "sk"));
                // a snapshot taken now holds every library; a flush after it is replayed too
                Assert.Equal(Resp.Ok, r.Command("SAVE"));
                Assert.Equal(Resp.Ok, r.Command("FUNCTION", "FLUSH"));
                Load(r, Library("z", "fz", 7));
            }
            before = Snapshot(node);
            node.Kill9();
            node.Start();
            Assert.Equal(before, Snapshot(node));
            using var again = node.Raw();
            Assert.Equal(Resp.Int(7), again.Command("FCALL", "fz", "0"));
            Assert.Equal(Resp.Err("ERR Function not found"), again.Command("FCALL", "fa", "0"));
        }
        finally
        {
            output.WriteLine(node.LogTail(20));
        }
    }

    [HyperCacheFact]
    public void A_replica_gets_functions_by_a_snapshot_full_sync_and_by_the_stream() => ReplicaGetsFunctions(snapshotFirst: true);

    [HyperCacheFact]
    public void A_replica_gets_functions_by_a_whole_log_full_sync_and_by_the_stream() => ReplicaGetsFunctions(snapshotFirst: false);

    private void ReplicaGetsFunctions(bool snapshotFirst)
    {
        using var primary = Create();
        primary.Start();
        using var replica = Create();
        try
        {
            using var p = primary.Raw();
            Load(p, Library("a", "fa", 1), Library("b", "fb", 2, noWrites: false), Writer);
            Assert.Equal(Resp.Int(1), p.Command("FCALL", "put", "2", "rk", "rn", "r1"));
            // with a snapshot the full sync sends it and the log after it; without one, the whole log
            if (snapshotFirst) Assert.Equal(Resp.Ok, p.Command("SAVE"));

            replica.Start();
            using (var r0 = replica.Raw())
                Load(r0, Library("stale", "fs", 9)); // its own library, dropped by the full sync
            Follow(replica, primary);
            WaitConverged(primary, replica);
            using var r = replica.Raw();
            Assert.Equal(p.Command("FUNCTION", "LIST", "WITHCODE"), r.Command("FUNCTION", "LIST", "WITHCODE"));
            Assert.Equal(Resp.Int(1), r.Command("FCALL", "fa", "0"));
            Assert.Equal(Resp.Int(1), r.Command("FCALL_RO", "fa", "0"));
            Assert.Equal(Resp.Err("ERR Function not found"), r.Command("FCALL", "fs", "0"));
            const string readOnly = "-READONLY You can't write against a read only replica.\r\n";
            Assert.Equal(readOnly, r.Command("FCALL", "fb", "0"));
            Assert.Equal(readOnly, r.Command("FCALL", "put", "2", "rk", "rn", "x"));
            Assert.Equal(readOnly, r.Command("FUNCTION", "LOAD", Library("x", "fx", 1)));
            Assert.Equal(readOnly, r.Command("FUNCTION", "DELETE", "a"));
            Assert.Equal(readOnly, r.Command("FUNCTION", "FLUSH"));

            // the stream: each change reaches the replica as it happens
            Load(p, Library("c", "fc", 3));
            Assert.Equal(Resp.Ok, p.Command("FUNCTION", "DELETE", "a"));
            Assert.StartsWith("$", p.Command("FUNCTION", "LOAD", "REPLACE", Library("b", "fb", 4)));
            Assert.Equal(Resp.Int(2), p.Command("FCALL", "put", "2", "rk", "rn", "r2"));
            WaitConverged(primary, replica);
            Assert.Equal(p.Command("FUNCTION", "LIST", "WITHCODE"), r.Command("FUNCTION", "LIST", "WITHCODE"));
            Assert.Equal(Resp.Int(3), r.Command("FCALL_RO", "fc", "0"));
            Assert.Equal(Resp.Err("ERR Function not found"), r.Command("FCALL", "fa", "0"));
            Assert.Equal(Resp.Bulk("r2"), r.Command("GET", "rk"));

            string payload = (string)Resp.Parse(p.Command("FUNCTION", "DUMP"))!;
            Assert.Equal(Resp.Ok, p.Command("FUNCTION", "FLUSH"));
            WaitConverged(primary, replica);
            Assert.Equal("*0\r\n", r.Command("FUNCTION", "LIST"));
            Assert.Equal(Resp.Ok, p.Command("FUNCTION", "RESTORE", payload));
            WaitConverged(primary, replica);
            Assert.Equal(p.Command("FUNCTION", "LIST", "WITHCODE"), r.Command("FUNCTION", "LIST", "WITHCODE"));
            Assert.Equal(Resp.Int(3), r.Command("FCALL", "fc", "0"));

            // the replica's own log (replicated batches) rebuilds them after SIGKILL: once it has acknowledged them
            // (durable there; with everysec, applied is not yet durable), which a later write's WAIT shows
            Assert.Equal(Resp.Ok, p.Command("SET", "after-restore", "1"));
            Assert.Equal(Resp.Int(1), p.Command("WAIT", "1", "20000"));
            WaitConverged(primary, replica);
            string before = Snapshot(replica);
            replica.Kill9();
            replica.Start();
            Assert.Equal(before, Snapshot(replica));
            using var again = replica.Raw();
            Assert.Equal(Resp.Int(3), again.Command("FCALL_RO", "fc", "0"));
        }
        finally
        {
            output.WriteLine(primary.LogTail(20));
            output.WriteLine(replica.LogTail(20));
        }
    }
}
