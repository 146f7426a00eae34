using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using static HyperCache.Frontends.Transport.EpollNative;

namespace HyperCache.Frontends.Transport;

/// <summary>The receive side: loop thread only. Level-triggered, so one read per readable event is enough.</summary>
internal sealed partial class EpollConnection
{
    private const int InputSegmentSize = 16 * 1024; // Redis reads 16 KB at a time (PROTO_IOBUF_LEN)
    private const int MinRead = 4096;
    private const int MaxRead = 256 * 1024;

    // What the next read asks the pipe for: a read that fills its buffer means more is waiting (a big value on its
    // way), so the next one asks for twice as much, up to MaxRead: a 1 MB SET arrives in about 8 reads, not 64
    // rounds of the loop. A read that leaves room drops back to MinRead.
    private int _readSize = MinRead;

    private bool _receiving;
    private bool _inputPaused;

    /// <summary>Before the connection is handed out (accepting thread): registers the fd for input, so the send
    /// side can ask for EPOLLOUT from its first flush on. Until the loop has added the connection to its table an
    /// event for it is skipped, and reported again by the next wait (level-triggered).</summary>
    internal void Register()
    {
        _receiving = true;
        lock (_interestLock)
        {
            _interest = EPOLLIN;
            if (Control(_loop.EpollFd, EPOLL_CTL_ADD, _fd, EPOLLIN, Id) != 0)
                throw new System.Net.Sockets.SocketException(Errno);
            _registered = true;
        }
    }

    /// <summary>Loop thread: what epoll reported for this fd.</summary>
    internal void OnEvents(uint events)
    {
        bool hangup = (events & (EPOLLHUP | EPOLLERR)) != 0;
        if ((events & EPOLLOUT) != 0 || hangup) OnWritable();
        if (_receiving && ((events & EPOLLIN) != 0 || hangup)) Receive(hangup);
        // HUP/ERR are reported on every wait while the fd is registered; once input is over nothing needs them (a
        // send to such a socket fails at once, it never waits for EPOLLOUT), so the fd leaves epoll.
        if (hangup && !_receiving) Unregister();
    }

    private void OnWritable()
    {
        ChangeInterest(add: 0, remove: EPOLLOUT);
        _writable.Signal(true); // the sender continues here, inline; a broken socket makes its send fail
    }

    private unsafe void Receive(bool hangup)
    {
        if (_inputPaused)
        {
            // Not reading while the handler catches up; but a dead socket would report HUP/ERR on every wait.
            if (hangup) EndReceive(null, unregister: true);
            return;
        }
        var writer = _input.Writer;
        var memory = writer.GetMemory(_readSize);
        nint n;
        fixed (byte* p = memory.Span) n = read(_fd, p, memory.Length);
        if (n > 0)
        {
            _readSize = n == memory.Length ? Math.Min(memory.Length * 2, MaxRead) : MinRead;
            writer.Advance((int)n);
            var flush = writer.FlushAsync(); // the handler runs here, inline, if it was waiting for input
            if (!flush.IsCompleted)
            {
                // Over 1 MB unread: stop reading until the handler has examined some of it.
                _inputPaused = true;
                ChangeInterest(add: 0, remove: EPOLLIN);
                _ = ResumeAfterAsync(flush);
            }
            else if (flush.Result.IsCompleted)
            {
                EndReceive(null, unregister: hangup); // the handler stopped reading
            }
            return;
        }
        if (n == 0)
        {
            EndReceive(null, unregister: hangup); // the peer closed (or half-closed) its side
            return;
        }
        int errno = Errno;
        if (errno is EAGAIN or EINTR)
        {
            if (hangup) EndReceive(null, unregister: true);
            return;
        }
        EndReceive(new ConnectionResetException($"read failed: errno {errno}"), unregister: true);
    }

    /// <summary>Reading paused: resume on the loop once the handler's consumption released the flush.</summary>
    private async Task ResumeAfterAsync(ValueTask<FlushResult> flush)
    {
        bool readerGone;
        try
        {
            readerGone = (await flush).IsCompleted;
        }
        catch (Exception)
        {
            readerGone = true;
        }
        _loop.Post(this, () =>
        {
            if (!_receiving) return;
            _inputPaused = false;
            if (readerGone) EndReceive(null, unregister: false);
            else ChangeInterest(add: EPOLLIN, remove: 0);
        });
    }

    /// <summary>Loop thread: no more input. The handler sees the end of its input (or the error), blocked commands
    /// see <see cref="ConnectionContext.ConnectionClosed"/>. After HUP/ERR the fd leaves epoll at once: those events
    /// are reported whatever we ask for, and would wake the loop on every wait.</summary>
    private void EndReceive(Exception? error, bool unregister)
    {
        if (!_receiving) return;
        _receiving = false;
        if (unregister) Unregister();
        else ChangeInterest(add: 0, remove: EPOLLIN);
        _input.Writer.Complete(error);
        FireConnectionClosed();
        SideDone();
    }
}
