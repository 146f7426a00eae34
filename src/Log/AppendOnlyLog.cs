using System.Buffers.Binary;
using FASTER.core;

namespace HyperCache.Log;

/// <summary>
/// The AOF: one FasterLog of opaque, checksummed, sequenced entries. Appends are ordered by one short lock
/// (sequence number + enqueue); commits run on a background loop whose cadence is the durability policy, and
/// writers under <see cref="Durability.Always"/> share each commit (group commit).
/// </summary>
public sealed class AppendOnlyLog : IDisposable
{
    private readonly LogOptions _options;
    private readonly LogDirectoryLock _lock;
    private readonly IDevice _device;
    private readonly SegmentFileDevice? _segments; // _device when it is ours (null when a test passes FASTER's)
    private readonly FasterLog _log;
    private readonly SlotCommitManager _commits = null!;
    private readonly Lock _appendLock = new();
    /// <summary>Staging for one fragment at a time (under the append lock), kept: a replica logs each shipped batch
    /// of a page or more as fragments, several times a second, and a fresh page-sized array each time was a
    /// large-object allocation the kernel had to fault in and zero.</summary>
    private byte[]? _fragment;
    private readonly SemaphoreSlim _commitSignal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _committer;
    private ulong _nextSequence = 1;
    private int _commitRequested;
    private bool _recovered;
    private int _durability;
    private bool _disposed;
    private readonly long _clockTicks;       // ms between clock entries; 0 = none
    private long _lastClockTick = -(1L << 40); // long ago: the first append stamps the time
    private readonly List<ITruncationFloor> _floors = [];
    /// <summary>Why the log could not write, once it could not (null while it can): see <see cref="WriteError"/>.</summary>
    private string? _writeError;
    private readonly TaskCompletionSource _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AppendOnlyLog(LogOptions options)
    {
        _options = options;
        _durability = (int)options.Durability;
        _clockTicks = options.ClockResolution is { } every ? Math.Max(1, (long)every.TotalMilliseconds) : 0;
        System.IO.Directory.CreateDirectory(options.Directory);
        _lock = LogDirectoryLock.Take(options.Directory);
        try
        {
            var segments = Path.Combine(options.Directory, "hlog");
            _device = options.DeviceFactory?.Invoke(segments) ?? new SegmentFileDevice(segments, recover: true);
            _segments = _device as SegmentFileDevice;
            if (_segments != null) _segments.WriteFailed = reason => Fail(reason);
            _log = new FasterLog(new FasterLogSettings
            {
                LogDevice = _device,
                LogCommitDir = options.Directory,
                PageSize = options.PageSize,
                MemorySize = options.MemorySize,
                SegmentSize = options.SegmentSize,
                LogChecksum = LogChecksumType.None, // our header carries a real CRC
                AutoCommit = false,
                RemoveOutdatedCommits = true,
                LogCommitManager = _commits = new SlotCommitManager(options.Directory),
                TryRecoverLatest = true,
            });
        }
        catch
        {
            _commits?.Dispose();
            _lock.Dispose(); // a log that did not open does not hold its directory
            throw;
        }
        _committer = Task.Run(CommitLoopAsync);
    }

    /// <summary>Opens (and recovers to its last commit) the log in <see cref="LogOptions.Directory"/>.</summary>
    public static AppendOnlyLog Open(LogOptions options) => new(options);

    /// <summary>Changeable at run time (CONFIG SET appendfsync); the commit loop reads it on each turn.</summary>
    public Durability Durability
    {
        get => (Durability)Volatile.Read(ref _durability);
        set
        {
            Volatile.Write(ref _durability, (int)value);
            RequestCommit(); // wake the loop so it adopts the new cadence now
        }
    }
    public long BeginAddress => _log.BeginAddress;
    public long TailAddress => _log.TailAddress;
    /// <summary>The tail read under the append lock: never inside a fragmented entry's run of fragments, so a
    /// scan may start here (snapshots record it as the address they cover).</summary>
    public long EntryBoundaryTail
    {
        get { lock (_appendLock) return _log.TailAddress; }
    }
    /// <summary>True once a scan to the end has told the log its last sequence number (appends are allowed).</summary>
    public bool ReadyForAppends => _recovered;
    public long CommittedUntilAddress => _log.CommittedUntilAddress;
    public ulong LastSequence => _nextSequence - 1;
    public string Directory => _options.Directory;

