using System.Globalization;
using HyperCache.Replication;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Dump;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>REPLICAOF/SLAVEOF, ROLE, WAIT, REPLCONF GETPORT (how a replica finds the log-shipping port) and SYNC
/// (an RDB export).</summary>
public static class ReplicationCommands
{
    private const string NoLog = "ERR replication needs the AOF (appendonly yes)";

    public static void Register(CommandTable t)
    {
        t.Add("replicaof", 3, CommandFlags.Admin, ReplicaOf);
        t.Add("slaveof", 3, CommandFlags.Admin, ReplicaOf);
        t.Add("role", 1, CommandFlags.Fast, Role);
        t.Add("wait", 3, CommandFlags.None, Wait);
        t.Add("replconf", -1, CommandFlags.Admin, ReplConf);
        t.Add("sync", 1, CommandFlags.Admin | CommandFlags.NoMulti, Sync);
        t.Add("psync", -3, CommandFlags.Admin | CommandFlags.NoMulti, (c, a, r) => throw new CommandError(NoPsync));
    }

    private const string NoPsync = "ERR PSYNC is not supported: HyperCache replicas follow their primary over gRPC (REPLICAOF between HyperCache nodes); SYNC exports an RDB file (redis-cli --rdb)";

    /// <summary>
    /// SYNC as <c>redis-cli --rdb</c> uses it: the whole keyspace as an RDB file (<see cref="RdbFile"/>), sent as
    /// Redis sends a full sync's payload (<c>$length</c>, then the bytes, no CRLF after them), then the connection
    /// closes: an export for backups and for moving data to redis-server, not a replication stream (a Redis replica
    /// asks with PSYNC, which is refused). The file is written on the thread pool into the data directory (as Redis
    /// writes a disk-based sync's file), so the loop serving this connection goes on serving the others, and is then
    /// sent a megabyte at a time, each flushed before the next is read: a dataset of any size, in bounded memory.
    /// </summary>
    private static void Sync(RespClient c, CommandArgs a, RespWriter r)
    {
        var store = c.Store;
        string dir = c.Node.Config.DataDir;
        bool functionsOnly = c.RdbFunctionsOnly;
        c.Blocked = new BlockedCommand(async (writer, closed) =>
        {
            Directory.CreateDirectory(dir);
            await using var file = new FileStream(Path.Combine(dir, $"sync-{Guid.NewGuid():N}.rdb.tmp"), FileMode.CreateNew,
                FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
            try
            {
                await Task.Run(() => RdbFile.Write(store, file, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), functionsOnly), closed);
            }
            catch (InvalidOperationException)
            {
                writer.Error("ERR a snapshot is being taken; try SYNC again in a moment");
                return;
            }
            c.CloseAfterReply = true;
            writer.Preformatted(System.Text.Encoding.ASCII.GetBytes("$" + file.Length.ToString(CultureInfo.InvariantCulture) + "\r\n"));
            file.Position = 0;
            var chunk = new byte[1 << 20];
            int read;
            while ((read = await file.ReadAsync(chunk, closed)) > 0)
            {
                writer.Preformatted(chunk.AsSpan(0, read));
                writer.Commit();
                c.Output.UnsentAfterFlush(writer);
                if ((await writer.FlushAsync()).IsCompleted) return;
                await c.Output.SentDownToAsync(4 << 20, closed); // the file is read no faster than the client takes it
            }
        }, unblockable: false);
    }

    private static Replicator Replication(RespClient c) => c.Node.Replication ?? throw new CommandError(NoLog);

