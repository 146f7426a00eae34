using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using static HyperCache.Frontends.Transport.EpollNative;

namespace HyperCache.Frontends.Transport;

/// <summary>
/// One I/O thread: waits in epoll_wait (level-triggered) and hands each ready connection its event, so a socket is
/// read only when the kernel says it is readable (one read per request, never a read that finds nothing).
/// Other threads reach the loop through <see cref="Post"/> (an eventfd wakes it): adding connections to its table,
/// aborting and closing them all happen here, so a socket is closed on the one thread that could still read it.
/// When a script goes past busy-reply-threshold, every loop whose thread is held in connection code (running the
/// script, or waiting for the shard locks it holds) gets a stand-in thread (<see cref="StandInForHeldLoops"/>),
/// which serves the loop's other connections until the loop thread is back: otherwise their SCRIPT KILL could never
/// be read.
/// </summary>
internal sealed unsafe partial class EpollLoop
{
    private const ulong WakeData = 0; // the eventfd's event; connections have ids from 1
    private const int MaxEvents = 256;

    private readonly int _epfd;
    private readonly int _wakeFd;
    private readonly Thread _thread;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<(EpollConnection? About, Action Action)> _posted = new();
    private readonly Dictionary<ulong, EpollConnection> _connections = [];
    private int _wakePending;
    private volatile bool _stopping;
    private long _stopDeadline;
    private bool _dispatching; // loop thread: handing out a round of events (TryDeferSend)
    private List<EpollConnection> _pendingSends = [], _sending = []; // under _pendingLock: the loop and a stand-in
    private readonly Lock _pendingLock = new();

    public EpollLoop(int index, ILogger logger)
    {
        _logger = logger;
        _epfd = epoll_create1(EPOLL_CLOEXEC);
        if (_epfd < 0) throw new IOException($"epoll_create1 failed: errno {Errno}");
        _wakeFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (_wakeFd < 0 || Control(_epfd, EPOLL_CTL_ADD, _wakeFd, EPOLLIN, WakeData) < 0)
            throw new IOException($"eventfd for the epoll loop failed: errno {Errno}");
        _thread = new Thread(Run) { IsBackground = true, Name = $"resp-epoll-{index}" };
        _thread.Start();
        lock (s_loopsLock) s_loops = [.. s_loops, this];
    }

    public int EpollFd => _epfd;

