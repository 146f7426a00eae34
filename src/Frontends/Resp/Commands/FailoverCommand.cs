using HyperCache.Replication.Failover;
using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>
/// FAILOVER [TO host port [FORCE]] [TIMEOUT ms] | FAILOVER ABORT, as Redis 7.0: replies at once and runs in the
/// background (INFO's master_failover_state), writes paused as by CLIENT PAUSE WRITE until it ends; the replica's
/// hand-over is <see cref="FailoverCoordinator"/>'s.
/// </summary>
public static class FailoverCommand
{
    public static void Register(CommandTable t) => t.Add("failover", -1, CommandFlags.Admin, Run);

    private static void Run(RespClient c, CommandArgs a, RespWriter r)
    {
        var replication = c.Node.Replication ?? throw new CommandError("ERR replication needs the AOF (appendonly yes)");
        if (a.Count == 2 && a.Is(1, "ABORT"u8))
        {
            if (!replication.Failover.Abort()) throw new CommandError("ERR No failover in progress.");
            r.Ok();
            return;
        }
        long timeout = 0, port = 0;
        string? host = null;
        bool force = false;
        for (int i = 1; i < a.Count; i++)
        {
            if (a.Is(i, "TIMEOUT"u8) && i + 1 < a.Count && timeout == 0)
            {
                timeout = ArgParse.Int64(a[++i]);
                if (timeout <= 0) throw new CommandError("ERR FAILOVER timeout must be greater than 0");
            }
            else if (a.Is(i, "TO"u8) && i + 2 < a.Count && host is null)
            {
                port = ArgParse.Int64(a[i + 2]);
                host = a.Text(i + 1);
                i += 2;
            }
            else if (a.Is(i, "FORCE"u8) && !force) force = true;
            else throw CommandError.Syntax();
        }
        var node = c.Node;
        string? refused = replication.Failover.Start(new FailoverRequest(host, (int)Math.Clamp(port, 0, int.MaxValue), timeout, force), () => node.Pause.HoldWrites(by: c));
        if (refused is not null) throw new CommandError(refused);
        r.Ok();
    }
}
