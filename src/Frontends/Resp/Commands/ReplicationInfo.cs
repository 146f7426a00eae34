using System.Globalization;
using HyperCache.Frontends.Hosting;
using HyperCache.Replication.Failover;
using HyperCache.Replication.Replica;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>INFO replication with Redis's field names (offsets are log addresses of the primary), plus ours:
/// <c>sync_full</c>/<c>sync_partial_ok</c> (syncs served as a primary, as in Redis's stats), <c>replica_full_syncs</c>
/// (full syncs received as a replica) and <c>repl_bytes_shipped</c>.</summary>
public static class ReplicationInfo
{
    public static string LinkState(ReplicaFollower f) => f.SyncInProgress ? "sync" : f.LinkUp ? "connected" : "connect";

    public static IEnumerable<(string, string)> Fields(Node node)
    {
        var inv = CultureInfo.InvariantCulture;
        var replication = node.Replication;
        if (replication is null)
        {
            yield return ("role", "master");
            yield return ("connected_slaves", "0");
            yield return ("master_repl_offset", "0");
            yield break;
        }
        // A primary's offset is its log's tail: every write it has run, as Redis's counts every write it propagated
        // (the committed address would leave out writes acknowledged under appendfsync everysec and not yet committed,
        // and a replica could look caught up with a paused primary without them). Replicas reach it once the primary
        // commits, which its shipper asks for within 100 ms.
        long tail = replication.Log.TailAddress;
        if (replication.Follower is { } f)
        {
            yield return ("role", "slave");
            yield return ("master_host", f.Host);
            yield return ("master_port", f.Port.ToString(inv));
            yield return ("master_link_status", f.LinkUp ? "up" : "down");
            yield return ("master_last_io_seconds_ago", ((Environment.TickCount64 - f.LastIoTick) / 1000).ToString(inv));
            yield return ("master_sync_in_progress", f.SyncInProgress ? "1" : "0");
            yield return ("slave_read_repl_offset", f.AppliedAddress.ToString(inv));
            yield return ("slave_repl_offset", f.AppliedAddress.ToString(inv));
            // Redis Sentinel reads these: a replica-priority of 0 is never promoted.
            yield return ("slave_priority", node.Config.RedisOnlyValue("replica-priority"));
            yield return ("slave_read_only", "1");
            yield return ("replica_announced", node.Config.RedisOnlyValue("replica-announced") == "yes" ? "1" : "0");
            foreach (var field in Replicas(replication)) yield return field;
            yield return ("master_replid", node.Store.ReplicationOrigin?.ReplicationId ?? replication.ReplicationId);
            yield return ("master_repl_offset", f.PrimaryCommitted.ToString(inv));
            yield return ("replica_full_syncs", f.FullSyncs.ToString(inv));
        }
        else
        {
            yield return ("role", "master");
            foreach (var field in Replicas(replication)) yield return field;
            yield return ("replication_mode", replication.Strategy.Name);
            yield return ("master_failover_state", replication.Failover.State switch
            {
                FailoverState.WaitingForSync => "waiting-for-sync",
                FailoverState.InProgress => "failover-in-progress",
                _ => "no-failover",
            });
            yield return ("master_replid", replication.ReplicationId);
            // PSYNC2: the history followed before promotion; its end is an address of the old primary's log.
            var previous = replication.Previous;
            yield return ("master_replid2", previous?.ReplicationId ?? new string('0', 40));
            yield return ("master_repl_offset", tail.ToString(inv));
            yield return ("second_repl_offset", previous?.EndAddress.ToString(inv) ?? "-1");
        }
        yield return ("sync_full", replication.Replicas.FullSyncs.ToString(inv));
        yield return ("sync_partial_ok", replication.Replicas.PartialSyncs.ToString(inv));
        yield return ("repl_bytes_shipped", replication.BytesShipped.ToString(inv));
        yield return ("repl_backlog_first_byte_offset", replication.Log.BeginAddress.ToString(inv));
    }

    /// <summary>connected_slaves and one slaveN line per replica: a replica's own replicas too (chained), whose offsets
    /// are addresses of this node's log.</summary>
    private static IEnumerable<(string, string)> Replicas(HyperCache.Replication.Replicator replication)
    {
        var links = replication.Replicas.Links.Where(l => l.Online).ToList();
        yield return ("connected_slaves", links.Count.ToString(CultureInfo.InvariantCulture));
        for (int i = 0; i < links.Count; i++)
        {
            var l = links[i];
            long lag = (Environment.TickCount64 - l.LastAckTick) / 1000;
            yield return ($"slave{i}", string.Create(CultureInfo.InvariantCulture, $"ip={l.Host},port={l.Port},state=online,offset={l.AckedAddress},lag={lag}"));
        }
    }
}
