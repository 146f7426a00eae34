using HyperCache.Frontends.Resp.Commands;

namespace HyperCache.Frontends.Resp;

/// <summary>
/// What a connection's state says about a command before it runs, checked in Redis's order: authentication,
/// then the user's ACL rules, then the RESP2 subscriber's restricted command set, then CLIENT PAUSE, then MULTI's queue. The dispatcher asks only when
/// <see cref="RespClient.Gated"/> is set, so an ordinary connection pays one test per command.
/// </summary>
public static class ConnectionGate
{
    /// <summary>True when the command was answered here (refused, or queued) and must not run now.</summary>
    public static bool Intercept(RespClient client, CommandSpec spec, CommandArgs args, RespWriter reply)
    {
        if (!client.Authenticated && !spec.Flags.HasFlag(CommandFlags.NoAuth))
        {
            Reject(client, spec, "NOAUTH Authentication required.");
            return true;
        }
        if (!client.User.Rules.AllowsAll && Acl.AclCheck.Refusal(client, spec, args) is { } denied)
        {
            Reject(client, spec, denied); // inside MULTI at queue time, as Redis: the transaction is doomed
            return true;
        }
        if (client.Monitoring && (spec.Flags.HasFlag(CommandFlags.ReadOnly) || spec.Flags.HasFlag(CommandFlags.Write)))
        {
            Reject(client, spec, "ERR Replica can't interact with the keyspace"); // Redis's words: a monitor is a replica there
            return true;
        }
        if (client.Protocol == 2 && client.Subscriptions is { Active: true } && !AllowedWhileSubscribed(spec))
        {
            Reject(client, spec, $"ERR Can't execute '{spec.Name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context");
            return true;
        }
        if (spec.Flags.HasFlag(CommandFlags.Write) && client.Node.IsReplica)
        {
            Reject(client, spec, "READONLY You can't write against a read only replica.");
            return true;
        }
        if (client.Node.Replication is { Strategy: var strategy } && spec.Flags.HasFlag(CommandFlags.Write) && !strategy.MayWrite())
        {
            Reject(client, spec, "NOREPLICAS Not enough good replicas to write.");
            return true;
        }
        if (client.Node.Pause.Active && !client.InExec && Park(client, spec, args)) return true;
        if (client.Transaction is { } transaction && !TransactionCommands.ControlsTransaction(spec))
        {
            if (spec.Flags.HasFlag(CommandFlags.NoMulti)) // refused, and the transaction is doomed
            {
                Reject(client, spec, "ERR Command not allowed inside a transaction");
                return true;
            }
            transaction.Queue(spec, args);
            reply.Simple("QUEUED"u8);
            return true;
        }
        return false;
    }

    /// <summary>CLIENT PAUSE covers the command: it is left unread and the connection waits (see
    /// <see cref="ClientPause"/>). Checked after the refusals above, before MULTI queues it, as in Redis.</summary>
    private static bool Park(RespClient client, CommandSpec spec, CommandArgs args)
    {
        var pause = client.Node.Pause;
        bool write = pause.Mode == PauseMode.Write && PauseRules.CoveredByWritePause(client, spec, args);
        if (!pause.TryPark(write, out var lifted)) return false;
        client.Postponed = true;
        client.Blocked = new BlockedCommand((_, closed) => pause.WaitAsync(lifted, closed), unblockable: false);
        return true;
    }

    /// <summary>Refuses a command: inside MULTI this also dooms the transaction; a refused EXEC answers EXECABORT.</summary>
    public static void Reject(RespClient client, CommandSpec? spec, string error)
    {
        spec?.Meter?.Rejected();
        if (client.Transaction is { } transaction) transaction.Dirty = true;
        if (spec?.Name == "exec")
        {
            TransactionCommands.Discard(client);
            error = "EXECABORT Transaction discarded because of: " + (error.StartsWith("ERR ", StringComparison.Ordinal) ? error[4..] : error);
        }
        client.Writer.Error(error);
    }

    private static bool AllowedWhileSubscribed(CommandSpec spec) => spec.Name is "subscribe" or "unsubscribe" or "psubscribe"
        or "punsubscribe" or "ssubscribe" or "sunsubscribe" or "ping" or "quit" or "reset";
}
