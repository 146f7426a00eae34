using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace HyperCache.Chaos.Network;

/// <summary>
/// Lets the test process (host namespace) reach servers inside a <see cref="NetworkNamespace"/>: each exposed
/// server gets a listener on 127.0.0.1:free-port here, and every accepted connection is copied both ways to a socket
/// connected inside the namespace. Those sockets are created by one dedicated thread that entered the namespace
/// (<c>setns</c>): a socket keeps the namespace it was created in, whichever thread uses it later. The forwarder
/// connects from 127.0.0.2, an address no node uses, so partitions between nodes never cut the test's own view.
/// </summary>
public sealed class NamespaceForwarder : IDisposable
{
    public const string SourceAddress = "127.0.0.2";
    private const int CloneNewNet = 0x40000000;

    private readonly BlockingCollection<TaskCompletionSource<Socket>> _requests = new();
    private readonly Thread _inside;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpListener> _listeners = [];
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private volatile string? _enterFailure;

    public NamespaceForwarder(NetworkNamespace ns)
    {
        var entered = new ManualResetEventSlim();
        _inside = new Thread(() => CreateSockets(ns.Path, entered)) { IsBackground = true, Name = "netns " + ns.Name };
        _inside.Start();
        entered.Wait();
        if (_enterFailure is { } failure) throw new InvalidOperationException(failure);
    }

    /// <summary>Starts forwarding 127.0.0.1:returned-port (host) to <paramref name="address"/>:<paramref name="port"/>
    /// (namespace). Connections are accepted until Dispose; each one connects inside when accepted.</summary>
    public int Expose(string address, int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        lock (_listeners) _listeners.Add(listener);
        var target = new IPEndPoint(IPAddress.Parse(address), port);
        _ = Task.Run(() => AcceptAsync(listener, target));
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task AcceptAsync(TcpListener listener, IPEndPoint target)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket outer;
            try
            {
                outer = await listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => ForwardAsync(outer, target));
        }
    }

    private async Task ForwardAsync(Socket outer, IPEndPoint target)
    {
        Socket? inner = null;
        _open[outer] = 0;
        try
        {
            inner = await InsideSocketAsync();
            _open[inner] = 0;
            outer.NoDelay = inner.NoDelay = true;
            inner.Bind(new IPEndPoint(IPAddress.Parse(SourceAddress), 0));
            await inner.ConnectAsync(target, _stop.Token);
            // Either direction ending (or failing) ends the connection: closing both sockets ends the other copy.
            await Task.WhenAny(CopyAsync(outer, inner), CopyAsync(inner, outer));
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The server is gone or the forwarder stops: the client sees its connection close, as with a dead server.
        }
        finally
        {
            Close(outer);
            if (inner is not null) Close(inner);
        }
    }

    private async Task CopyAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private void Close(Socket socket)
    {
        _open.TryRemove(socket, out _);
        socket.Dispose();
    }

    private Task<Socket> InsideSocketAsync()
    {
        var request = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        _requests.Add(request, _stop.Token);
        return request.Task;
    }

    /// <summary>The dedicated thread: enters the namespace once, then creates every inside socket.</summary>
    private void CreateSockets(string nsPath, ManualResetEventSlim entered)
    {
        try
        {
            using (var ns = File.OpenHandle(nsPath))
            {
                if (setns((int)ns.DangerousGetHandle(), CloneNewNet) != 0)
                    _enterFailure = $"setns({nsPath}) failed: errno {Marshal.GetLastPInvokeError()}";
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _enterFailure = $"cannot open {nsPath}: {e.Message}";
        }
        entered.Set();
        if (_enterFailure is not null) return;
        try
        {
            foreach (var request in _requests.GetConsumingEnumerable(_stop.Token))
            {
                try
                {
                    request.SetResult(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
                }
                catch (SocketException e)
                {
                    request.SetException(e);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        lock (_listeners)
        {
            foreach (var l in _listeners) l.Stop();
            _listeners.Clear();
        }
        foreach (var socket in _open.Keys) Close(socket);
        _inside.Join(TimeSpan.FromSeconds(5));
        while (_requests.TryTake(out var pending)) pending.TrySetCanceled();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setns(int fd, int nstype);
}
