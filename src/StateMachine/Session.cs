using HyperCache.StateMachine.Transactions;

namespace HyperCache.StateMachine;

/// <summary>Per-client state the store needs: the selected database, the last log address this client wrote
/// (which the frontend waits on before replying, under <c>appendfsync always</c>), and its transaction state.</summary>
public sealed class Session
{
    public int Db;
    public long LastLogAddress = -1;

    /// <summary>While EXEC runs: the events gathered for its one log entry.</summary>
    internal EventBatch? Batch;

    /// <summary>Events gathered so far for that entry (a script's writes: SCRIPT KILL refuses once one was made).</summary>
    public int BatchedEvents => Batch?.Count ?? 0;

    /// <summary>The keys this client WATCHes, or null.</summary>
    internal WatchSet? Watches;

    /// <summary>True when a WATCHed key was written since WATCH: the next EXEC aborts.</summary>
    public bool WatchDirty => Watches?.Dirty == true;
}

/// <summary>A list of keys that lives in a request buffer; implemented by the frontends without copying.</summary>
public interface IKeyList
{
    int Count { get; }
    ReadOnlySpan<byte> this[int index] { get; }
}
