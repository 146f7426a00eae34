using System.Diagnostics;
using HyperCache.Frontends.Resp;

namespace HyperCache.Frontends.Scripting;

/// <summary>
/// Redis 7.0's busy script, one per node. A script that runs past <c>busy-reply-threshold</c> makes the node busy:
/// every other client's command is refused with <see cref="BusyError"/> (except Redis's <c>allow_busy</c> ones)
/// before it takes any lock, instead of waiting on the shard locks the script holds. SCRIPT KILL stops a busy script
/// that has not written. The script's thread (the Lua count hook, redis.call) and SCRIPT KILL meet here.
/// <para>A command that comes while a script runs, not yet busy, waits here for the script (<see cref="MustRefuse"/>)
/// rather than on the shard locks, so that it is answered BUSY if the script goes past the threshold, as in Redis
/// (where it would wait in the socket). The script announces itself before it takes its locks
/// (<see cref="Announce"/>); only a command that passed the check just before that, or one behind an EXEC that holds
/// the locks before its script starts, waits on the locks until the script ends.</para>
/// </summary>
public sealed class BusyScript
{
    public const string BusyError = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
    public const string NotBusyError = "NOTBUSY No scripts in execution right now.";
    /// <summary>The same while a function (FCALL) is busy: Redis names FUNCTION KILL then.</summary>
    public const string FunctionBusyError = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";

    private volatile bool _function;

    /// <summary>The BUSY refusal for what runs now (a script or a function).</summary>
    public string BusyText => _function ? FunctionBusyError : BusyError;
    public const string UnkillableError = "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.";

    private const int NoScript = 0, Killable = 1, Writing = 2, KillRequested = 3;

    /// <summary>Commands Redis 7.0.15 flags <c>allow_busy</c> (COMMAND INFO there).</summary>
    private static readonly HashSet<string> AllowedWhileBusy = new(StringComparer.OrdinalIgnoreCase)
    {
        "auth", "hello", "quit", "reset", "multi", "discard", "watch", "unwatch", "shutdown", "replconf", "script|kill",
        "function|kill", "function|stats",
    };

    // The script's phase, the one read the command path pays (Quiet); written with full fences (see SetPhase).
    private const int Idle = 0, Running = 1, Busy = 2;
    private volatile int _phase;
    private readonly object _waitRoom = new(); // commands waiting for a running script
    private int _waiters;
    private int _state; // NoScript, Killable, Writing, KillRequested: where SCRIPT KILL and the script's writes meet
    // The script's thread only:
    private long _startedAt, _limit; // Stopwatch ticks
    private bool _dirty;

    /// <summary>No script runs: commands go on (the command path's only read).</summary>
    public bool Quiet => _phase == Idle;

    /// <summary>A script has run past the threshold and is still running.</summary>
    public bool Active => _phase == Busy;

    /// <summary>A command (not allow_busy) found a script running: waits until it ends (false: go on) or goes busy
    /// (true: refuse with BUSY). Spins briefly first: most scripts take microseconds.</summary>
    public bool MustRefuse()
    {
        var spin = new SpinWait();
        while (_phase == Running && spin.Count < 20) spin.SpinOnce(sleep1Threshold: -1);
        if (_phase == Running)
        {
            lock (_waitRoom)
            {
                Interlocked.Increment(ref _waiters);
                try
                {
                    while (_phase == Running)
                        if (!Monitor.Wait(_waitRoom, StallReport) && _phase == Running) ReportStall();
                }
                finally
                {
                    Interlocked.Decrement(ref _waiters);
                }
            }
        }
        return _phase == Busy;
    }

    /// <summary>A command waiting this long for a running script that neither ended nor went busy, though past
    /// busy-reply-threshold (or not begun at all), is reported: something keeps that script from starting or from
    /// its hook (a diagnostic for a rare hang seen in a test run; the wait itself is unchanged).</summary>
    private const int StallReport = 3000;

    /// <summary>Where a stalled wait is reported (the node's log); none by default.</summary>
    public Action<string>? Stalled { get; set; }

