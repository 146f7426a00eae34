using System.Collections.Concurrent;

namespace HyperCache.Frontends.Resp;

/// <summary>
/// One connection's output, shared by two writers: the connection's own loop (replies) and publishers on other
/// threads (pub/sub messages). Whoever writes holds <see cref="EnterAsync"/>'s gate through its flush. A publisher
/// never waits for a subscriber: it queues the message and a drain task on the thread pool writes the queue when
/// the gate is free. A subscriber that lets more than <see cref="Limit"/> bytes pile up is disconnected, as Redis
/// does with its pub/sub output buffer limit (32 MB).
/// </summary>
public sealed class ClientOutput
{
    public const long Limit = 32L * 1024 * 1024;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentQueue<IPushMessage> _pending = new();
    private long _pendingBytes;
    private int _draining;
    private volatile bool _closed;
    private bool _heldByConnection;

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
