using System.Net;
using System.Net.Sockets;

namespace HyperCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Ports for test nodes, taken from 10000-19999, so that the port a node derives from its RESP port (replication:
/// RESP + 10000) lies in 20000-29999, and both below the kernel's ephemeral range (Linux: from 32768). A port in that
/// range can be taken at any moment as the local port of an outgoing connection (a client, a replica reconnecting):
/// a node restarted on its old replication port, or one whose derived port fell there, failed to start with "address
/// already in use" (seen in CI). Ports are handed out round-robin from a random start, each checked free with its
/// derived port; where the ephemeral range starts lower than 30000, the kernel picks as before.
/// </summary>
public static class TestPorts
{
    private const int Lowest = 10_000, Limit = 20_000, Derived = 10_000;
    private static readonly bool s_usable = EphemeralStart() >= Limit + Derived;
    private static readonly Lock s_lock = new();
    private static int s_next = Lowest + Random.Shared.Next(Limit - Lowest);

    public static int Free()
    {
        if (s_usable)
            lock (s_lock)
                for (int tried = 0; tried < Limit - Lowest; tried++)
                {
                    int port = s_next;
                    s_next = s_next + 1 == Limit ? Lowest : s_next + 1;
                    if (CanListen(port) && CanListen(port + Derived)) return port;
                }
        return KernelPick();
    }

    private static bool CanListen(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int KernelPick()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static int EphemeralStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32_768;
        }
    }
}
