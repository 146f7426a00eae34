using System.Threading.Tasks.Sources;

namespace HyperCache.Frontends.Transport;

/// <summary>
/// The send side's one reusable wait for "the socket is writable again" (or "give up": aborted, broken). The loop
/// thread signals it on EPOLLOUT and the sender continues inline there. Signalled at most once per wait, whichever
/// of the loop and an aborting thread comes first.
/// </summary>
internal sealed class WritableSignal : IValueTaskSource<bool>
{
    private ManualResetValueTaskSourceCore<bool> _core; // continuations run inline, on the signalling thread
    private int _waiting;

    /// <summary>Arms the signal; await the result (true: writable, false: stop sending).</summary>
    public ValueTask<bool> Arm()
    {
        _core.Reset();
        Interlocked.Exchange(ref _waiting, 1); // a full fence: an abort after this point sees the wait and ends it
        return new ValueTask<bool>(this, _core.Version);
    }

    /// <summary>Ends the current wait, if any.</summary>
    public void Signal(bool writable)
    {
        if (Interlocked.Exchange(ref _waiting, 0) == 1) _core.SetResult(writable);
    }

    public bool GetResult(short token) => _core.GetResult(token);
    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);
    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
