using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using static HyperCache.Frontends.Transport.EpollNative;

namespace HyperCache.Frontends.Transport;

/// <summary>
/// One I/O loop: waits in epoll_wait (level-triggered) and hands each ready connection its event, so a socket is
/// read only when the kernel says it is readable (one read per request, never a read that finds nothing).
/// Other threads reach the loop through <see cref="Post"/> (an eventfd wakes it): adding connections to its table,
/// aborting and closing them all happen on the thread serving the loop, so a socket is closed on the one thread that
/// could still read it. One thread (a <see cref="Runner"/>) serves the loop at a time; when a script goes past
/// busy-reply-threshold while that thread is held in connection code (running the script, or waiting for it), a new
/// one takes over (<see cref="StandInForHeldLoops"/>): otherwise the other connections' SCRIPT KILL could never be read.
/// </summary>
internal sealed unsafe partial class EpollLoop
{
    private const ulong WakeData = 0; // the eventfd's event; connections have ids from 1
    private const int MaxEvents = 256;

    private readonly int _epfd;
    private readonly int _wakeFd;
    private readonly string _name;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<(EpollConnection? About, Action Action)> _posted = new();
    private readonly Dictionary<ulong, EpollConnection> _connections = [];
    private int _wakePending;
    private volatile bool _stopping;
    private long _stopDeadline;
    private readonly ManualResetEventSlim _stopped = new();
    private List<EpollConnection> _pendingSends = [], _sending = []; // under _pendingLock: runners hand them over
    private readonly Lock _pendingLock = new();

    public EpollLoop(int index, ILogger logger)
    {
        _logger = logger;
        _name = $"resp-epoll-{index}";
        _epfd = epoll_create1(EPOLL_CLOEXEC);
        if (_epfd < 0) throw new IOException($"epoll_create1 failed: errno {Errno}");
        _wakeFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (_wakeFd < 0 || Control(_epfd, EPOLL_CTL_ADD, _wakeFd, EPOLLIN, WakeData) < 0)
            throw new IOException($"eventfd for the epoll loop failed: errno {Errno}");
        StartRunner(_name);
        lock (s_loopsLock) s_loops = [.. s_loops, this];
    }

    public int EpollFd => _epfd;

    /// <summary>Runs <paramref name="action"/> on the thread serving the loop, soon (after the events in hand).</summary>
    /// <param name="about">The connection the action touches, if any: while that connection's code holds a runner
    /// that a busy script made give up the loop, its actions wait for that runner to be back.</param>
    public void Post(EpollConnection? about, Action action)
    {
        _posted.Enqueue((about, action));
        Wake();
    }

