using System.Diagnostics;
using HyperCache.Log;
using HyperCache.StateMachine.Keyspace;

namespace HyperCache.StateMachine.Snapshots;

/// <summary>
/// Replays the log on top of a loaded snapshot: an entry at address a is applied unless the shard that holds its
/// keys already covers it (a below that shard's covered address). <see cref="SnapshotCut"/> guarantees an entry is
/// covered by all the shards it touches or by none, so its first key decides for all of it; an entry without keys
/// (FLUSHALL, FLUSHDB, SWAPDB) was taken under every shard lock, hence the same answer from every shard.
/// The shard of a key is computed with the snapshot's own shard count, whatever the replaying store's is.
/// Optionally stops at an address or at a wall time (the log's clock entries).
/// </summary>
public sealed class SnapshotReplay : IEntryVisitor, IClockVisitor
{
    private readonly Store _store;
    private readonly long[]? _covered;
    private readonly long _minCovered, _maxCovered;
    private readonly long _untilAddress;
    private readonly long _untilUnixMs;
    private readonly Action<SnapshotReplay>? _progress;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _nextReport;

    /// <param name="snapshot">The loaded snapshot's header, or null when replaying the whole log into an empty store.</param>
    /// <param name="untilAddress">Apply only entries below this address; -1: no limit.</param>
    /// <param name="untilUnixMs">Apply only entries logged no later than this time; -1: no limit.</param>
    /// <param name="progress">Called about every <paramref name="every"/>.</param>
    public SnapshotReplay(Store store, SnapshotHeader? snapshot, long untilAddress = -1, long untilUnixMs = -1,
        Action<SnapshotReplay>? progress = null, TimeSpan? every = null)
    {
        _store = store;
        _covered = snapshot?.Shards.Select(s => s.CoveredAddress).ToArray();
        _minCovered = snapshot?.MinCovered ?? 0;
        _maxCovered = snapshot?.MaxCovered ?? 0;
        _untilAddress = untilAddress;
        _untilUnixMs = untilUnixMs;
        _progress = progress;
        Every = every ?? TimeSpan.FromSeconds(3);
        _nextReport = Every;
    }

    public TimeSpan Every { get; }
    /// <summary>Applies on several threads when set (the caller calls its Finish after the scan).</summary>
    public ParallelApply? Applier { get; init; }
    public long Applied { get; private set; }
    public long Skipped { get; private set; }
    /// <summary>True once an entry past the limit was seen; later entries are ignored.</summary>
    public bool Stopped { get; private set; }
    /// <summary>The address just after the last applied entry's start (-1: none applied).</summary>
    public long LastAppliedAddress { get; private set; } = -1;
    public long LastClockUnixMs { get; private set; } = -1;
    /// <summary>The address of the last entry seen, applied or not (for progress).</summary>
    public long CurrentAddress { get; private set; }
    public TimeSpan Elapsed => _clock.Elapsed;
    public double EntriesPerSecond => (Applied + Skipped) / Math.Max(1e-6, _clock.Elapsed.TotalSeconds);

    public void Visit(long address, byte kind, ulong sequence, ReadOnlyMemory<byte> body)
    {
        if (Stopped) return;
        CurrentAddress = address;
        if (_untilAddress >= 0 && address >= _untilAddress)
        {
            Stopped = true;
            return;
        }
        if (Covered(address, kind, body.Span)) Skipped++;
        else
        {
            if (Applier is { } parallel) parallel.Apply(kind, body.Span);
            else _store.Apply(kind, body.Span);
            Applied++;
            LastAppliedAddress = address;
        }
        if (_progress != null && ((Applied + Skipped) & 4095) == 0 && _clock.Elapsed >= _nextReport)
        {
            _nextReport = _clock.Elapsed + Every;
            _progress(this);
        }
    }

    public void Clock(long address, long unixMs)
    {
        LastClockUnixMs = unixMs;
        if (_untilUnixMs >= 0 && unixMs > _untilUnixMs) Stopped = true;
    }

    private bool Covered(long address, byte kind, ReadOnlySpan<byte> body)
    {
        if (_covered is null || address >= _maxCovered) return false;
        if (address < _minCovered) return true;
        // Between the first and the last shard's capture: the entry's own shard decides.
        int shard = EntryKeys.TryFirstKey(kind, body, out var key) ? Slots.Of(key) & (_covered.Length - 1) : 0;
        return address < _covered[shard];
    }
}
