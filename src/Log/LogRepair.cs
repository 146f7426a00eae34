namespace HyperCache.Log;

/// <summary>
/// Cuts a damaged log at its last good entry. FasterLog can only drop entries from its head, so the good prefix is
/// copied into a fresh log (same page size, so the same addresses) that then takes the old one's place; the damaged
/// log is kept beside it as <c>aof.damaged-TIMESTAMP</c> for inspection, never deleted.
/// </summary>
public static class LogRepair
{
    public static string CutAt(LogOptions options, long cutAddress)
    {
        string dir = Path.GetFullPath(options.Directory);
        string fresh = dir + ".repair";
        string kept = $"{dir}.damaged-{DateTime.UtcNow:yyyyMMddTHHmmss}";
        if (System.IO.Directory.Exists(fresh)) System.IO.Directory.Delete(fresh, recursive: true);
        using (var source = AppendOnlyLog.Open(options))
        using (var target = AppendOnlyLog.Open(options with { Directory = fresh, ClockResolution = null }))
        {
            target.MarkRecovered();
            source.Scan(source.BeginAddress, cutAddress, new Copier(target));
            target.Commit();
        }
        System.IO.Directory.Move(dir, kept);
        System.IO.Directory.Move(fresh, dir);
        return kept;
    }

    private sealed class Copier(AppendOnlyLog target) : IEntryVisitor, IClockVisitor
    {
        private byte[] _buffer = new byte[4096];

        public void Visit(long address, byte kind, ulong sequence, ReadOnlyMemory<byte> body)
        {
            int size = EntryHeader.Size + body.Length;
            if (_buffer.Length < size) _buffer = new byte[size * 2];
            body.Span.CopyTo(_buffer.AsSpan(EntryHeader.Size));
            target.Append(_buffer.AsSpan(0, size), kind);
        }

        public void Clock(long address, long unixMs) => target.AppendClock(unixMs);
    }
}
