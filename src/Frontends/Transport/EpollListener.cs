using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace HyperCache.Frontends.Transport;

/// <summary>
/// A RESP endpoint of the epoll transport. Accepting uses .NET's Socket (its async accept on the listening socket
/// only); each accepted socket is made non-blocking and from then on used only through its raw fd.
/// </summary>
internal sealed class EpollListener : IConnectionListener
{
    private readonly Socket _listen;
    private readonly EpollTransportFactory _transport;

    private EpollListener(Socket listen, EpollTransportFactory transport)
    {
        _listen = listen;
        _transport = transport;
        EndPoint = listen.LocalEndPoint!;
    }

    public EndPoint EndPoint { get; }

    /// <summary>Binds and listens as Kestrel's socket transport does (dual-mode on [::], backlog 512).</summary>
    public static EpollListener Bind(IPEndPoint endpoint, EpollTransportFactory transport)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.Address.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
            socket.Bind(endpoint);
            socket.Listen(512);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new AddressInUseException(e.Message, e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new EpollListener(socket, transport);
    }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await _listen.AcceptAsync(cancellationToken);
            }
            catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException
                || e is SocketException { SocketErrorCode: SocketError.OperationAborted or SocketError.Interrupted })
            {
                return null; // unbound: Kestrel stops accepting
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TooManyOpenSockets)
            {
                // Out of descriptors (maxclients is kept under the limit, so something else holds them): the pending
                // connection stays queued and accept would fail again at once, so wait a moment instead of spinning.
                await Task.Delay(10, cancellationToken);
                continue;
            }
            catch (SocketException)
            {
                continue; // the peer reset before we accepted it: next one
            }
            try
            {
                accepted.NoDelay = true;
                accepted.Blocking = false;
            }
            catch (SocketException)
            {
                accepted.Dispose(); // gone before we could set it up
                continue;
            }
            if (_transport.Adopt(accepted) is { } connection) return connection;
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _listen.Dispose();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _listen.Dispose();
        return ValueTask.CompletedTask;
    }
}
