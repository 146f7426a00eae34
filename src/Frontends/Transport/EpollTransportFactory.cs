using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace HyperCache.Frontends.Transport;

/// <summary>
/// Kestrel's transport for the RESP port only (<see cref="CanBind"/>): HTTP and gRPC stay on Kestrel's sockets, and
/// Kestrel's lifecycle (accept loop, graceful stop, aborting what is left at the shutdown timeout) covers RESP too.
/// Owns the I/O loops, started at the first bind and shared by every RESP address; connections are dealt to them
/// in turn.
/// </summary>
public sealed class EpollTransportFactory(int respPort, int ioThreads, ILogger<EpollTransportFactory> logger)
    : IConnectionListenerFactory, IConnectionListenerFactorySelector, IAsyncDisposable, IDisposable
{
    private readonly Lock _lock = new();
    private EpollLoop[]? _loops;
    private int _next;

    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint ip && ip.Port == respPort;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not IPEndPoint ip) throw new NotSupportedException($"the epoll transport binds IP endpoints, not {endpoint}");
        lock (_lock)
        {
            _loops ??= [.. Enumerable.Range(0, Math.Max(1, ioThreads)).Select(i => new EpollLoop(i, logger))];
        }
        return ValueTask.FromResult<IConnectionListener>(EpollListener.Bind(ip, this));
    }

    /// <summary>Takes over an accepted, non-blocking socket: it joins the next loop, which owns it from now on
    /// (null if epoll refused it; the loop closes it).</summary>
    internal EpollConnection? Adopt(Socket socket)
    {
        var loops = _loops!;
        var loop = loops[(int)((uint)Interlocked.Increment(ref _next) % (uint)loops.Length)];
        var connection = new EpollConnection(socket, loop);
        loop.Add(connection);
        try
        {
            connection.Register(); // after Add is queued: an event before it is in the table is reported again
            return connection;
        }
        catch (SocketException)
        {
            connection.Abort();
            return null;
        }
    }

    /// <summary>After Kestrel stopped (every connection closed or aborted): end the loop threads.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        EpollLoop[]? loops;
        lock (_lock)
        {
            loops = _loops;
            _loops = null;
        }
        foreach (var loop in loops ?? []) loop.Stop(TimeSpan.FromSeconds(2));
    }
}
