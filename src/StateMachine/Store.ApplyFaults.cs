using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine;

/// <summary>An event that was logged but could not be applied: its kind and what applying it threw.</summary>
public sealed record ApplyFault(byte Kind, Exception Error, long Count);

public sealed partial class Store
{
    private long _applyFaults;
    private Action<ApplyFault>? _onApplyFault;

    /// <summary>Events whose apply failed since start (replay included). Nonzero means a bug: see the node's log.</summary>
    public long ApplyFaults => Interlocked.Read(ref _applyFaults);

    /// <summary>
    /// Applying a known event threw. The event is in the log (a live write is logged before it is applied), and
    /// whatever it changed before it threw stays, the same on every path: applying is deterministic, so replay and
    /// replicas meet the same fault at the same place and end where the live node did. Stopping instead would leave a
    /// node that cannot start again on its own log. The live write's client gets an error (<see cref="LogAndApply"/>).
    /// </summary>
    private void Faulted(byte kind, Exception error)
    {
        long count = Interlocked.Increment(ref _applyFaults);
        _onApplyFault?.Invoke(new ApplyFault(kind, error, count));
    }

    /// <summary>The error a live write gets when its event could not be applied.</summary>
    private static CommandError ApplyFailed(EventKind kind)
        => new($"{CommandError.InternalErrorPrefix} applying this write ({kind}); the node logged the details and goes on");
}
