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

    public const string UnblockedError = "UNBLOCKED client unblocked via CLIENT UNBLOCK";

    /// <summary>Waits until the waiter is served, the timeout passes (the reply then gets a null result), or the
    /// connection closes (the waiter leaves its queues, so no pop is made for a client that is gone).</summary>
    private readonly Func<RespWriter, CancellationToken, Task>? _custom;
    private readonly CancellationTokenSource? _unblock;
    private volatile bool _unblockedWithError, _unblockedByClient;

    /// <summary>A command that waits for something other than keys (WAIT): <paramref name="complete"/> writes its
    /// reply; its token also fires on CLIENT UNBLOCK when <paramref name="unblockable"/> (a CLIENT PAUSE wait is not).</summary>
    public BlockedCommand(Func<RespWriter, CancellationToken, Task> complete, bool unblockable = true) : this(null!, 0, null!)
    {
        _custom = complete;
        if (unblockable) _unblock = new CancellationTokenSource();
    }

    /// <summary>CLIENT UNBLOCK: ends the wait as its timeout would, or with <see cref="UnblockedError"/>. False when
    /// there is nothing to end (already served, or a paused command, which only UNPAUSE releases).</summary>
    public bool TryUnblock(bool withError)
    {
        if (_custom is null)
        {
            _unblockedWithError = withError; // read only once Cancel has completed the waiter
            _unblockedByClient = true;
            return waiter.Cancel();
        }
        if (_unblock is null || _unblock.IsCancellationRequested) return false;
        _unblockedWithError = withError;
        _unblockedByClient = true;
        _unblock.Cancel();
        return true;
    }

    /// <summary>Set when it blocked and the slow log is on: logged when served (<see cref="SlowLog.Hold"/>).</summary>
    public SlowLog.Held? HeldForSlowLog { get; set; }

    /// <summary>Set when it was served an error, or ended by CLIENT UNBLOCK in either mode (Redis 7.0.15 counts
    /// both as a failed call: its updateStatsOnUnblock with had_errors set).</summary>
    public bool FailedWhenServed { get; private set; }

    /// <summary>For a custom wait whose token fired: CLIENT UNBLOCK ... ERROR ended it (reply <see cref="UnblockedError"/>).</summary>
    public bool UnblockedWithError => _unblockedWithError;

    /// <returns>How long writing the reply took (<see cref="System.Diagnostics.Stopwatch"/> ticks) when the command
    /// was served a value or an error or was ended by CLIENT UNBLOCK, as Redis's slow log and commandstats count it
    /// (0 but for a value); null when it timed out by itself, and for a custom wait (WAIT) that ended by itself,
    /// which Redis 7.0 does not log either.</returns>
    public async Task<long?> CompleteAsync(RespWriter writer, CancellationToken connectionClosed)
    {
        if (_custom != null)
        {
            if (_unblock is null)
            {
                await _custom(writer, connectionClosed);
                return null;
            }
            using var either = CancellationTokenSource.CreateLinkedTokenSource(connectionClosed, _unblock.Token);
            await _custom(writer, either.Token); // it asks UnblockedWithError when its token fired
            if (!_unblockedByClient) return null;
            FailedWhenServed = true; // as Redis counts any command CLIENT UNBLOCK ends
            return 0;
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
            FailedWhenServed = true;
            return 0;
        }
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        if (result is null && _unblockedWithError)
        {
            writer.Error(UnblockedError);
            FailedWhenServed = true;
        }
        else if (result is null)
        {
            reply(writer, null); // timed out, or CLIENT UNBLOCK (TIMEOUT), which Redis counts and logs
            if (!_unblockedByClient) return null;
            FailedWhenServed = true;
            return 0;
        }
        else reply(writer, result);
        return System.Diagnostics.Stopwatch.GetTimestamp() - started;
    }
}
