using System.Globalization;

namespace HyperCache.StateMachine.Snapshots;

/// <summary>
/// The snapshots of a node, in <c>DATA_DIR/snapshots</c>, named <c>snapshot-NNNNNNNNNNNN.hcs</c> with a number that
/// only grows, so name order is age order. The newest <see cref="Keep"/> are kept: the older one is the fallback
/// when the newest turns out damaged, so the log is only ever truncated below what the older one needs.
/// </summary>
public sealed class SnapshotDirectory(string path)
{
    public const int Keep = 2;
    public const string Extension = ".hcs";

    public string Path { get; } = path;

    /// <summary>Snapshot files, newest first.</summary>
    public List<string> List()
    {
        if (!Directory.Exists(Path)) return [];
        return Directory.GetFiles(Path, "snapshot-*" + Extension)
            .Where(f => Number(f) >= 0)
            .OrderByDescending(Number)
            .ToList();
    }

    /// <summary>A fresh name, after every existing one.</summary>
    public string NextPath()
    {
        Directory.CreateDirectory(Path);
        long next = List().Select(Number).DefaultIfEmpty(0).Max() + 1;
        return System.IO.Path.Combine(Path, $"snapshot-{next:D12}{Extension}");
    }

    /// <summary>Deletes all but the newest <see cref="Keep"/> snapshots (and leftover temporary files).</summary>
    public void Prune()
    {
        foreach (var old in List().Skip(Keep)) File.Delete(old);
        if (Directory.Exists(Path))
            foreach (var temp in Directory.GetFiles(Path, "*.tmp")) File.Delete(temp);
    }

    /// <summary>
    /// The lowest log address the kept snapshots still need: the oldest kept one's lowest covered address, but only
    /// when there are <see cref="Keep"/> of them (with one, a damaged snapshot would leave only the full log to
    /// rebuild from). Unreadable headers count as needing everything. Null: keep the whole log.
    /// </summary>
    public long? TruncationFloor()
    {
        var kept = List().Take(Keep).ToList();
        if (kept.Count < Keep) return null;
        long floor = long.MaxValue;
        foreach (var file in kept)
        {
            try { floor = Math.Min(floor, SnapshotFile.ReadHeader(file).MinCovered); }
            catch (Exception e) when (e is SnapshotCorruptException or IOException) { return null; }
        }
        return floor;
    }

    private static long Number(string file)
    {
        string name = System.IO.Path.GetFileNameWithoutExtension(file);
        return name.StartsWith("snapshot-", StringComparison.Ordinal) &&
               long.TryParse(name.AsSpan(9), NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : -1;
    }
}
