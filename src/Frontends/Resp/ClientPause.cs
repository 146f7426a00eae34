using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp;

public enum PauseMode { None, Write, All }

/// <summary>
/// CLIENT PAUSE / UNPAUSE, as Redis 7.0: a pause is a mode and an end time; a second pause keeps the stricter mode
/// and the later end. While paused, the commands it covers (<see cref="PauseRules"/>) are not run: the connection
/// parks on <see cref="Lifted"/> with the command left unread in its input, and runs it (checking again) once the
/// pause ends or is lifted, so its later pipelined commands keep their order and no loop thread waits. The store's
/// expiry and eviction deletions stop for as long (Redis keeps the data set still while paused).
/// FAILOVER pauses writes apart from it (<see cref="HoldWrites"/>), as Redis keeps its pause purposes apart: CLIENT
/// UNPAUSE does not let writes through a failover (they could be acknowledged here after the new primary took over
/// the history), and the failover's end does not lift a client's pause.
/// <para>Redis runs one command at a time, so once its pause is in force no write of another client is still
/// running. Here commands run on several threads: a write that passed the gate just before the pause could finish
/// after CLIENT PAUSE answered (and move the offset a failover reads). So a pause, once in force, waits for the
/// commands it sees running to end (<see cref="DrainRunning"/>). The command path pays two plain writes for it
/// (<see cref="RespClient.BeginCommand"/>); the pause pays a process-wide memory barrier, which orders every
/// thread's write of its running command before the pause's read of it, or the pause's write before that thread's
/// read of the gate.</para>
/// </summary>
public sealed class ClientPause(Store store, ClientRegistry clients) : IDisposable
{
    /// <summary>Timer.Change's longest due time (~49.7 days): a longer pause re-arms on waking.</summary>
    private const long MaxDueMs = uint.MaxValue - 1;

    private readonly Lock _gate = new();
    private PauseMode _mode;
    private long _endTick;      // Environment.TickCount64 at which the pause ends
    private TaskCompletionSource _lifted = NewSignal();
    private Timer? _timer;
    private int _holds;         // FAILOVER's write pauses in force (HoldWrites)
    private volatile bool _active;
    private int _parked;
    private int _otherWrites;   // writes outside the RESP dispatcher now running (EnterWritesAsync)

    /// <summary>One volatile read: whether any pause may be in force (the dispatcher's gate).</summary>
    public bool Active => _active;

    /// <summary>Connections waiting for a pause to end (INFO's blocked_clients counts them, as Redis does).</summary>
    public int Parked => Volatile.Read(ref _parked);

    /// <summary>A parked connection's wait: until <paramref name="lifted"/> (or the connection closes).</summary>
    public async Task WaitAsync(Task lifted, CancellationToken closed)
    {
        Interlocked.Increment(ref _parked);
        try
        {
            await lifted.WaitAsync(closed);
        }
        finally
        {
            Interlocked.Decrement(ref _parked);
        }
    }

    /// <summary>Returns once no pause holds writes (a CLIENT PAUSE WRITE or ALL, or a failover's), looking again after
    /// each wake, without holding a thread, with the write counted as running until the permit is disposed (a pause
    /// that comes meanwhile waits for it, as for a RESP command): the HTTP API's cache writes (so a paused primary's
    /// data set stays still for its replicas, as with RESP writes) and MIGRATE's delete. <paramref name="parked"/>:
    /// counted in <see cref="Parked"/> meanwhile (a RESP client; an HTTP request is not one). With no pause, one
    /// interlocked increment.</summary>
    public async ValueTask<WritePermit> EnterWritesAsync(bool parked, CancellationToken aborted)
    {
        while (true)
        {
            Interlocked.Increment(ref _otherWrites);
            if (!_active || !TryPark(coveredByWritePause: true, out var lifted)) return new WritePermit(this);
            Interlocked.Decrement(ref _otherWrites);
            await (parked ? WaitAsync(lifted, aborted) : lifted.WaitAsync(aborted));
        }
    }

    /// <summary>A write outside the RESP dispatcher, running (<see cref="EnterWritesAsync"/>) until disposed.</summary>
    public readonly struct WritePermit(ClientPause pause) : IDisposable
    {
        public void Dispose()
        {
            if (pause is not null) Interlocked.Decrement(ref pause._otherWrites); // default: no write was counted
        }
    }

    /// <summary>CLIENT PAUSE: <paramref name="timeoutMs"/> from now (0 or an end in the past: over at once, as
    /// Redis's end time then lies behind it).</summary>
    public void Pause(long timeoutMs, PauseMode mode, RespClient? by = null)
    {
        long now = Environment.TickCount64;
        long end = timeoutMs > 0 ? unchecked(now + timeoutMs) : 0;
        if (end < now && timeoutMs > 0) end = 0; // Redis's now + timeout wraps negative: a pause already over
        lock (_gate)
        {
            if (mode > _mode) _mode = mode;
            if (end > _endTick) _endTick = end;
            _active = true;
            store.DeletionsPaused = true;
            Arm(now);
        }
        if (timeoutMs > 0) DrainRunning(by);
    }

