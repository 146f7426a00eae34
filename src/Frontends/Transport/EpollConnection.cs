using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using static HyperCache.Frontends.Transport.EpollNative;

namespace HyperCache.Frontends.Transport;

/// <summary>
/// One accepted RESP socket driven by an <see cref="EpollLoop"/>, seen by the connection handler as a Kestrel
/// <see cref="ConnectionContext"/>. Two sides: the receive side (loop thread only) reads into the input pipe, whose
/// reader (the handler) runs inline; the send side (EpollConnection.Send.cs) sends what the handler flushes, inline
/// on the flushing thread. The socket is closed, on the loop thread, once both sides are done.
/// </summary>
internal sealed partial class EpollConnection : ConnectionContext, IConnectionIdFeature, IConnectionTransportFeature,
    IConnectionItemsFeature, IConnectionLifetimeFeature, ISentBytesFeature
{
    private static long s_lastId;

    private readonly Socket _socket; // owns the fd: disposed on the loop after EPOLL_CTL_DEL, never elsewhere
    private readonly int _fd;
    private readonly EpollLoop _loop;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly CancellationTokenSource _closedSource = new();
    private readonly TaskCompletionSource _socketClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _interestLock = new();
    private uint _interest; // what the fd is registered for; changed by the loop (EPOLLIN) and the sender (EPOLLOUT)
    private bool _registered;
    private bool _eventsHeld; // out of epoll while its handler holds a runner a busy script made give up the loop
    private int _sidesOpen = 2; // receive and send: the last one to finish closes the socket
    private volatile ConnectionAbortedException? _abortReason;
    private IDictionary<object, object?>? _items;

    public EpollConnection(Socket socket, EpollLoop loop)
    {
        _socket = socket;
        _fd = (int)socket.SafeHandle.DangerousGetHandle();
        _loop = loop;
        Id = (ulong)Interlocked.Increment(ref s_lastId);
        ConnectionId = "epoll-" + Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
        ConnectionClosed = _closedSource.Token;
        // As Kestrel's socket transport, reading pauses at 1 MB of unread input (the handler counts what it
        // examined, so one big incomplete command never stalls). The handler's flush never pauses, as Redis never
        // stops reading a normal client whose replies wait: a client that writes a whole pipeline before it reads
        // a reply (redis-py's pipelines, MULTI of a million commands) would otherwise wait on us while we wait on
        // it. Unsent output is bounded by the handler's output limit instead (RespConnectionHandler).
        // Inline schedulers: the handler runs on the thread that delivers its input, the send on the flushing one.
        _input = new Pipe(new PipeOptions(pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024,
            readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, minimumSegmentSize: InputSegmentSize,
            useSynchronizationContext: false));
        _output = new Pipe(new PipeOptions(pauseWriterThreshold: 0,
            readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false));
        Transport = new DuplexPipe(_input.Reader, _output.Writer);
        Features.Set<IConnectionIdFeature>(this);
        Features.Set<IConnectionTransportFeature>(this);
        Features.Set<IConnectionItemsFeature>(this);
        Features.Set<IConnectionLifetimeFeature>(this);
        Features.Set<ISentBytesFeature>(this);
        _ = SendLoopAsync();
    }

    /// <summary>The loop's key for this connection's epoll events; never reused.</summary>
    public ulong Id { get; }

    public override string ConnectionId { get; set; }
    public override IFeatureCollection Features { get; } = new FeatureCollection();
    public override IDictionary<object, object?> Items { get => _items ??= new ConnectionItems(); set => _items = value; }
    public override IDuplexPipe Transport { get; set; }
    public override CancellationToken ConnectionClosed { get; set; }

    /// <summary>Closes the connection from any thread (CLIENT KILL, shutdown): the handler's read ends, pending
    /// sends stop, the peer sees the socket shut at once.</summary>
    public override void Abort(ConnectionAbortedException abortReason)
    {
        lock (_interestLock)
        {
            if (_abortReason != null) return;
            _abortReason = abortReason;
        }
        _output.Reader.CancelPendingRead();
        _writable.Signal(false);
        _sendTurn.Signal(false);
        _loop.Post(this, () =>
        {
            if (_socketClosed.Task.IsCompleted) return;
            shutdown(_fd, SHUT_RDWR);
            EndReceive(abortReason, unregister: true);
        });
    }

    public override void Abort() => Abort(new ConnectionAbortedException("The connection was aborted by the application."));

    /// <summary>Kestrel, after the handler returned: make sure the receive side ends (the peer may never send
    /// again), then wait until the socket is closed.</summary>
    public override async ValueTask DisposeAsync()
    {
        await _input.Reader.CompleteAsync();
        await _output.Writer.CompleteAsync();
        _loop.Post(this, () => EndReceive(null, unregister: false));
        await _socketClosed.Task;
    }

    /// <summary>One side (receive or send) finished; the second one to finish has the socket closed.</summary>
    private void SideDone()
    {
        if (Interlocked.Decrement(ref _sidesOpen) == 0) _loop.Post(this, CloseOnLoop);
    }

    /// <summary>Loop thread: stop watching the fd, close it, forget the connection.</summary>
    internal void CloseOnLoop()
    {
        if (_socketClosed.Task.IsCompleted) return;
        Unregister();
        _socket.Dispose();
        _loop.Forget(this);
        FireConnectionClosed();
        _socketClosed.TrySetResult();
    }

    /// <summary>Adds and removes events the fd is watched for; false once it is no longer registered.</summary>
    private bool ChangeInterest(uint add, uint remove)
    {
        lock (_interestLock)
        {
            if (!_registered) return false;
            uint wanted = (_interest | add) & ~remove;
            if (wanted == _interest) return true;
            _interest = wanted;
            if (_eventsHeld) return true; // registered again, with this interest, by ReleaseEvents
            return Control(_loop.EpollFd, EPOLL_CTL_MOD, _fd, wanted, Id) == 0;
        }
    }

    private void Unregister()
    {
        lock (_interestLock)
        {
            if (!_registered) return;
            _registered = false;
            if (!_eventsHeld) Control(_loop.EpollFd, EPOLL_CTL_DEL, _fd, 0, Id);
        }
    }

    /// <summary>While this connection's handler holds a runner that gave up the loop, its fd leaves epoll, so the
    /// runner serving now (which must not run this connection's code) is not woken by it again and again (HUP is
    /// always reported).</summary>
    internal void HoldEvents()
    {
        lock (_interestLock)
        {
            if (!_registered || _eventsHeld) return;
            _eventsHeld = true;
            Control(_loop.EpollFd, EPOLL_CTL_DEL, _fd, 0, Id);
        }
    }

    /// <summary>Handed back by its runner: the fd rejoins epoll with what it is interested in now (level-triggered, so
    /// input that arrived meanwhile is reported at once).</summary>
    internal void ReleaseEvents()
    {
        lock (_interestLock)
        {
            if (!_eventsHeld) return;
            _eventsHeld = false;
            if (_registered) Control(_loop.EpollFd, EPOLL_CTL_ADD, _fd, _interest, Id);
        }
    }

    /// <summary>The peer left or the connection was aborted: blocked commands (BLPOP...) stop waiting. Off the
    /// loop thread, as Kestrel does: token callbacks are the application's code.</summary>
    private void FireConnectionClosed()
    {
        if (_closedSource.IsCancellationRequested) return;
        ThreadPool.UnsafeQueueUserWorkItem(static source =>
        {
            try
            {
                source.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }, _closedSource, preferLocal: false);
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }
}
