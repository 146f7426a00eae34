using Microsoft.Extensions.Logging;
using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>MULTI, EXEC, DISCARD, WATCH, UNWATCH. The atomicity (all shard locks, one log entry) and WATCH's
/// change detection live in the store (Store.Transactions.cs); this is the connection's side.</summary>
public static class TransactionCommands
{
    /// <summary>Commands that act on the transaction itself instead of being queued (with QUIT and RESET).</summary>
    public static bool ControlsTransaction(CommandSpec spec) => spec.Name is "exec" or "discard" or "multi" or "watch" or "quit" or "reset";

    public static void Register(CommandTable t)
    {
        const CommandFlags F = CommandFlags.Fast;
        t.Add("multi", 1, F, (c, a, r) =>
        {
            if (c.Transaction != null) throw new CommandError("ERR MULTI calls can not be nested");
            c.Transaction = new Transaction();
            r.Ok();
        });
        t.Add("exec", 1, CommandFlags.None, Exec);
        t.Add("discard", 1, F, (c, a, r) =>
        {
            if (c.Transaction is null) throw new CommandError("ERR DISCARD without MULTI");
            Discard(c);
            r.Ok();
        });
        t.Add("watch", -2, F, (c, a, r) =>
        {
            if (c.Transaction != null) throw new CommandError("ERR WATCH inside MULTI is not allowed");
            for (int i = 1; i < a.Count; i++) c.Store.Watch(c.Session, a[i]);
            r.Ok();
        }, 1, -1, 1);
        t.Add("unwatch", 1, F, (c, a, r) =>
        {
            c.Store.Unwatch(c.Session);
            r.Ok();
        });
    }

    /// <summary>DISCARD, RESET: forget the queue and the watches.</summary>
    public static void Discard(RespClient c)
    {
        c.Transaction = null;
        c.Store.Unwatch(c.Session);
    }

    private static void Exec(RespClient c, CommandArgs a, RespWriter r)
    {
        if (c.Transaction is not { } transaction) throw new CommandError("ERR EXEC without MULTI");
        c.Transaction = null;
        if (transaction.Dirty)
        {
            c.Store.Unwatch(c.Session);
            throw new CommandError("EXECABORT Transaction discarded because of previous errors.");
        }
        c.InExec = true;
        try
        {
            if (!c.Store.RunTransaction(c.Session, () => transaction.Run(c, r))) r.NullArray();
        }
        finally
        {
            c.InExec = false;
            var after = c.AfterExec;
            c.AfterExec = null;
            try
            {
                after?.Invoke();
            }
            catch (Exception e)
            {
                // EXEC's reply (already written) said OK for that command: the node's log says what went wrong.
                c.Node.Logger.LogError(e, "A command of EXEC failed once the transaction had let its locks go");
            }
        }
    }
}
