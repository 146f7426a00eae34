using System.Globalization;
using HyperCache.Frontends.Hosting;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>INFO persistence: Redis's field names (snapshots are our RDB, the log our AOF), plus log addresses.</summary>
public static class PersistenceInfo
{
    public static IEnumerable<(string, string)> Fields(Node node)
    {
        var inv = CultureInfo.InvariantCulture;
        var log = node.Log;
        var snapshots = node.Snapshots;
        string Num(long v) => v.ToString(inv);
        yield return ("loading", "0");
        yield return ("async_loading", "0");
        yield return ("rdb_changes_since_last_save", snapshots.ChangesSinceLastSave.ToString(inv));
        yield return ("rdb_bgsave_in_progress", snapshots.InProgress ? "1" : "0");
        yield return ("rdb_last_save_time", Num(snapshots.LastSaveUnix));
        yield return ("rdb_last_bgsave_status", snapshots.LastSaveOk ? "ok" : "err");
        yield return ("rdb_last_bgsave_time_sec", snapshots.LastSaveSeconds < 0 ? "-1" : Num((long)Math.Ceiling(snapshots.LastSaveSeconds)));
        yield return ("rdb_saves", Num(snapshots.Saves));
        yield return ("aof_enabled", log != null ? "1" : "0");
        yield return ("aof_rewrite_in_progress", snapshots.RewriteInProgress ? "1" : "0");
        yield return ("aof_rewrite_scheduled", snapshots.RewriteScheduled ? "1" : "0");
        yield return ("aof_last_bgrewrite_status", snapshots.LastSaveOk ? "ok" : "err");
        yield return ("aof_last_write_status", log?.WriteError is null ? "ok" : "err");
        yield return ("aof_fsync", node.Config.AppendFsync.ToString().ToLowerInvariant());
        if (log != null)
        {
            yield return ("aof_current_size", Num(log.TailAddress - log.BeginAddress));
            yield return ("aof_base_size", Num(snapshots.AofBaseSize));
        }
        yield return ("aof_begin_address", Num(log?.BeginAddress ?? 0));
        yield return ("aof_tail_address", Num(log?.TailAddress ?? 0));
        yield return ("aof_committed_address", Num(log?.CommittedUntilAddress ?? 0));
        yield return ("aof_recovered_entries", Num(node.Recovery.Entries));
        yield return ("aof_replayed_entries", Num(node.Recovery.Applied));
        yield return ("aof_recovery_ms", node.Recovery.Duration.TotalMilliseconds.ToString("F1", inv));
        yield return ("snapshot_loaded", node.Recovery.Snapshot ?? "");
        yield return ("snapshot_last", snapshots.LastSnapshotPath ?? "");
    }
}
