using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine;

/// <summary>
/// Lua scripts (EVAL): atomic like EXEC, without WATCH. The script's commands run on a session of its own (its
/// SELECT does not change the caller's database, as in Redis 7), with every shard locked, and their events are
/// logged as one <see cref="EventKind.Batch"/> entry, which replay and replicas apply as they do a transaction's.
/// </summary>
public sealed partial class Store
{
    /// <summary>
    /// Runs <paramref name="body"/> with every shard locked; the writes made through <paramref name="script"/> are
    /// applied as they come and logged afterwards as one entry, whose address becomes the caller's last write.
    /// Inside EXEC the script's events join the transaction's entry instead, so the log keeps their order.
    /// </summary>
    public void RunScript(Session caller, Session script, Action body)
    {
        using var locks = LockAll(stackalloc ulong[MaskWords]);
        _scriptHoldsLocks = true;
        try
        {
            if (caller.Batch is { } transaction)
            {
                script.Batch = transaction;
                try
                {
                    body();
                }
                finally
                {
                    script.Batch = null;
                }
                return;
            }
            RunAsOneEntry(script, caller, body);
        }
        finally
        {
            _scriptHoldsLocks = false;
        }
    }

    private volatile bool _scriptHoldsLocks;

    /// <summary>A script (or function) runs and holds every shard lock until it ends, however long that is.</summary>
    internal bool ScriptHoldsLocks => _scriptHoldsLocks;
}
