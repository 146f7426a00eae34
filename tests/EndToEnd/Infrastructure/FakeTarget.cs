using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HyperCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A loopback TCP server standing in for a MIGRATE target, to script what a real server would not do on demand:
/// answer late, never answer, or drop the connection. Each accepted connection runs <c>serve</c> (bounded by the
/// test's own deadlines); the requests it received are kept.
/// </summary>
public sealed class FakeTarget : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _accepted = [];
    private readonly Thread _loop;

    /// <summary>Runs on threads of its own, not the pool's: the test process's pool may be busy with blocking tests,
    /// and a target that answers late would fail a test about timeouts.</summary>
    public FakeTarget(Action<NetworkStream, int, CancellationToken> serve)
    {
        _listener.Start();
        _loop = new Thread(() =>
        {
            for (int n = 0; n < 100 && !_stop.IsCancellationRequested; n++) // bounded: a test opens a few
            {
                Socket socket;
                try
                {
                    socket = _listener.AcceptSocket();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
                lock (_accepted) _accepted.Add(socket);
                int index = n;
                new Thread(() =>
                {
                    using var stream = new NetworkStream(socket, ownsSocket: true);
                    try
                    {
                        serve(stream, index, _stop.Token);
                    }
                    catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
                    {
                    }
                }) { IsBackground = true }.Start();
            }
        }) { IsBackground = true };
        _loop.Start();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections accepted so far.</summary>
    public int Accepted
    {
        get { lock (_accepted) return _accepted.Count; }
    }

    /// <summary>Reads until <paramref name="text"/> has been seen <paramref name="times"/> times in the request (or the
    /// stream ends); returns everything read.</summary>
    public static string ReadUntil(NetworkStream stream, string text, int times)
    {
        var received = new StringBuilder();
        var buffer = new byte[65536];
        for (int reads = 0; reads < 100_000; reads++)
        {
            int count = 0, at = 0;
            var all = received.ToString();
            while ((at = all.IndexOf(text, at, StringComparison.Ordinal)) >= 0)
            {
                count++;
                at += text.Length;
            }
            if (count >= times) return all;
            int read = stream.Read(buffer);
            if (read == 0) return all;
            received.Append(Encoding.Latin1.GetString(buffer, 0, read));
        }
        return received.ToString();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_accepted)
            foreach (var socket in _accepted) socket.Dispose();
        _loop.Join(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