    private void ReportStall()
    {
        bool begun = Volatile.Read(ref _state) != NoScript;
        long elapsed = Stopwatch.GetTimestamp() - _startedAt;
        if (begun && elapsed <= _limit) return; // still under busy-reply-threshold: waiting is what should happen
        long since = begun ? elapsed * 1000 / Stopwatch.Frequency : -1;
        Stalled?.Invoke($"a command has waited {StallReport} ms for a script that is running but not busy: state {Volatile.Read(ref _state)} (0 none, 1 killable, 2 writing, 3 kill requested), begun {since} ms ago (-1: not begun), waiters {Volatile.Read(ref _waiters)}");
    }

    /// <summary>The script's thread changed the phase: wakes the commands waiting for it. The phase is written with a
    /// full fence before <see cref="_waiters"/> is read, and a waiter counts itself before it reads the phase, so
    /// one of the two always sees the other.</summary>
    private void SetPhase(int phase)
    {
        Interlocked.Exchange(ref _phase, phase);
        if (Volatile.Read(ref _waiters) > 0)
            lock (_waitRoom) Monitor.PulseAll(_waitRoom);
    }

    public static CommandFlags WithAllowBusy(string name, CommandFlags flags)
        => AllowedWhileBusy.Contains(name) ? flags | CommandFlags.AllowBusy : flags;

    /// <summary>Script thread, before it takes the shard locks: from now on other commands wait for the script
    /// (<see cref="MustRefuse"/>) rather than block on its locks. Leaves a script that already runs alone.</summary>
    public void Announce() => Interlocked.CompareExchange(ref _phase, Running, Idle);

    /// <summary>Script thread, first thing under the shard locks: the script starts; it may run
    /// <paramref name="thresholdMs"/> before the node is busy.</summary>
    public void Begin(long thresholdMs, bool function = false)
    {
        _function = function;
        _startedAt = Stopwatch.GetTimestamp();
        _limit = thresholdMs >= long.MaxValue / Stopwatch.Frequency ? long.MaxValue : thresholdMs * Stopwatch.Frequency / 1000;
        _dirty = false;
        Volatile.Write(ref _state, Killable);
        Interlocked.Exchange(ref _phase, Running);
    }

    /// <summary>Script thread, from the count hook: true when the script must stop (SCRIPT KILL). The first call past
    /// the threshold makes the node busy and sets <paramref name="becameBusy"/>.</summary>
    public bool MustStop(out bool becameBusy)
    {
        becameBusy = false;
        int state = Volatile.Read(ref _state);
        if (state == KillRequested) return true;
        if (state != NoScript && _phase == Running && Stopwatch.GetTimestamp() - _startedAt > _limit)
        {
            SetPhase(Busy);
            becameBusy = true;
        }
        return false;
    }

    /// <summary>Script thread, before a write command: false when SCRIPT KILL came first (the write must not run).
    /// From here until <see cref="EndWrite"/> the script cannot be killed.</summary>
    public bool BeginWrite() => Interlocked.CompareExchange(ref _state, Writing, Killable) != KillRequested;

    /// <summary>Script thread, after the write command: one that changed nothing, in a script that changed nothing
    /// before, leaves it killable (Redis looks at the dataset's dirty counter the same way).</summary>
    public void EndWrite(bool changed)
    {
        if (changed) _dirty = true;
        else if (!_dirty) Interlocked.CompareExchange(ref _state, Killable, Writing);
    }

    /// <summary>Script thread: the script is over (finished, failed or killed); commands run normally again.</summary>
    public void End()
    {
        Volatile.Write(ref _state, NoScript);
        SetPhase(Idle);
    }

    /// <summary>SCRIPT KILL: null when the script will stop at its next hook, otherwise the error to reply.</summary>
    public string? Kill(bool function = false)
    {
        if (_phase != Busy) return NotBusyError;
        // As Redis: SCRIPT KILL does not stop a function, nor FUNCTION KILL a script; each is told which to use.
        if (function != _function) return BusyText;
        return Interlocked.CompareExchange(ref _state, KillRequested, Killable) switch
        {
            Killable or KillRequested => null,
            Writing => UnkillableError,
            _ => NotBusyError,
        };
    }
}
