using System.Globalization;

namespace HyperCache.Replication;

/// <summary>
/// What a promoted node keeps of the history it followed before (Redis's <c>master_replid2</c> and
/// <c>second_repl_offset</c>, PSYNC2): the old primary's replication id, the address in the old primary's log up to
/// which this node had applied when promoted (<see cref="EndAddress"/>), and the address in this node's own log of
/// the promotion's clearing mark (<see cref="PromotionAddress"/>), after which its history is its own. A replica of
/// the old primary that stands at or below <see cref="EndAddress"/> can then resume here instead of a full sync.
/// Also this node's own id before the promotion (<see cref="FormerOwnId"/>): its log went on through the promotion,
/// so a replica chained below it that resubscribes under that id resumes at once (told the new id).
/// Kept in <c>DATA_DIR/replication-id2</c> ("id end promotion [former own id]"), beside the replication id, so a
/// restart keeps it.
/// </summary>
public sealed record PreviousHistory(string ReplicationId, long EndAddress, long PromotionAddress, string? FormerOwnId = null)
{
    private const string FileName = "replication-id2";

    /// <summary>The history kept in <paramref name="dataDir"/>; null when none, unreadable, or equal to the node's
    /// own id (a crash between the two files' writes on promotion).</summary>
    public static PreviousHistory? Load(string dataDir, string ownId)
    {
        string path = Path.Combine(dataDir, FileName);
        if (!File.Exists(path)) return null;
        var parts = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length is not (3 or 4) || parts[0].Length != 40 || parts[0] == ownId) return null;
        if (!long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long end)) return null;
        if (!long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out long promotion)) return null;
        string? former = parts.Length == 4 && parts[3].Length == 40 && parts[3] != ownId ? parts[3] : null;
        return new PreviousHistory(parts[0], end, promotion, former);
    }

    /// <summary>Writes <paramref name="history"/> (or removes the file for null), atomically.</summary>
    public static void Save(string dataDir, PreviousHistory? history)
    {
        string path = Path.Combine(dataDir, FileName);
        if (history is null)
        {
            if (File.Exists(path)) File.Delete(path);
            return;
        }
        Directory.CreateDirectory(dataDir);
        File.WriteAllText(path + ".tmp", string.Create(CultureInfo.InvariantCulture,
            $"{history.ReplicationId} {history.EndAddress} {history.PromotionAddress}{(history.FormerOwnId is { } own ? " " + own : "")}"));
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
