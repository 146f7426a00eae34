namespace HyperCache.StateMachine.Snapshots;

/// <summary>A snapshot that was loaded: its file and header.</summary>
public sealed record LoadedSnapshot(string Path, SnapshotHeader Header);

/// <summary>
/// Start-up's first half: the newest snapshot that is intact and usable, falling back to older ones with a warning
/// when one is damaged. Each attempt loads into a fresh store, so a damaged file leaves nothing behind.
/// </summary>
public static class SnapshotRecovery
{
    /// <param name="newStore">Makes an empty store (called once per attempt).</param>
    /// <param name="usable">Whether a (valid) snapshot can be used, e.g. the log still holds what follows it;
    /// returns a reason when not.</param>
    /// <param name="candidates">Files to try, newest first.</param>
    public static (Store Store, LoadedSnapshot? Snapshot) LoadNewest(IEnumerable<string> candidates, Func<Store> newStore,
        Func<SnapshotHeader, string?> usable, Action<string> warn, Action<string, long>? progress = null)
    {
        foreach (var path in candidates)
        {
            var store = newStore();
            try
            {
                var header = SnapshotFile.ReadHeader(path);
                if (usable(header) is { } reason)
                {
                    warn($"Snapshot {path} skipped: {reason}");
                    continue;
                }
                header = SnapshotFile.Load(path, store, progress is null ? null : n => progress(path, n));
                return (store, new LoadedSnapshot(path, header));
            }
            catch (SnapshotCorruptException e)
            {
                warn($"{e.Message}; falling back to the previous snapshot (or the whole log)");
            }
            catch (IOException e)
            {
                warn($"Snapshot {path} unreadable ({e.Message}); falling back to the previous snapshot (or the whole log)");
            }
        }
        return (newStore(), null);
    }
}
