using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace HyperCache.EndToEnd.Tests.Infrastructure;

/// <summary>Helpers for replication tests: node processes with their own replication port, INFO fields, digests.</summary>
public static class ReplicationNodes
{
    public static readonly TimeSpan Converge = TimeSpan.FromSeconds(40);

    /// <summary>A node with a fixed log-shipping port (kept across restarts) and extra flags.</summary>
    public static NodeProcess Create(string appendFsync = "everysec", params string[] flags)
        => new(appendFsync: appendFsync, extraArgs: ["--replication-port", TestPorts.Free().ToString(), "--snapshot-after-mb", "0", .. flags]);

    public static string Digest(NodeProcess node)
    {
        using var c = node.Raw();
        return c.Command("DEBUG", "DIGEST");
    }

    /// <summary>One field of INFO replication ("" when absent).</summary>
    public static string Info(NodeProcess node, string field)
    {
        using var c = node.Raw();
        var text = c.Command("INFO", "replication");
        var m = Regex.Match(text, $"(?m)^{Regex.Escape(field)}:(.*)\r$");
        return m.Success ? m.Groups[1].Value : "";
    }

    public static long InfoLong(NodeProcess node, string field) => long.TryParse(Info(node, field), out var v) ? v : -1;

    public static void Follow(NodeProcess replica, NodeProcess primary)
    {
        using var c = replica.Raw();
        var reply = c.Command("REPLICAOF", "127.0.0.1", primary.Port.ToString());
        if (!reply.StartsWith("+OK", StringComparison.Ordinal)) throw new Xunit.Sdk.XunitException("REPLICAOF replied " + reply);
    }

    /// <summary>Waits until every node's DEBUG DIGEST equals the primary's (and the primary's is stable).</summary>
    public static void WaitConverged(NodeProcess primary, params NodeProcess[] replicas)
    {
        Eventually.True(() =>
        {
            var expected = Digest(primary);
            return replicas.All(r => Digest(r) == expected);
        }, "replicas' DEBUG DIGEST equals the primary's", Converge);
    }
}
