using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using static HyperCache.Frontends.Transport.EpollNative;

namespace HyperCache.Frontends.Transport;

/// <summary>
/// One I/O thread: waits in epoll_wait (level-triggered) and hands each ready connection its event, so a socket is
/// read only when the kernel says it is readable (one read per request, never a read that finds nothing).
/// Other threads reach the loop through <see cref="Post"/> (an eventfd wakes it): adding connections to its table,
/// aborting and closing them all happen here, so a socket is closed on the one thread that could still read it.
/// </summary>
internal sealed unsafe class EpollLoop
{
    private const ulong WakeData = 0; // the eventfd's event; connections have ids from 1
    private const int MaxEvents = 256;

    private readonly int _epfd;
    private readonly int _wakeFd;
    private readonly Thread _thread;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<Action> _posted = new();
    private readonly Dictionary<ulong, EpollConnection> _connections = [];
    private int _wakePending;
    private volatile bool _stopping;
    private long _stopDeadline;

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
    }

    public int EpollFd => _epfd;

    /// <summary>Runs <paramref name="action"/> on the loop thread, soon (after the events in hand).</summary>
    public void Post(Action action)
    {
        _posted.Enqueue(action);
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            ulong one = 1;
            write(_wakeFd, (byte*)&one, sizeof(ulong));
        }
    }

    /// <summary>Takes a new, registered connection into the table that events are looked up in (loop thread).</summary>
    public void Add(EpollConnection connection) => Post(() =>
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
        Post(() =>
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
            for (int i = 0; i < n; i++)
            {
                if (events[i].Data == WakeData) continue; // drained below, after the connections' events
                // A connection closed by an earlier event of this batch is gone from the table: skip its events.
                if (_connections.TryGetValue(events[i].Data, out var connection))
                    RunGuarded(connection, events[i].Events);
            }
            RunPosted();
        }
        // Stopping: whatever did not close by itself in time is closed now (the node is exiting).
        foreach (var connection in _connections.Values.ToArray()) connection.CloseOnLoop();
        close(_wakeFd);
        close(_epfd);
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

    private void RunPosted()
    {
        if (Volatile.Read(ref _wakePending) == 0) return;
        ulong value;
        read(_wakeFd, (byte*)&value, sizeof(ulong));
        Volatile.Write(ref _wakePending, 0); // before dequeuing: a post after this point writes the eventfd again
        while (_posted.TryDequeue(out var action))
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
}
