using System.Net;
using System.Net.Sockets;

namespace HyperCache.Replication.Replica;

/// <summary>
/// The source address of a replica's connections to its primary (bind-source-addr, as Redis 7): with several nodes
/// on one host's loopback, it is what tells them apart to the primary and to a firewall. "" keeps the OS's choice.
/// </summary>
internal static class SourceBinding
{
    public static void Bind(Socket socket, string sourceAddress)
    {
        if (sourceAddress.Length > 0) socket.Bind(new IPEndPoint(IPAddress.Parse(sourceAddress), 0));
    }

    /// <summary>A SocketsHttpHandler connect callback binding <paramref name="sourceAddress"/>; null (the default
    /// connect) when there is none.</summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>>? ConnectCallback(string sourceAddress)
    {
        if (sourceAddress.Length == 0) return null;
        var family = IPAddress.Parse(sourceAddress).AddressFamily;
        return async (context, ct) =>
        {
            var socket = new Socket(family, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                Bind(socket, sourceAddress);
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
    }
}
