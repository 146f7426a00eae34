using Microsoft.Extensions.Logging;
using static HyperCache.Frontends.Transport.EpollNative;

namespace HyperCache.Frontends.Transport;

/// <summary>
/// The stand-in: while a busy script holds a loop's thread in connection code (running the script, or a command
/// waiting for it), another thread runs the loop for the other connections. The loop thread marks where it runs
/// connection code (<see cref="Enter"/>, <see cref="Leave"/>); <see cref="StandInForHeldLoops"/> takes over the loops
/// held there; the loop thread takes its loop back as it leaves that code (<see cref="Reclaim"/>).
/// </summary>
internal sealed unsafe partial class EpollLoop
{
    private static EpollLoop[] s_loops = [];
    private static readonly Lock s_loopsLock = new();

    // The loop thread's phase: Waiting (in epoll_wait or between events), Handling (running connection code, for
    // _handling), StoodIn (a stand-in serves the loop until the thread is back from that code).
    private const int Waiting = 0, Handling = 1, StoodIn = 2;
    private int _phase;
    private EpollConnection? _handling;
    private Thread? _standIn;
    private volatile bool _standInStarted; // set by the thread that started it, last: the loop thread waits for it
    private volatile bool _standInStop;
    private readonly List<Action> _deferred = []; // the held connection's posted actions: run on the loop thread, after

    /// <summary>Loop thread, before connection code (a volatile write).</summary>
    private void Enter(EpollConnection? connection)
    {
        _handling = connection;
        Volatile.Write(ref _phase, Handling);
    }

    /// <summary>Loop thread, after connection code (one compare-exchange): takes the loop back if a stand-in ran it.</summary>
    private void Leave()
    {
        if (Interlocked.CompareExchange(ref _phase, Waiting, Handling) != Handling) Reclaim();
    }

    /// <summary>
    /// A script just went past busy-reply-threshold. Scripts run inline on the loop thread of the connection that sent
    /// them, and a command sent before the node was busy may be waiting for the shard locks the script holds, on its
    /// own loop thread: each loop held in connection code now gets a stand-in thread, which serves its other
    /// connections until the loop thread is back. The connection being handled is left alone meanwhile: its fd
    /// leaves epoll and its posted actions wait for the loop thread.
    /// </summary>
    public static void StandInForHeldLoops()
    {
        foreach (var loop in Volatile.Read(ref s_loops))
            if (Interlocked.CompareExchange(ref loop._phase, StoodIn, Handling) == Handling) loop.StartStandIn();
    }

    private void StartStandIn()
    {
        var held = _handling;
        held?.HoldEvents();
        _standInStop = false;
        _standIn = new Thread(StandIn) { IsBackground = true, Name = _thread.Name + "-standin" };
        _standIn.Start(held);
        _standInStarted = true;
        _logger.LogInformation("RESP epoll loop {Name} was in connection code as a script went busy: a stand-in thread serves its other connections until it is back", _thread.Name);
    }

    private void StandIn(object? held)
    {
        var skip = (EpollConnection?)held;
        SendDeferred(); // replies the held round had kept for its end, which now waits for the script

        var events = stackalloc EpollEvent[MaxEvents];
        while (!_standInStop)
        {
            int n = epoll_wait(_epfd, events, MaxEvents, -1);
            if (n < 0)
            {
                if (Errno == EINTR) continue;
                break;
            }
            Dispatch(events, n, onStandIn: true, skip);
            RunPosted(onStandIn: true, skip);
        }
    }

    /// <summary>Loop thread, back from the connection code that held it: stops and joins the stand-in, lets the held
    /// connection's fd rejoin epoll and runs its deferred actions.</summary>
    private void Reclaim()
    {
        var spin = new SpinWait();
        while (!_standInStarted) spin.SpinOnce(); // StandInForHeldLoops, on another thread, may still be starting it
        _standInStarted = false;
        _standInStop = true;
        Post(null, static () => { }); // wakes the stand-in's epoll_wait
        _standIn!.Join();
        _standIn = null;
        var held = _handling;
        held?.ReleaseEvents();
        Volatile.Write(ref _phase, Waiting);
        foreach (var action in _deferred) RunAction(action);
        _deferred.Clear();
    }
}
