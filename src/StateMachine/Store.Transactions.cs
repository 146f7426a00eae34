using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Transactions;

namespace HyperCache.StateMachine;

/// <summary>
/// MULTI/EXEC. EXEC runs its commands with every shard locked (so no other client sees half of it or writes in
/// between) and logs their events as one <see cref="EventKind.Batch"/> entry (so a crash keeps all of it or none).
/// WATCH is in Store.Watch.cs.
/// </summary>
public sealed partial class Store
{
    /// <summary>Replay: the events of one transaction, in order, through the one <see cref="Apply"/>.</summary>
    private void ApplyBatch(ref EventReader r, int fields)
    {
        for (int i = 0; i < fields; i++)
        {
            byte kind = r.ReadBatchPair(out var body);
            Apply(kind, body);
        }
    }

    /// <summary>
    /// EXEC: with every shard locked, checks the session's WATCHes, then runs <paramref name="commands"/>; their
    /// events are applied as they come (later commands read earlier results) and logged afterwards as one entry,
    /// whose address becomes the session's last write. Returns false, running nothing, when a watched key changed.
    /// The watches are cleared either way. Shard locks are re-entrant, so the commands take theirs as usual.
    /// </summary>
    public bool RunTransaction(Session session, Action commands)
    {
        using var locks = LockAll(stackalloc ulong[MaskWords]);
        bool aborted = WatchedKeyChanged(session);
        Unwatch(session);
        if (aborted) return false;
        RunAsOneEntry(session, session, commands);
        return true;
    }

    /// <summary>Runs <paramref name="body"/> with the events of <paramref name="writer"/> collected, applied as they
    /// come, then logged as one <see cref="EventKind.Batch"/> entry whose address becomes <paramref name="owner"/>'s
    /// last write (EXEC, and EVAL on the script's own session). The caller holds every shard lock.</summary>
    private void RunAsOneEntry(Session writer, Session owner, Action body)
    {
        var batch = new EventBatch { WholeWrite = true };
        writer.Batch = batch;
        try
        {
            body();
        }
        finally
        {
            // Even if a command failed halfway, what was applied must be logged: state = log.
            writer.Batch = null;
            if (batch.Count > 0) Volatile.Read(ref _tracker)?.EventDone(); // BCAST: the transaction's keys as one message per prefix
            if (batch.Count > 0 && _log != null)
                owner.LastLogAddress = _log.Append(batch.ToEntry().Entry, (byte)EventKind.Batch);
        }
    }
}