    /// <summary>Runs <paramref name="action"/> on the loop thread, soon (after the events in hand).</summary>
    /// <param name="about">The connection the action touches, if any: while that connection's handler holds the loop
    /// thread, its actions wait for the thread instead of running on the stand-in.</param>
    public void Post(EpollConnection? about, Action action)
    {
        _posted.Enqueue((about, action));
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            ulong one = 1;
            write(_wakeFd, (byte*)&one, sizeof(ulong));
        }
    }

    /// <summary>Takes a new, registered connection into the table that events are looked up in (loop thread).</summary>
    public void Add(EpollConnection connection) => Post(connection, () =>
    {
        _connections.Add(connection.Id, connection);
        if (_stopping) connection.Abort(ShuttingDown());
    });

    /// <summary>The connection's socket is closed: forget it (loop thread).</summary>
    public void Forget(EpollConnection connection) => _connections.Remove(connection.Id);

    /// <summary>Aborts every connection still open, lets them close (for up to <paramref name="wait"/>), then
    /// closes what is left and ends the thread.</summary>
    public void Stop(TimeSpan wait)
    {
        Post(null, () =>
        {
            _stopDeadline = Environment.TickCount64 + (long)wait.TotalMilliseconds / 2;
            _stopping = true;
            foreach (var connection in _connections.Values.ToArray()) connection.Abort(ShuttingDown());
        });
        if (!_thread.Join(wait)) _logger.LogWarning("RESP epoll loop {Name} did not stop in time", _thread.Name);
    }

    private static Microsoft.AspNetCore.Connections.ConnectionAbortedException ShuttingDown() => new("The server is shutting down.");

    private void Run()
    {
        var events = stackalloc EpollEvent[MaxEvents];
        while (!_stopping || (_connections.Count > 0 && Environment.TickCount64 < _stopDeadline))
        {
            int n = epoll_wait(_epfd, events, MaxEvents, _stopping ? 50 : -1);
            if (n < 0)
            {
                int errno = Errno;
                if (errno == EINTR) continue;
                _logger.LogCritical("epoll_wait failed: errno {Errno}; RESP loop {Name} stops", errno, _thread.Name);
                break;
            }
            _dispatching = true;
            Dispatch(events, n, onStandIn: false);
            _dispatching = false;
            SendDeferred();
            RunPosted(onStandIn: false);
        }
        lock (s_loopsLock) s_loops = [.. s_loops.Where(l => l != this)];
        // Stopping: whatever did not close by itself in time is closed now (the node is exiting).
        foreach (var connection in _connections.Values.ToArray()) connection.CloseOnLoop();
        close(_wakeFd);
        close(_epfd);
    }

    /// <summary>
    /// Loop thread, while it hands out a round of events: a reply flushed now waits until every ready connection has
    /// been handled, then all go out together (<see cref="SendDeferred"/>), as Redis writes its replies before it
    /// sleeps. A client with many connections (redis-benchmark: one thread, 50) then wakes once for many replies
    /// instead of once for each: against replies sent one by one it spent 12 % more CPU per request, in 5x the
    /// epoll_waits. Elsewhere (a publisher's thread, a stand-in) replies go at once, and so once a busy script holds
    /// the loop: the stand-in sends what the round had deferred (<see cref="StandIn"/>).
    /// </summary>
    internal bool TryDeferSend(EpollConnection connection)
    {
        if (!_dispatching || Thread.CurrentThread != _thread || Volatile.Read(ref _phase) == StoodIn) return false;
        lock (_pendingLock) _pendingSends.Add(connection);
        return true;
    }

    /// <summary>Sends the deferred replies: the loop thread after its round, or a stand-in as it starts.</summary>
    private void SendDeferred()
    {
        List<EpollConnection> sending;
        lock (_pendingLock)
        {
            if (_pendingSends.Count == 0) return;
            (sending, _pendingSends, _sending) = (_pendingSends, _sending, _pendingSends);
        }
        // Each send runs inline and may let its handler go on (a paused flush resumes); nothing defers meanwhile on
        // this thread (the round is over, or this is a stand-in).
        foreach (var connection in sending) connection.SendDeferred();
        sending.Clear();
    }

    /// <summary>Hands each connection its events; on a stand-in (<paramref name="onStandIn"/>), all but the held one.</summary>
    private void Dispatch(EpollEvent* events, int n, bool onStandIn, EpollConnection? held = null)
    {
        for (int i = 0; i < n; i++)
        {
            if (events[i].Data == WakeData) continue; // drained by RunPosted, after the connections' events
            // A connection closed by an earlier event of this batch is gone from the table: skip its events.
            if (!_connections.TryGetValue(events[i].Data, out var connection) || connection == held) continue;
            if (onStandIn)
            {
                RunGuarded(connection, events[i].Events);
                continue;
            }
            Enter(connection);
            RunGuarded(connection, events[i].Events);
            Leave();
        }
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

    /// <param name="held">On a stand-in: the held connection, whose actions wait for the loop thread.</param>
    private void RunPosted(bool onStandIn, EpollConnection? held = null)
    {
        if (Volatile.Read(ref _wakePending) == 0) return;
        ulong value;
        read(_wakeFd, (byte*)&value, sizeof(ulong));
        Volatile.Write(ref _wakePending, 0); // before dequeuing: a post after this point writes the eventfd again
        while (_posted.TryDequeue(out var item))
        {
            if (onStandIn)
            {
                if (item.About != null && item.About == held) _deferred.Add(item.Action);
                else RunAction(item.Action);
                continue;
            }
            Enter(item.About);
            RunAction(item.Action);
            Leave();
        }
    }

    private void RunAction(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "RESP epoll loop {Name}: a posted action failed", _thread.Name);
        }
    }
}
