using System.Diagnostics;
using HyperCache.StateMachine.Snapshots;
using Microsoft.Extensions.Logging;

namespace HyperCache.Frontends.Hosting;

/// <summary>
/// Takes snapshots one at a time (SAVE, BGSAVE, BGREWRITEAOF, the schedule), keeps the newest two, then compacts
/// the log below what they still need. Holds what INFO persistence reports.
/// </summary>
public sealed class SnapshotCoordinator
{
    private readonly Node _node;
    private readonly ILogger _logger;
    private readonly SnapshotDirectory _directory;
    private int _running;
    private int _rewriting;

    public SnapshotCoordinator(Node node, ILogger logger)
    {
        _node = node;
        _logger = logger;
        _directory = new SnapshotDirectory(node.Config.SnapshotDirectory);
        // As Redis: the last save is the newest snapshot on disk, else the start.
        LastSaveUnix = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        foreach (var file in _directory.List())
        {
            try
            {
                var header = SnapshotFile.ReadHeader(file);
                LastSaveUnix = header.CreatedUnixMs / 1000;
                LastSnapshotBytes = header.ContentLength;
                break;
            }
            catch (Exception e) when (e is SnapshotCorruptException or IOException) { }
        }
        SequenceAtLastSave = node.Log?.LastSequence ?? 0;
        TailAtLastSave = node.Log?.TailAddress ?? 0;
        AofBaseSize = node.Log is { } log ? log.TailAddress - log.BeginAddress : 0;
    }

    public long LastSaveUnix { get; private set; }
    public bool LastSaveOk { get; private set; } = true;
    public double LastSaveSeconds { get; private set; } = -1;
    public ulong SequenceAtLastSave { get; private set; }
    public long TailAtLastSave { get; private set; }
    /// <summary>Log size right after the last compaction (Redis: the AOF size at the last rewrite).</summary>
    public long AofBaseSize { get; private set; }
    public long Saves { get; private set; }
    /// <summary>Size of the newest snapshot (Redis: aof_rewrite_base_size), which the growth rule scales with.</summary>
    public long LastSnapshotBytes { get; private set; }
    public string? LastSnapshotPath { get; private set; }
    public bool InProgress => Volatile.Read(ref _running) != 0;
    public bool RewriteInProgress => Volatile.Read(ref _rewriting) != 0;
    public bool RewriteScheduled => Volatile.Read(ref _scheduled) == 2;

    /// <summary>Writes made since the last snapshot (log entries; Redis: rdb_changes_since_last_save).</summary>
    public ulong ChangesSinceLastSave => (_node.Log?.LastSequence ?? 0) - SequenceAtLastSave;

    /// <summary>SAVE: runs on the caller's thread. False when another snapshot is running.</summary>
    public bool TrySave(out SnapshotHeader? header, out string? error)
    {
        header = null;
        error = null;
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0) return false;
        try
        {
            header = Run(rewrite: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            error = e.Message;
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
        return true;
    }

    private int _scheduled; // 0 none, 1 save, 2 rewrite

    /// <summary>BGSAVE SCHEDULE (or BGREWRITEAOF during a BGSAVE): run one more snapshot once this one is done.</summary>
    public void ScheduleAfterCurrent(bool rewrite) => Interlocked.CompareExchange(ref _scheduled, rewrite ? 2 : 1, 0);

    /// <summary>The schedule's turn: a snapshot asked for while another ran. Null: none.</summary>
    public bool? TakeScheduled()
    {
        int s = Interlocked.Exchange(ref _scheduled, 0);
        return s == 0 ? null : s == 2;
    }

    /// <summary>BGSAVE / BGREWRITEAOF: starts a snapshot in the background; false when one is already running.</summary>
    public bool TryStartBackground(bool rewrite)
    {
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0) return false;
        if (rewrite) Volatile.Write(ref _rewriting, 1);
        // Its own thread: a snapshot must not wait for a busy thread pool.
        new Thread(() =>
        {
            try
            {
                Run(rewrite);
            }
            catch (IOException e)
            {
                // A full disk, or a log that cannot commit: the reason is the news, not the stack.
                _logger.LogError("Background snapshot failed: {Reason}", e.Message);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Background snapshot failed");
            }
            finally
            {
                Volatile.Write(ref _rewriting, 0);
                Volatile.Write(ref _running, 0);
            }
        }) { IsBackground = true, Name = "snapshot" }.Start();
        return true;
    }

    /// <summary>Waits (bounded) until no snapshot is being written.</summary>
    public void WaitIdle(TimeSpan deadline) => SpinWait.SpinUntil(() => !InProgress, deadline);

    private SnapshotHeader Run(bool rewrite)
    {
        var clock = Stopwatch.StartNew();
        var log = _node.Log;
        ulong sequence = log?.LastSequence ?? 0;
        try
        {
            string path = _directory.NextPath();
            var header = SnapshotWriter.Write(_node.Store, path, _node.Config.NodeId, log);
            _directory.Prune();
            LastSaveUnix = header.CreatedUnixMs / 1000;
            SequenceAtLastSave = sequence;
            TailAtLastSave = header.MaxCovered;
            LastSnapshotBytes = header.ContentLength;
            LastSnapshotPath = path;
            LastSaveOk = true;
            LastSaveSeconds = clock.Elapsed.TotalSeconds;
            Saves++;
            string compaction = "";
            if (log != null && _directory.TruncationFloor() is { } floor)
            {
                long before = log.BeginAddress;
                long begin = log.TruncateUntil(floor);
                AofBaseSize = log.TailAddress - begin;
                compaction = $"; log truncated from {before} to {begin}";
            }
            _logger.LogInformation("Snapshot {Path}: {Keys} keys, {Bytes} bytes, covering log addresses {Min}..{Max}, in {Ms:F0} ms{Compaction}{Why}",
                path, header.Keys, header.ContentLength, header.MinCovered, header.MaxCovered, clock.Elapsed.TotalMilliseconds,
                compaction, rewrite ? " (BGREWRITEAOF)" : "");
            return header;
        }
        catch
        {
            LastSaveOk = false;
            throw;
        }
    }
}
