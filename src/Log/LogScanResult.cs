namespace HyperCache.Log;

/// <summary>Receives each verified entry of a scan, in address order.</summary>
public interface IEntryVisitor
{
    void Visit(long address, byte kind, ulong sequence, ReadOnlyMemory<byte> body);
}

/// <summary>Optionally implemented by a visitor that wants the clock entries (wall time between events).</summary>
public interface IClockVisitor
{
    void Clock(long address, long unixMs);
}

/// <summary>What a scan found. <see cref="FirstBadAddress"/> is -1 when every entry verified.</summary>
public sealed record LogScanResult(
    long EntriesRead,
    long NextAddress,
    ulong LastSequence,
    long FirstBadAddress,
    bool GoodEntriesAfterBad,
    string? Problem)
{
    public bool Clean => FirstBadAddress < 0;
}

/// <summary>Thrown at start-up when the log is damaged somewhere other than its last entry.</summary>
public sealed class LogCorruptedException(LogScanResult scan)
    : Exception($"AOF is corrupt at address {scan.FirstBadAddress}: {scan.Problem}. Valid entries follow it, so " +
                "cutting the log there would lose acknowledged writes. Inspect with 'hypercache log verify', then " +
                "start with --cut-corrupt-log to keep only the entries before that address.")
{
    public LogScanResult Scan { get; } = scan;
}