    private void Wake()
    {
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            ulong one = 1;
            write(_wakeFd, (byte*)&one, sizeof(ulong));
        }
    }

    /// <summary>Takes a new, registered connection into the table that events are looked up in (loop).</summary>
    public void Add(EpollConnection connection) => Post(connection, () =>
    {
        _connections.Add(connection.Id, connection);
        if (_stopping) connection.Abort(ShuttingDown());
    });

    /// <summary>The connection's socket is closed: forget it (loop).</summary>
    public void Forget(EpollConnection connection) => _connections.Remove(connection.Id);

    /// <summary>Aborts every connection still open, lets them close (for up to <paramref name="wait"/>), then
    /// closes what is left and ends the loop.</summary>
    public void Stop(TimeSpan wait)
    {
        Post(null, () =>
        {
            _stopDeadline = Environment.TickCount64 + (long)wait.TotalMilliseconds / 2;
            _stopping = true;
            foreach (var connection in _connections.Values.ToArray()) connection.Abort(ShuttingDown());
        });
        if (!_stopped.Wait(wait)) _logger.LogWarning("RESP epoll loop {Name} did not stop in time", _name);
    }

    private static Microsoft.AspNetCore.Connections.ConnectionAbortedException ShuttingDown() => new("The server is shutting down.");

    /// <summary>A runner's thread: serves the loop until another runner took over (this one was held by a busy
    /// script and is back) or the loop stops.</summary>
    private void Serve(Runner runner)
    {
        SendDeferred(); // a runner taking over sends the replies its held predecessor's round had kept for its end
        var events = stackalloc EpollEvent[MaxEvents];
        while (!_stopping || (_connections.Count > 0 && Environment.TickCount64 < _stopDeadline))
        {
            int n = epoll_wait(_epfd, events, MaxEvents, _stopping ? 50 : -1);
            if (n < 0)
            {
                int errno = Errno;
                if (errno == EINTR) continue;
                _logger.LogCritical("epoll_wait failed: errno {Errno}; RESP loop {Name} stops", errno, _name);
                break;
            }
            runner.Dispatching = true;
            bool serving = Dispatch(runner, events, n);
            runner.Dispatching = false;
            if (!serving) return;
            SendDeferred();
            if (!RunPosted(runner)) return;
        }
        lock (s_loopsLock) s_loops = [.. s_loops.Where(l => l != this)];
        // Stopping: whatever did not close by itself in time is closed now (the node is exiting).
        foreach (var connection in _connections.Values.ToArray()) connection.CloseOnLoop();
        close(_wakeFd);
        close(_epfd);
        _stopped.Set();
    }

    /// <summary>
    /// The serving runner, while it hands out a round of events: a reply flushed now waits until every ready
    /// connection has been handled, then all go out together (<see cref="SendDeferred"/>), as Redis writes its
    /// replies before it sleeps. A client with many connections (redis-benchmark: one thread, 50) then wakes once for
    /// many replies instead of once for each: against replies sent one by one it spent 12 % more CPU per request, in
    /// 5x the epoll_waits. Elsewhere (a publisher's thread) replies go at once, and so once a busy script holds the
    /// runner: the runner taking over sends what the round had deferred (<see cref="Serve"/>).
    /// </summary>
    internal bool TryDeferSend(EpollConnection connection)
    {
        var runner = _serving;
        if (!runner.Dispatching || Thread.CurrentThread != runner.Thread || Volatile.Read(ref runner.Phase) == StoodIn) return false;
        lock (_pendingLock) _pendingSends.Add(connection);
        return true;
    }

    /// <summary>Sends the deferred replies: the serving runner after its round, or a runner as it takes over.</summary>
    private void SendDeferred()
    {
        List<EpollConnection> sending;
        lock (_pendingLock)
        {
            if (_pendingSends.Count == 0) return;
            (sending, _pendingSends, _sending) = (_pendingSends, _sending, _pendingSends);
        }
        // Each send runs inline and may let its handler go on (a paused flush resumes); nothing defers meanwhile on
        // this thread (the round is over, or this runner is only starting).
        foreach (var connection in sending) connection.SendDeferred();
        sending.Clear();
    }

    /// <summary>Hands each connection its events but those held by a runner that gave up the loop; false when a
    /// busy script made this runner give up the loop meanwhile (the rest of the events are reported again to the
    /// runner that took over: epoll is level-triggered).</summary>
    private bool Dispatch(Runner runner, EpollEvent* events, int n)
    {
        for (int i = 0; i < n; i++)
        {
            if (events[i].Data == WakeData) continue; // drained by RunPosted, after the connections' events
            // A connection closed by an earlier event of this batch is gone from the table: skip its events.
            if (!_connections.TryGetValue(events[i].Data, out var connection) || IsHeld(connection)) continue;
            Enter(runner, connection);
            RunGuarded(connection, events[i].Events);
            if (!Leave(runner)) return false;
        }
        return true;
    }

    private void RunGuarded(EpollConnection connection, uint events)
    {
        try
        {
            connection.OnEvents(events);
        }
        catch (Exception e)
        {
            // Connection code runs inline here; one failing connection must not take the loop down.
            _logger.LogError(e, "RESP connection {Id} failed on the epoll loop", connection.ConnectionId);
            connection.Abort();
        }
    }

    /// <summary>Takes back the connections of runners that are back (<see cref="TakeBackReturned"/>), runs their
    /// waiting actions, then the posted ones; an action about a connection still held waits for its runner. False as
    /// <see cref="Dispatch"/>.</summary>
    private bool RunPosted(Runner runner)
    {
        TakeBackReturned();
        while (_handedBack.TryDequeue(out var item))
            if (!RunOne(runner, item.About, item.Action)) return false;
        if (Volatile.Read(ref _wakePending) == 0) return true;
        ulong value;
        read(_wakeFd, (byte*)&value, sizeof(ulong));
        Volatile.Write(ref _wakePending, 0); // before dequeuing: a post after this point writes the eventfd again
        while (_posted.TryDequeue(out var item))
        {
            if (item.About != null && _held.TryGetValue(item.About, out var waiting))
            {
                waiting.Add(item.Action);
                continue;
            }
            if (!RunOne(runner, item.About, item.Action)) return false;
        }
        return true;
    }

    private bool RunOne(Runner runner, EpollConnection? about, Action action)
    {
        Enter(runner, about);
        RunAction(action);
        return Leave(runner);
    }

    private void RunAction(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "RESP epoll loop {Name}: a posted action failed", _name);
        }
    }
}