    private static void ReplicaOf(RespClient c, CommandArgs a, RespWriter r)
    {
        var replication = Replication(c);
        if (a.Text(1).Equals("no", StringComparison.OrdinalIgnoreCase) && a.Text(2).Equals("one", StringComparison.OrdinalIgnoreCase))
        {
            // CONFIG GET replicaof shows the role, as Redis; set now, so a CONFIG REWRITE later in the same
            // transaction (Sentinel's) writes the new role.
            c.Node.Config.ReplicaOf = null;
            OutsideTransaction(c, () => replication.PromoteAsync().GetAwaiter().GetResult());
            r.Ok();
            return;
        }
        if (!int.TryParse(a.Text(2), System.Globalization.NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is <= 0 or > 65535)
            throw new CommandError("ERR Invalid master port");
        string host = a.Text(1);
        if (replication.Follower is { } following && following.Host == host && following.Port == port)
        {
            r.Simple("OK Already connected to specified master");
            return;
        }
        c.Node.Config.ReplicaOf = $"{host} {port}";
        OutsideTransaction(c, () => replication.FollowAsync(host, port).GetAwaiter().GetResult());
        r.Ok();
    }

    /// <summary>
    /// A role change waits for the replication follower to stop, and the follower may itself be waiting for the shard
    /// locks a transaction holds: inside EXEC (Redis Sentinel promotes with MULTI, REPLICAOF NO ONE, CONFIG REWRITE,
    /// CLIENT KILL, EXEC) that wait would never end and the node would hang. There the change runs once EXEC has let
    /// the locks go, before its reply is sent; a later command of the same transaction cannot tell (a write queued on
    /// a replica was refused when it was queued, and CONFIG's replicaof is set at once, for CONFIG REWRITE).
    /// </summary>
    private static void OutsideTransaction(RespClient c, Action change)
    {
        if (c.InExec) c.AfterExec += change;
        else change();
    }

    private static void Role(RespClient c, CommandArgs a, RespWriter r)
    {
        if (c.Node.Replication is not { } replication)
        {
            r.ArrayHeader(3);
            r.Bulk("master"u8);
            r.Integer(0);
            r.ArrayHeader(0);
            return;
        }
        if (replication.Follower is { } f)
        {
            r.ArrayHeader(5);
            r.Bulk("slave"u8);
            r.Bulk(System.Text.Encoding.UTF8.GetBytes(f.Host));
            r.Integer(f.Port);
            r.Bulk(System.Text.Encoding.ASCII.GetBytes(ReplicationInfo.LinkState(f)));
            r.Integer(f.AppliedAddress);
            return;
        }
        var online = replication.Replicas.Links.Where(l => l.Online).ToList();
        r.ArrayHeader(3);
        r.Bulk("master"u8);
        r.Integer(replication.Log.TailAddress); // as INFO's master_repl_offset
        r.ArrayHeader(online.Count);
        foreach (var link in online)
        {
            r.ArrayHeader(3);
            r.Bulk(System.Text.Encoding.UTF8.GetBytes(link.Host));
            r.Bulk(System.Text.Encoding.ASCII.GetBytes(link.Port.ToString(CultureInfo.InvariantCulture)));
            r.Bulk(System.Text.Encoding.ASCII.GetBytes(link.AckedAddress.ToString(CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>WAIT numreplicas timeout: how many replicas hold this client's last write (durably). Blocks the
    /// connection (not the node) until enough do or the timeout passes; 0 waits for ever, as in Redis.</summary>
    private static void Wait(RespClient c, CommandArgs a, RespWriter r)
    {
        if (c.Node.IsReplica)
            throw new CommandError("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.");
        long needed = ArgParse.Int64(a[1]);
        long timeout = ArgParse.Int64(a[2]);
        if (timeout < 0) throw new CommandError("ERR timeout is negative");
        if (c.Node.Replication is not { } replication)
        {
            r.Integer(0); // no log, no replicas
            return;
        }
        long address = c.Session.LastLogAddress;
        int now = replication.Replicas.AcknowledgedCount(address);
        if (now >= needed || c.InExec)
        {
            r.Integer(now);
            return;
        }
        BlockedCommand? blocked = null;
        c.Blocked = blocked = new BlockedCommand(async (writer, closed) =>
        {
            if (address >= 0) await replication.Log.WaitForCommitAsync(address); // only committed entries are shipped
            int count;
            try
            {
                count = await replication.Replicas.WaitForAcksAsync(address, (int)Math.Min(needed, int.MaxValue),
                    timeout == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(timeout), closed);
            }
            catch (OperationCanceledException)
            {
                count = replication.Replicas.AcknowledgedCount(address);
            }
            if (blocked!.UnblockedWithError) writer.Error(BlockedCommand.UnblockedError);
            else writer.Integer(count);
        });
    }

    private static void ReplConf(RespClient c, CommandArgs a, RespWriter r)
    {
        if (a.Count == 2 && a.Text(1).Equals("getport", StringComparison.OrdinalIgnoreCase))
        {
            Replication(c);
            r.Integer(c.Node.Config.EffectiveReplicationPort);
            return;
        }
        if (a.Count % 2 == 0) throw new CommandError("ERR syntax error");
        // redis-cli --functions-rdb asks for a file of the libraries alone; the other options have nothing to tune.
        for (int i = 1; i < a.Count; i += 2)
            if (a.Text(i).Equals("rdb-filter-only", StringComparison.OrdinalIgnoreCase))
                c.RdbFunctionsOnly = a.Text(i + 1).Equals("functions", StringComparison.OrdinalIgnoreCase);
        r.Ok();
    }
}
