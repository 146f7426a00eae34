using HyperCache.StateMachine;
using HyperCache.StateMachine.Blocking;

namespace HyperCache.Frontends.Resp;

/// <summary>
/// A blocking command that found nothing to take (BLPOP on empty lists...). Its handler queues a
/// <see cref="KeyWaiter"/> in the store and parks this on <see cref="RespClient.Blocked"/>; the connection stops
/// executing its batch, flushes the replies so far, awaits <see cref="CompleteAsync"/> (which writes this command's
/// reply), then goes on with the rest of the batch, as a blocked Redis client does.
/// </summary>
public sealed class BlockedCommand(KeyWaiter waiter, long timeoutMs, Action<RespWriter, object?> reply)
{
    /// <summary>Timers longer than this (~49 days, Task.Delay's limit) are treated as no timeout.</summary>
    private const long MaxTimerMs = uint.MaxValue - 1;

    /// <summary>Waits until the waiter is served, the timeout passes (the reply then gets a null result), or the
    /// connection closes (the waiter leaves its queues, so no pop is made for a client that is gone).</summary>
    private readonly Func<RespWriter, CancellationToken, Task>? _custom;

    /// <summary>A command that waits for something other than keys (WAIT): <paramref name="complete"/> writes its reply.</summary>
    public BlockedCommand(Func<RespWriter, CancellationToken, Task> complete) : this(null!, 0, null!) => _custom = complete;

    public async Task CompleteAsync(RespWriter writer, CancellationToken connectionClosed)
    {
        if (_custom != null)
        {
            await _custom(writer, connectionClosed);
            return;
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(connectionClosed);
        if (timeoutMs > 0 && timeoutMs <= MaxTimerMs) stop.CancelAfter(TimeSpan.FromMilliseconds(timeoutMs));
        await using var cancel = stop.Token.Register(static w => ((KeyWaiter)w!).Cancel(), waiter);
        object? result;
        try
        {
            result = await waiter.Completion;
        }
        catch (CommandError e)
        {
            writer.Error(e.Message);
            return;
        }
        reply(writer, result);
    }
}