    /// <summary>Told how long each background commit took (metrics); called on the commit loop.</summary>
    public Action<TimeSpan>? CommitCompleted { get; set; }

    /// <summary>
    /// Null while the log can write; after a write failed, the system's words for why ("No space left on device").
    /// FasterLog cannot go on after a failed flush, so from then on every append and every wait for a commit throws
    /// <see cref="LogWriteException"/> with this reason, until a restart recovers the log to its last good commit.
    /// </summary>
    public string? WriteError => Volatile.Read(ref _writeError);

    /// <summary>Told once, with the reason, when the log stops being able to write (the node logs it).</summary>
    public Action<string>? WriteFailed { get; set; }

    /// <summary>Records the first failure (later ones keep its reason) and fails every commit wait.</summary>
    private LogWriteException Fail(string reason)
    {
        if (Interlocked.CompareExchange(ref _writeError, reason, null) == null)
        {
            _failed.TrySetException(new LogWriteException(reason));
            _failed.Task.Exception?.Handle(_ => true); // observed here: nothing need wait on it
            WriteFailed?.Invoke(reason);
        }
        return new LogWriteException(_writeError!);
    }

    /// <summary>FasterLog's own report of a failed flush (its message carries only the error code): our device's
    /// reason came first when the device is ours.</summary>
    private LogWriteException Fail(CommitFailureException e) => Fail(_writeError ?? e.Message);

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _writeError) is { } reason) throw new LogWriteException(reason);
    }

    /// <summary>
    /// Appends one entry. <paramref name="entry"/> starts with <see cref="EntryHeader.Size"/> bytes of room that
    /// this fills in. Returns the entry's address; it is durable once <see cref="WaitForCommitAsync"/> says so.
    /// </summary>
    public long Append(Span<byte> entry, byte kind)
    {
        if (!_recovered) throw new InvalidOperationException("Scan the log to its end (recovery) before appending.");
        ThrowIfFailed();
        lock (_appendLock)
        {
            if (_clockTicks > 0) StampClockIfDue();
            if (entry.Length <= MaxEntry)
            {
                EntryHeader.Write(entry, kind, _nextSequence);
                long address = Enqueue(entry);
                _nextSequence++;
                return address;
            }
            return AppendFragments(entry[EntryHeader.Size..], kind);
        }
    }

    /// <summary>Under the append lock: a clock entry before this one if the clock moved on since the last one.
    /// Environment.TickCount64 costs a couple of ns; the wall clock is read only when a stamp is due.</summary>
    private void StampClockIfDue()
    {
        long tick = Environment.TickCount64;
        if (tick - _lastClockTick < _clockTicks) return;
        _lastClockTick = tick;
        EnqueueClock(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    private void EnqueueClock(long unixMs)
    {
        Span<byte> entry = stackalloc byte[EntryHeader.Size + 8];
        BinaryPrimitives.WriteInt64LittleEndian(entry[EntryHeader.Size..], unixMs);
        EntryHeader.Write(entry, 0, _nextSequence - 1, EntryHeader.Clock);
        Enqueue(entry);
    }

    /// <summary>
    /// FasterLog.Enqueue, except while the page it needs is still being written out: FasterLog retries in a
    /// Thread.Yield loop, and each retry allocates in FASTER's page-turn code (two closures), thousands per page
    /// when appends outrun the disk. Here the appender sleeps until our device's next write completes instead.
    /// </summary>
    private long Enqueue(ReadOnlySpan<byte> entry)
    {
        try
        {
            if (_segments is null) return _log.Enqueue(entry);
            while (true)
            {
                long seen = _segments.WritesCompleted;
                if (_log.TryEnqueue(entry, out long address)) return address;
                // A page to write out that cannot be written: the wait below would never end.
                ThrowIfFailed();
                // The timeout covers a flush that FASTER has not handed to the device yet (an epoch action that the
                // retry's own epoch entry and exit will run).
                _segments.WaitForWriteAfter(seen, timeoutMs: 1);
            }
        }
        catch (CommitFailureException e)
        {
            throw Fail(e);
        }
    }

    /// <summary>A clock entry now: a snapshot stamps one after its cut, so a recovery that starts reading at the
    /// snapshot's covered address always meets one and learns the last sequence number from it.</summary>
    public void StampClock()
    {
        if (!_recovered) return;
        lock (_appendLock) EnqueueClock(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    /// <summary>Copies a clock entry (log repair keeps the time line of the entries it copies).</summary>
    internal void AppendClock(long unixMs)
    {
        lock (_appendLock) EnqueueClock(unixMs);
    }

    /// <summary>The largest entry that fits one FasterLog page (its record header and alignment left out).</summary>
    private int MaxEntry => (int)_options.PageSize - 64;

    /// <summary>Splits a body over several entries, under the append lock so nothing lands between them. Returns
    /// the last fragment's address: once that is committed, all of them are.</summary>
    private long AppendFragments(ReadOnlySpan<byte> body, byte kind)
    {
        int chunk = MaxEntry - EntryHeader.Size;
        var fragment = _fragment ??= new byte[MaxEntry];
        long address = -1;
        for (int offset = 0; offset < body.Length; offset += chunk)
        {
            int size = Math.Min(chunk, body.Length - offset);
            bool more = offset + size < body.Length;
            body.Slice(offset, size).CopyTo(fragment.AsSpan(EntryHeader.Size));
            var entry = fragment.AsSpan(0, EntryHeader.Size + size);
            EntryHeader.Write(entry, kind, _nextSequence, more ? EntryHeader.MoreFragments : (byte)0);
            address = Enqueue(entry);
            _nextSequence++;
        }
        return address;
    }

    /// <summary>Completes when the entry at <paramref name="address"/> is committed; asks for a commit if needed.</summary>
    public ValueTask WaitForCommitAsync(long address)
    {
        if (_log.CommittedUntilAddress > address) return ValueTask.CompletedTask;
        ThrowIfFailed();
        RequestCommit();
        return UnlessFailed(_log.WaitForCommitAsync(address + 1));
    }

    /// <summary>A wait on FasterLog that ends with <see cref="LogWriteException"/> when a write fails meanwhile,
    /// whether or not FasterLog fails it too.</summary>
    private async ValueTask UnlessFailed(ValueTask wait)
    {
        if (wait.IsCompletedSuccessfully) return;
        var task = wait.AsTask();
        try
        {
            await await Task.WhenAny(task, _failed.Task);
        }
        catch (CommitFailureException e)
        {
            throw Fail(e);
        }
    }

    /// <summary>Completes once something at or past <paramref name="address"/> is committed (log shipping tails the
    /// log with it); does not ask for a commit.</summary>
    public async ValueTask WaitForCommitPastAsync(long address, CancellationToken ct)
    {
        if (_log.CommittedUntilAddress > address) return;
        ThrowIfFailed();
        await UnlessFailed(_log.WaitForCommitAsync(address + 1, -1, ct));
    }

    /// <summary>Commits everything appended so far and waits for it to be durable.</summary>
    public ValueTask CommitAsync(CancellationToken ct = default)
    {
        ThrowIfFailed();
        return UnlessFailed(_log.CommitAsync(ct));
    }

    /// <summary>Commits everything appended so far, blocking until it is durable. Blocks on the commit's task:
    /// FasterLog's <c>Commit(spinWait: true)</c> calls Thread.Yield in a loop for as long as the flush takes (a
    /// snapshot's commit writes up to a commit interval of appends), which on a busy machine is CPU taken from the
    /// threads serving clients, in one yield system call after another.</summary>
    public void Commit() => CommitAsync().AsTask().GetAwaiter().GetResult();

    /// <summary><see cref="Commit"/> for the way out (shutdown, closing): false when the log cannot write, whose
    /// failure was reported when it happened (<see cref="WriteFailed"/>); a restart recovers to the last good commit.</summary>
    public bool TryCommit()
    {
        try
        {
            Commit();
            return true;
        }
        catch (LogWriteException)
        {
            return false;
        }
    }

    private void RequestCommit()
    {
        if (Interlocked.Exchange(ref _commitRequested, 1) == 0) _commitSignal.Release();
    }

    private async Task CommitLoopAsync()
    {
        var ct = _stop.Token;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                // Always: wake on demand (a writer is waiting). Others: wake on the clock, or on demand
                // (e.g. an explicit wait), whichever comes first.
                var durability = Durability;
                if (durability == Durability.Always) await _commitSignal.WaitAsync(ct);
                else await _commitSignal.WaitAsync(durability == Durability.No ? _options.LazyCommitInterval : _options.EverySecInterval, ct);
                Interlocked.Exchange(ref _commitRequested, 0);
                if (_log.TailAddress > _log.CommittedUntilAddress)
                {
                    long started = System.Diagnostics.Stopwatch.GetTimestamp();
                    await CommitAsync(ct);
                    CommitCompleted?.Invoke(System.Diagnostics.Stopwatch.GetElapsedTime(started));
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (LogWriteException)
        {
            // Nothing more can be committed; WriteError says why and the node has been told.
        }
    }

    /// <summary>
    /// Reads and verifies entries in [<paramref name="from"/>, <paramref name="until"/>) (until -1 = committed tail),
    /// handing each good one to <paramref name="visitor"/> until the first bad one; the rest is only checked, to tell
    /// a damaged tail from damage in the middle. A full scan from the start also readies the log for appends.
    /// </summary>
    public unsafe LogScanResult Scan(long from, long until, IEntryVisitor? visitor)
    {
        long end = _log.TailAddress;
        // Entries that start before this. The iterator itself runs to the tail: given an end inside an entry,
        // FasterLog hands out that entry cut short (a bounded scan, such as a replication batch, then saw a
        // checksum mismatch at its last entry), so the bound is applied here, to entry starts.
        long stop = until < 0 ? end : Math.Min(until, end);
        long start = Math.Max(from, _log.BeginAddress);
        long count = 0, next = start, firstBad = -1;
        ulong lastSeq = 0;
        bool goodAfterBad = false, sawClock = false;
        string? problem = null;
        byte[] buffer = new byte[4096];
        int pending = 0;          // bytes of an unfinished fragmented entry
        long pendingAddress = 0;
        using (var it = _log.Scan(start, end))
        {
            while (true)
            {
                byte* ptr; int length; long current, nextAddress;
                try
                {
                    if (!it.UnsafeGetNext(out ptr, out length, out current, out nextAddress)) break;
                }
                catch (Exception e) when (e is FasterException or IndexOutOfRangeException or ArgumentException)
                {
                    // A damaged length field: FasterLog cannot find the next entry, so nothing after is trusted.
                    if (firstBad < 0) { firstBad = next; problem = "unreadable entry: " + e.Message; goodAfterBad = true; }
                    break;
                }
                try
                {
                    if (current >= stop) break; // the next entry starts at or after the bound (finally releases)
                    var entry = new ReadOnlySpan<byte>(ptr, length);
                    bool ok = EntryHeader.TryRead(entry, out byte kind, out ulong seq, out byte flags, out var body);
                    bool clock = ok && (flags & EntryHeader.Clock) != 0 && body.Length == 8;
                    if (ok && firstBad < 0 && (count > 0 || sawClock) && seq != (clock ? lastSeq : lastSeq + 1))
                    {
                        firstBad = current;
                        problem = $"sequence jumps from {lastSeq} to {seq} (entries missing)";
                        goodAfterBad = true;
                        continue;
                    }
                    if (clock && firstBad < 0)
                    {
                        // A clock entry carries the last sequence number so far: a scan starting mid-log learns it here.
                        if (count == 0 && !sawClock) lastSeq = seq;
                        sawClock = true;
                        // Not an event: the wall time from here on. Not counted, not handed to Visit.
                        next = nextAddress;
                        if (visitor is IClockVisitor clocks) clocks.Clock(current, BinaryPrimitives.ReadInt64LittleEndian(body));
                        continue;
                    }
                    if (firstBad >= 0)
                    {
                        goodAfterBad |= ok;
                        continue;
                    }
                    if (!ok)
                    {
                        firstBad = current;
                        problem = "checksum mismatch";
                        continue;
                    }
                    count++;
                    lastSeq = seq;
                    next = nextAddress;
                    if ((flags & EntryHeader.DropFragments) != 0)
                    {
                        pending = 0;
                        continue;
                    }
                    if ((flags & EntryHeader.MoreFragments) != 0 || pending > 0)
                    {
                        // Part of an entry too big for one page: gather, deliver when the last part arrives.
                        if (pending == 0) pendingAddress = current;
                        if (buffer.Length < pending + body.Length) Array.Resize(ref buffer, Math.Max(pending + body.Length, buffer.Length * 2));
                        body.CopyTo(buffer.AsSpan(pending));
                        pending += body.Length;
                        if ((flags & EntryHeader.MoreFragments) != 0) continue;
                        visitor?.Visit(pendingAddress, kind, seq, new ReadOnlyMemory<byte>(buffer, 0, pending));
                        pending = 0;
                        continue;
                    }
                    if (visitor != null)
                    {
                        if (buffer.Length < body.Length) buffer = new byte[Math.Max(body.Length, buffer.Length * 2)];
                        body.CopyTo(buffer);
                        visitor.Visit(current, kind, seq, new ReadOnlyMemory<byte>(buffer, 0, body.Length));
                    }
                }
                finally
                {
                    it.UnsafeRelease();
                }
            }
        }
        // A bounded scan that stopped inside a fragmented entry resumes at that entry's first fragment.
        if (until >= 0 && pending > 0 && firstBad < 0) next = pendingAddress;
        var result = new LogScanResult(count, next, lastSeq, firstBad, goodAfterBad, problem);
        // Appends may start once the last sequence number is known: from a scan of the whole log, or of its end
        // from an entry boundary (recovery after a snapshot) that met at least one entry or clock stamp.
        if (until < 0 && result.Clean && (from <= _log.BeginAddress || count > 0 || sawClock))
        {
            _nextSequence = lastSeq + 1;
            _recovered = true;
            // A crash between the fragments of one entry leaves its first parts committed; that entry was never
            // acknowledged. Mark them dropped so later entries are not joined onto them.
            if (pending > 0) AppendDropMarker();
        }
        return result;
    }

    private void AppendDropMarker()
    {
        var marker = new byte[EntryHeader.Size];
        lock (_appendLock)
        {
            EntryHeader.Write(marker, 0, _nextSequence, EntryHeader.DropFragments);
            Enqueue(marker);
            _nextSequence++;
        }
        Commit();
    }

    /// <summary>Registers something that still needs the log from some address on (replicas, later).</summary>
    public void AddTruncationFloor(ITruncationFloor floor)
    {
        lock (_floors) _floors.Add(floor);
    }

    /// <summary>
    /// Drops the log below <paramref name="address"/> (an entry boundary, such as a snapshot's covered address), or
    /// below the lowest address a registered <see cref="ITruncationFloor"/> still needs if that is lower. FasterLog
    /// moves its begin address at once and deletes whole segments behind it at the commit that follows.
    /// Returns the new begin address.
    /// </summary>
    public long TruncateUntil(long address)
    {
        ThrowIfFailed();
        long until = Math.Min(address, _log.CommittedUntilAddress);
        lock (_floors)
            foreach (var floor in _floors) until = Math.Min(until, floor.LowestNeededAddress);
        if (until <= _log.BeginAddress) return _log.BeginAddress;
        _log.TruncateUntil(until);
        Commit();
        return _log.BeginAddress;
    }

    /// <summary>For a test that plays a crash within one process: frees the directory for a second open of the log
    /// while this one is left as it is (a killed process's lock goes with it).</summary>
    internal void ReleaseDirectoryLock() => _lock.Dispose();

    /// <summary>For a brand-new or deliberately unscanned log: appends may start (sequence continues at 1).</summary>
    internal void MarkRecovered() => _recovered = true;

    // Log shipping (replication): a reader that follows the log as it grows.

    /// <summary>A reader of the committed entries from <paramref name="from"/> (an entry boundary) on, which keeps
    /// following the log as it is committed; dispose it before the log.</summary>
    public LogTailReader ReadFrom(long from) => new(_log, from);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stop.Cancel();
        try { _committer.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        if (_recovered && WriteError == null && _log.TailAddress > _log.CommittedUntilAddress) TryCommit();
        _log.Dispose();
        _commits.Dispose();
        _device.Dispose();
        _commitSignal.Dispose();
        _stop.Dispose();
        _lock.Dispose();
    }
}
