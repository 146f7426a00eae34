using System.Globalization;

namespace HyperCache.Frontends.Hosting;

/// <summary>
/// The log's segment size is fixed when a data directory is created (FasterLog finds its files by it), so it is
/// written down next to the log, in <c>aof/segment-mb</c>, and later starts and the offline tools read it back.
/// </summary>
public static class LogLayout
{
    /// <summary>Segment size of logs created before it was recorded.</summary>
    private const int LegacySegmentMb = 256;

    public static int SegmentMb(string aofDirectory, int configured)
    {
        string file = Path.Combine(aofDirectory, "segment-mb");
        if (File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int recorded))
            return recorded;
        bool existing = Directory.Exists(aofDirectory) && Directory.EnumerateFiles(aofDirectory, "hlog.*").Any();
        int size = existing ? LegacySegmentMb : configured;
        Record(aofDirectory, size);
        return size;
    }

    /// <summary>Writes the segment size down (also after a repair replaced the log directory).</summary>
    public static void Record(string aofDirectory, int segmentMb)
    {
        Directory.CreateDirectory(aofDirectory);
        File.WriteAllText(Path.Combine(aofDirectory, "segment-mb"), segmentMb.ToString(CultureInfo.InvariantCulture) + "\n");
    }
}
