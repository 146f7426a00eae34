using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using HyperCache.Frontends.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;

namespace HyperCache.Frontends.Tests;

/// <summary>
/// The epoll transport in-process, without Kestrel: a listener from the factory, a plain client socket, and the
/// connection's pipes as the handler sees them. Linux x64 only (elsewhere the transport is not used).
/// </summary>
public sealed class EpollTransportTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private EpollTransportFactory? _factory;
    private IConnectionListener? _listener;

    private static bool Runs => OperatingSystem.IsLinux()
        && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64;

    public async Task InitializeAsync()
    {
        if (!Runs) return;
        _factory = new EpollTransportFactory(0, 2, NullLogger<EpollTransportFactory>.Instance);
        _listener = await _factory.BindAsync(new IPEndPoint(IPAddress.Loopback, 0));
    }

    public async Task DisposeAsync()
    {
        if (_listener != null) await _listener.DisposeAsync();
        _factory?.Dispose();
    }

    private async Task<(Socket Client, ConnectionContext Server)> ConnectAsync()
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(_listener!.EndPoint);
        var server = await _listener.AcceptAsync().AsTask().WaitAsync(Deadline);
        return (client, server!);
    }

    private static async Task<byte[]> ReadAsync(PipeReader input, int count)
    {
        var received = new List<byte>();
        while (received.Count < count)
        {
            var result = await input.ReadAsync().AsTask().WaitAsync(Deadline);
            received.AddRange(result.Buffer.ToArray());
            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted) break;
        }
        return [.. received];
    }

    private static async Task<byte[]> ReceiveAllAsync(Socket client, int count)
    {
        var buffer = new byte[count];
        int got = 0;
        while (got < count)
        {
            int n = await client.ReceiveAsync(buffer.AsMemory(got)).AsTask().WaitAsync(Deadline);
            if (n == 0) break;
            got += n;
        }
        return buffer[..got];
    }

    [Fact]
    public async Task Bytes_go_both_ways_and_the_endpoints_are_the_sockets()
    {
        if (!Runs) return;
        var (client, server) = await ConnectAsync();
        using (client)
        {
            Assert.Equal(client.LocalEndPoint, server.RemoteEndPoint);
            Assert.Equal(client.RemoteEndPoint, server.LocalEndPoint);
            await client.SendAsync("*1\r\n$4\r\nPING\r\n"u8.ToArray());
            Assert.Equal("*1\r\n$4\r\nPING\r\n"u8.ToArray(), await ReadAsync(server.Transport.Input, 14));
            await server.Transport.Output.WriteAsync("+PONG\r\n"u8.ToArray());
            Assert.Equal("+PONG\r\n"u8.ToArray(), await ReceiveAllAsync(client, 7));
        }
        await server.DisposeAsync().AsTask().WaitAsync(Deadline);
    }

    [Fact]
    public async Task A_peer_close_ends_the_input_and_fires_connection_closed()
    {
        if (!Runs) return;
        var (client, server) = await ConnectAsync();
        var closed = new TaskCompletionSource();
        server.ConnectionClosed.Register(() => closed.TrySetResult());
        await client.SendAsync("tail"u8.ToArray());
        client.Dispose();
        Assert.Equal("tail"u8.ToArray(), await ReadAsync(server.Transport.Input, int.MaxValue)); // up to the end
        await closed.Task.WaitAsync(Deadline);
        await server.DisposeAsync().AsTask().WaitAsync(Deadline);
    }

    [Fact]
    public async Task Abort_from_another_thread_closes_the_socket_and_ends_the_input()
    {
        if (!Runs) return;
        var (client, server) = await ConnectAsync();
        using (client)
        {
            // Awaited, not waited on: a blocked pool thread is one the token's callback (queued to the pool) may need.
            var closed = new TaskCompletionSource();
            server.ConnectionClosed.Register(() => closed.TrySetResult());
            var reading = server.Transport.Input.ReadAsync().AsTask();
            await Task.Run(() => server.Abort());
            Assert.Equal(0, await client.ReceiveAsync(new byte[16]).WaitAsync(Deadline)); // EOF: shut down
            await Assert.ThrowsAsync<ConnectionAbortedException>(() => reading.WaitAsync(Deadline));
            await closed.Task.WaitAsync(Deadline);
            await server.DisposeAsync().AsTask().WaitAsync(Deadline);
        }
    }

    /// <summary>An echo handler as the RESP one runs: inline on the loop thread, reading its input and flushing a
    /// reply of <paramref name="replyBytes"/> for each read (the reply goes out at the end of the loop's round).</summary>
    private static async Task EchoAsync(ConnectionContext server, int replyBytes)
    {
        var input = server.Transport.Input;
        var output = server.Transport.Output;
        while (true)
        {
            var result = await input.ReadAsync();
            long length = result.Buffer.Length;
            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted) break;
            for (int written = 0; written < replyBytes;)
            {
                var span = output.GetSpan(4096);
                int n = Math.Min(span.Length, replyBytes - written);
                span[..n].Fill((byte)length);
                output.Advance(n);
                written += n;
            }
            await output.FlushAsync(); // over 64 KB this waits for the send, which waits for the round's end
        }
    }

    [Theory]
    [InlineData(16)]
    [InlineData(3 * 1024 * 1024)] // far over the output pipe's 64 KB pause: the flush waits on a deferred send
    public async Task Replies_flushed_on_the_loop_thread_reach_every_client(int replyBytes)
    {
        if (!Runs) return;
        var pairs = new List<(Socket Client, ConnectionContext Server)>();
        for (int i = 0; i < 8; i++) pairs.Add(await ConnectAsync());
        var echoes = pairs.Select(p => Task.Run(() => EchoAsync(p.Server, replyBytes))).ToList();
        for (int round = 1; round <= 3; round++)
        {
            // Every client sends at once, so one epoll round on a loop finds several of them ready.
            foreach (var (client, _) in pairs) await client.SendAsync(new byte[round]);
            foreach (var (client, _) in pairs)
            {
                var reply = await ReceiveAllAsync(client, replyBytes);
                Assert.All(reply, b => Assert.Equal((byte)round, b));
            }
        }
        foreach (var (client, server) in pairs)
        {
            client.Shutdown(SocketShutdown.Send);
            client.Dispose();
        }
        await Task.WhenAll(echoes).WaitAsync(Deadline);
        foreach (var (_, server) in pairs) await server.DisposeAsync().AsTask().WaitAsync(Deadline);
    }

    [Fact]
    public async Task A_client_that_does_not_read_never_holds_the_flush_and_gets_every_byte_when_it_reads()
    {
        if (!Runs) return;
        var (client, server) = await ConnectAsync();
        using (client)
        {
            // Far more than the socket buffers: the replies of a pipeline the client writes whole before it reads.
            // A held flush would stop the handler reading the rest of that pipeline while the client waits to finish
            // writing it (redis-py did, against the 64 KB threshold this transport had).
            const int Total = 16 * 1024 * 1024;
            var output = server.Transport.Output;
            var sent = server.Features.Get<ISentBytesFeature>()!;
            int written = 0;
            while (written < Total)
            {
                var span = output.GetSpan(4096);
                int n = Math.Min(span.Length, Math.Min(4096, Total - written));
                for (int i = 0; i < n; i++) span[i] = (byte)((written + i) % 251);
                output.Advance(n);
                written += n;
                Assert.True(output.FlushAsync().IsCompleted, "a flush never waits for the client");
            }
            Assert.InRange(sent.SentBytes, 1, Total - 1); // the kernel took what it could hold; the rest waits unsent
            var received = await ReceiveAllAsync(client, written);
            Assert.Equal(written, received.Length);
            for (int i = 0; i < received.Length; i++)
                if (received[i] != (byte)(i % 251)) Assert.Fail($"byte {i} differs");
            // Counted after send(2) returns, which may be just after the client has the bytes.
            Assert.True(SpinWait.SpinUntil(() => sent.SentBytes == Total, Deadline), "every byte counted as sent");
        }
        server.Abort();
        await server.DisposeAsync().AsTask().WaitAsync(Deadline);
    }

    [Fact]
    public async Task Reading_pauses_while_the_handler_is_busy_and_resumes_without_losing_a_byte()
    {
        if (!Runs) return;
        var (client, server) = await ConnectAsync();
        using (client)
        {
            // More than the kernel can hold for the paused reader: loopback receive buffers grow by themselves up
            // to tcp_rmem's maximum (32 MB on the CI machine) the faster the reader drained them, plus the sender's
            // buffer (wmem, 4 MB); 8 MB was enough only while the transport read 16 KB at a time.
            const int Total = 64 * 1024 * 1024;
            var data = new byte[Total];
            for (int i = 0; i < Total; i++) data[i] = (byte)(i % 253);
            var sending = client.SendAsync(data); // blocks in the kernel once reading paused
            var input = server.Transport.Input;
            // A busy handler: it examines nothing until 1 MB is waiting, where the transport stops reading.
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                Assert.True(input.TryRead(out var pending) || waited.Elapsed < Deadline, "input arrives");
                long length = pending.Buffer.Length;
                if (pending.Buffer.Length > 0) input.AdvanceTo(pending.Buffer.Start); // nothing examined
                if (length >= 1024 * 1024) break;
                Assert.True(waited.Elapsed < Deadline, "1 MB of input is read before the pause");
                Thread.Sleep(5); // polling interval only
            }
            Assert.False(sending.IsCompleted, "the rest waits in the kernel");
            var received = new List<byte>(Total);
            while (received.Count < Total)
            {
                var result = await input.ReadAsync().AsTask().WaitAsync(Deadline);
                received.AddRange(result.Buffer.ToArray());
                input.AdvanceTo(result.Buffer.End);
            }
            Assert.Equal(Total, await sending.WaitAsync(Deadline));
            Assert.True(data.AsSpan().SequenceEqual(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(received)), "every byte, in order");
        }
        server.Abort();
        await server.DisposeAsync().AsTask().WaitAsync(Deadline);
    }

    [Fact]
    public async Task Disposing_the_factory_closes_the_connections_still_open()
    {
        if (!Runs) return;
        var (client, server) = await ConnectAsync();
        using (client)
        {
            var disposed = server.DisposeAsync().AsTask(); // as Kestrel: the handler is done, the client is idle
            await _listener!.UnbindAsync();
            _factory!.Dispose();
            await disposed.WaitAsync(Deadline);
            Assert.Equal(0, await client.ReceiveAsync(new byte[16]).WaitAsync(Deadline));
        }
    }
}
