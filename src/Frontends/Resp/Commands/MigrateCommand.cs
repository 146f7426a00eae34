using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>
/// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password] [AUTH2 username password]
/// [KEYS key ...], as Redis 7.0: the keys' DUMP payloads are RESTOREd on the target (<see cref="MigrateExchange"/>),
/// then, unless COPY, deleted here as one logged DEL of the keys the target acknowledged.
/// Redis blocks its whole server for the exchange; here only the calling connection waits (parked as a blocked
/// command, no thread held), so the keys are read at once and the delete re-checks that each still holds what was
/// sent (<see cref="Store.DeleteMigrated"/>). Inside MULTI/EXEC or a script, which cannot park, the exchange runs
/// on the calling thread, bounded by the timeout, as Redis runs it.
/// </summary>
public static class MigrateCommand
{
    private const string KeysNeedEmptyKey = "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string";

    public static void Register(CommandTable t) => t.Add("migrate", -6, CommandFlags.Write, Migrate, 3, 3, 1);

    private static void Migrate(RespClient c, CommandArgs a, RespWriter r)
    {
        bool copy = false, replace = false;
        byte[]? username = null, password = null;
        int firstKey = 3, keyCount = 1;
        for (int j = 6; j < a.Count; j++)
        {
            int more = a.Count - 1 - j;
            if (a.Is(j, "COPY"u8)) copy = true;
            else if (a.Is(j, "REPLACE"u8)) replace = true;
            else if (a.Is(j, "AUTH"u8))
            {
                if (more < 1) throw CommandError.Syntax();
                password = a[++j].ToArray();
            }
            else if (a.Is(j, "AUTH2"u8))
            {
                if (more < 2) throw CommandError.Syntax();
                username = a[++j].ToArray();
                password = a[++j].ToArray();
            }
            else if (a.Is(j, "KEYS"u8))
            {
                if (a[3].Length != 0) throw new CommandError(KeysNeedEmptyKey);
                firstKey = j + 1;
                keyCount = a.Count - j - 1;
                break; // the rest are keys
            }
            else throw CommandError.Syntax();
        }
        long timeout = ArgParse.Int64(a[5]); // Redis's order: the timeout, then the database
        long db = ArgParse.Int64(a[4]);
        if (timeout <= 0) timeout = 1000;

        var keys = new List<byte[]>(keyCount);
        for (int i = firstKey; i < firstKey + keyCount; i++) keys.Add(a[i].ToArray());
        var moving = c.Store.ReadForMigrate(c.Session, keys);
        if (moving.Count == 0)
        {
            r.Simple("NOKEY"u8); // nothing to move is no error (the keys may just have expired)
            return;
        }
        long now = c.Store.NowMs();
        var ttls = new long[moving.Count];
        for (int i = 0; i < ttls.Length; i++) ttls[i] = moving[i].ExpireAt == 0 ? 0 : Math.Max(1, moving[i].ExpireAt - now);
        var request = new MigrateRequest(a.Text(1), a.Text(2), db, timeout, username, password, replace, moving, ttls);

        if (c.InExec)
        {
            var outcome = MigrateExchange.RunAsync(c.Node.MigrateSockets, request).GetAwaiter().GetResult();
            Finish(c, r, request, outcome, copy);
            return;
        }
        // Not unblockable: CLIENT UNBLOCK does not end a MIGRATE (in Redis it blocks the server, not the client).
        c.Blocked = new BlockedCommand(async (writer, _) =>
        {
            var outcome = await MigrateExchange.RunAsync(c.Node.MigrateSockets, request);
            // A write pause (CLIENT PAUSE WRITE, FAILOVER) begun meanwhile holds the delete, as it holds any write.
            using var permit = copy ? default : await c.Node.Pause.EnterWritesAsync(parked: true, CancellationToken.None);
            try
            {
                Finish(c, writer, request, outcome, copy);
            }
            catch (CommandError e)
            {
                writer.Error(e.Message); // as the dispatcher would reply it
            }
        }, unblockable: false);
    }

    /// <summary>Deletes what the target restored (unless COPY) and replies: the target's or the socket's error,
    /// else OK. Keys that changed during the exchange are kept here, and counted in an error.</summary>
    private static void Finish(RespClient c, RespWriter r, MigrateRequest request, MigrateOutcome outcome, bool copy)
    {
        List<byte[]> changed = [];
        if (!copy && outcome.Restored.Contains(true) && !ToItself(c, request, outcome))
        {
            if (c.Node.IsReplica)
            {
                // The node became a replica during the exchange (FAILOVER): it may no longer write.
                r.Error("READONLY You can't write against a read only replica.");
                return;
            }
            var restored = new List<MigratingKey>();
            for (int i = 0; i < outcome.Restored.Length; i++)
                if (outcome.Restored[i]) restored.Add(request.Keys[i]);
            changed = c.Store.DeleteMigrated(c.Session, restored);
        }
        if (outcome.Error != null) r.Error(outcome.Error);
        else if (changed.Count > 0)
            r.Error($"ERR MIGRATE kept {changed.Count} key(s) here that changed during the transfer (the target holds the value sent)");
        else r.Ok();
    }

    /// <summary>A MIGRATE to this node's own database restored the keys onto themselves (with REPLACE): deleting them
    /// then would lose them. The target is this node when one of its clients is the socket's other end (it has
    /// answered on it, so it is registered).</summary>
    private static bool ToItself(RespClient c, MigrateRequest request, MigrateOutcome outcome)
        => request.Db == c.Session.Db && outcome.LocalEndPoint is { } local && c.Node.Clients.All.Any(other => other.RemoteAddress == local);
}