    /// <summary>Returns once every command of another client that was running as the pause came in force has ended,
    /// and every write outside the dispatcher (those that begin after it see the pause at the gate). Not inside a
    /// transaction: its shard locks may be what such a command waits for (it then runs after EXEC).</summary>
    private void DrainRunning(RespClient? by)
    {
        if (by is { InExec: true }) return;
        Interlocked.MemoryBarrierProcessWide();
        foreach (var client in clients.All)
        {
            if (client == by) continue;
            int running = Volatile.Read(ref client.RunningCommand);
            if (running == 0) continue;
            var spin = new SpinWait();
            while (Volatile.Read(ref client.RunningCommand) == running) spin.SpinOnce();
        }
        var others = new SpinWait();
        while (Volatile.Read(ref _otherWrites) != 0) others.SpinOnce(); // one counted after the pause backs off at once
    }

    /// <summary>CLIENT UNPAUSE, or the end time passed: every parked client goes on (checking again: a failover's
    /// hold still parks writes).</summary>
    public void Unpause()
    {
        lock (_gate)
        {
            _mode = PauseMode.None;
            _endTick = 0;
            _timer?.Dispose();
            _timer = null;
        }
        Wake();
    }

    /// <summary>FAILOVER: writes wait as under CLIENT PAUSE WRITE until the handle is disposed, whatever CLIENT
    /// PAUSE and UNPAUSE do meanwhile.</summary>
    public IDisposable HoldWrites(RespClient? by = null)
    {
        lock (_gate)
        {
            _holds++;
            _active = true;
            store.DeletionsPaused = true;
        }
        DrainRunning(by);
        return new Hold(this);
    }

    private sealed class Hold(ClientPause pause) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0) return;
            lock (pause._gate) pause._holds--;
            pause.Wake();
        }
    }

    /// <summary>Under the gate: whether the client's pause is in force now.</summary>
    private bool ClientPaused(long now) => _mode != PauseMode.None && now < _endTick;

    /// <summary>Something was lifted: what is still in force stays (or nothing), and parked connections look again.</summary>
    private void Wake()
    {
        TaskCompletionSource lifted;
        lock (_gate)
        {
            bool client = ClientPaused(Environment.TickCount64);
            if (!client) _mode = PauseMode.None;
            _active = client || _holds > 0;
            store.DeletionsPaused = _active;
            lifted = _lifted;
            _lifted = NewSignal();
        }
        lifted.TrySetResult();
    }

    /// <summary>The mode in force now: the client's (None once its end time passed), at least Write under a hold.</summary>
    public PauseMode Mode
    {
        get
        {
            if (!_active) return PauseMode.None;
            var mode = Effective(out bool expired);
            if (expired) Unpause();
            return mode;
        }
    }

    /// <summary>The mode in force; <paramref name="expired"/>: the client's pause is over but not cleared yet.</summary>
    private PauseMode Effective(out bool expired)
    {
        lock (_gate)
        {
            bool client = ClientPaused(Environment.TickCount64);
            expired = !client && _mode != PauseMode.None;
            var mode = client ? _mode : PauseMode.None;
            return _holds > 0 && mode < PauseMode.Write ? PauseMode.Write : mode;
        }
    }

    /// <summary>When the command is covered by the pause in force: true, with the task that completes when this
    /// pause is over (taken under the same lock, so an UNPAUSE in between cannot be missed).</summary>
    public bool TryPark(bool coveredByWritePause, out Task lifted)
    {
        lifted = Task.CompletedTask;
        if (!_active) return false;
        bool expired;
        lock (_gate)
        {
            var mode = Effective(out expired);
            if (mode == PauseMode.All || (mode == PauseMode.Write && coveredByWritePause))
            {
                lifted = _lifted.Task;
                return true;
            }
        }
        if (expired) Unpause();
        return false;
    }

    /// <summary>Under the gate: wakes at the end time (or at the timer's limit, to look again).</summary>
    private void Arm(long now)
    {
        long due = Math.Clamp(_endTick - now, 0, MaxDueMs);
        _timer ??= new Timer(static s => ((ClientPause)s!).OnTimer(), this, Timeout.Infinite, Timeout.Infinite);
        _timer.Change(due, Timeout.Infinite);
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            if (!_active || _timer is null) return;
            long now = Environment.TickCount64;
            if (now < _endTick)
            {
                Arm(now);
                return;
            }
        }
        Unpause();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Dispose()
    {
        lock (_gate) _timer?.Dispose();
    }
}
