using System.Collections.Concurrent;

namespace HyperCache.Frontends.Resp;

/// <summary>
/// One connection's output, shared by two writers: the connection's own loop (replies) and publishers on other
/// threads (pub/sub messages). Whoever writes holds <see cref="EnterAsync"/>'s gate through its flush. A publisher
/// never waits for a subscriber: it queues the message and a drain task on the thread pool writes the queue when
/// the gate is free. A subscriber that lets more than <see cref="Limit"/> bytes pile up (queued here or unsent in
/// the transport) is disconnected, as Redis does with its pub/sub output buffer limit (32 MB); any other client
/// past <see cref="NormalLimit"/> unsent (<see cref="UnsentAfterFlush"/>).
/// </summary>
public sealed class ClientOutput(Metrics.NetworkTraffic? traffic = null)
{
    public const long Limit = 32L * 1024 * 1024;

    /// <summary>Replies a normal client may leave unread before it is disconnected (Redis's limit for normal clients
    /// is none; one client must not take the node's memory). The transport never stops reading a client whose
    /// replies wait (see EpollConnection), so this is what bounds them.</summary>
    public const long NormalLimit = 1L << 30;

    private Transport.ISentBytesFeature? _sent;
    private long _flushed; // bytes flushed through the gate, counted by UnsentAfterFlush

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentQueue<IPushMessage> _pending = new();
    private long _pendingBytes;
    private int _draining;
    private volatile bool _closed;
    private bool _heldByConnection;

    /// <summary>The transport's count of bytes sent, where it keeps one (the epoll transport).</summary>
    public void TrackSent(Transport.ISentBytesFeature? sent) => _sent = sent;

    /// <summary>Whoever holds the gate, right before it flushes <paramref name="writer"/>: how many bytes will be
    /// unsent once it has (0 when the transport does not count what it sent).</summary>
    public long UnsentAfterFlush(RespWriter writer)
    {
        long flushing = writer.UnflushedBytes;
        traffic?.Written(flushing);
        if (_sent is null) return 0;
        _flushed += flushing;
        return _flushed - _sent.SentBytes;
    }

    /// <summary>Bytes waiting to reach the client, read from any thread (CLIENT LIST's omem): flushed but not yet
    /// taken by the socket, and pub/sub messages queued here.</summary>
    public long Unsent => (_sent is null ? 0 : Math.Max(0, Volatile.Read(ref _flushed) - _sent.SentBytes)) + Volatile.Read(ref _pendingBytes);

    /// <summary>A long transfer's flow control (SYNC's file), the transport never pausing a flush: waits until at
    /// most <paramref name="bytes"/> of what was flushed are unsent, looking every millisecond.</summary>
    public async ValueTask SentDownToAsync(long bytes, CancellationToken cancel)
    {
        if (_sent is null) return;
        while (_flushed - _sent.SentBytes > bytes) await Task.Delay(1, cancel);
    }

    /// <summary>The connection loop, before it executes a batch of commands.</summary>
    public ValueTask EnterAsync()
    {
        if (_gate.Wait(0))
        {
            _heldByConnection = true;
            return ValueTask.CompletedTask;
        }
        return WaitAsync();
    }

    private async ValueTask WaitAsync()
    {
        await _gate.WaitAsync();
        _heldByConnection = true;
    }

    /// <summary>The connection loop, after it flushed the batch's replies.</summary>
    public void Exit()
    {
        if (!_heldByConnection) return;
        _heldByConnection = false;
        _gate.Release();
    }

    /// <summary>From a publisher's (or a monitored command's) thread: queue a message for <paramref name="client"/>
    /// and make sure a drain runs.</summary>
    public void Deliver(RespClient client, IPushMessage message)
    {
        if (_closed) return;
        _pending.Enqueue(message);
        if (Interlocked.Add(ref _pendingBytes, message.Size) > Limit)
        {
            client.Kill?.Invoke();
            return;
        }
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
            ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Output.DrainAsync(state), client, preferLocal: false);
    }

    private async Task DrainAsync(RespClient client)
    {
        while (true)
        {
            await _gate.WaitAsync();
            try
            {
                if (_closed) return;
                bool muted = client.Writer.Muted;
                client.Writer.Muted = false; // as Redis: CLIENT REPLY OFF silences replies, not pushed messages
                try
                {
                    while (_pending.TryDequeue(out var message))
                    {
                        Interlocked.Add(ref _pendingBytes, -message.Size);
                        message.WriteTo(client.Writer);
                    }
                    client.Writer.Commit();
                }
                finally
                {
                    client.Writer.Muted = muted;
                }
                if (UnsentAfterFlush(client.Writer) > (client.Subscriptions is { Active: true } || client.Monitoring ? Limit : NormalLimit))
                {
                    client.Kill?.Invoke();
                    return;
                }
                await client.Writer.FlushAsync();
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or OperationCanceledException)
            {
                return; // the connection is going away
            }
            finally
            {
                _gate.Release();
                Volatile.Write(ref _draining, 0);
            }
            // A message queued after the last dequeue but before _draining was cleared found a drain running.
            if (_pending.IsEmpty || Interlocked.CompareExchange(ref _draining, 1, 0) != 0) return;
        }
    }

    /// <summary>The connection closed: drop what is queued; a drain that gets the gate from now on writes nothing.</summary>
    public void Close()
    {
        _closed = true;
        _pending.Clear();
        Exit();
    }

    /// <summary>Before the connection completes its output pipe: waits (briefly) for a drain that is writing, so
    /// the pipe is never completed under it.</summary>
    public async Task CloseAsync()
    {
        Close();
        if (await _gate.WaitAsync(TimeSpan.FromSeconds(2))) _gate.Release();
    }
}
