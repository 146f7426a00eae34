using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>SAVE, BGSAVE, BGREWRITEAOF, LASTSAVE: snapshots and log compaction, with Redis's replies.</summary>
public static class PersistenceCommands
{
    public static void Register(CommandTable t)
    {
        const CommandFlags A = CommandFlags.Admin;
        t.Add("save", 1, A | CommandFlags.NoMulti, (c, a, r) =>
        {
            // Shard by shard under each shard's lock: unlike Redis's SAVE, the rest of the node keeps serving.
            if (!c.Node.Snapshots.TrySave(out _, out string? error)) throw new CommandError("ERR Background save already in progress");
            if (error != null) throw new CommandError("ERR " + error);
            r.Ok();
        });
        t.Add("bgsave", -1, A, (c, a, r) =>
        {
            bool schedule = a.Count == 2 && a.Is(1, "SCHEDULE"u8);
            if (a.Count > 2 || (a.Count == 2 && !schedule)) throw CommandError.Syntax();
            if (c.Node.Snapshots.TryStartBackground(rewrite: false)) r.Simple("Background saving started");
            else if (schedule)
            {
                c.Node.Snapshots.ScheduleAfterCurrent(rewrite: false);
                r.Simple("Background saving scheduled");
            }
            else throw new CommandError("ERR Background save already in progress");
        });
        t.Add("bgrewriteaof", 1, A, (c, a, r) =>
        {
            if (c.Node.Log is null) throw new CommandError("ERR Background append only file rewriting needs appendonly yes");
            if (c.Node.Snapshots.RewriteInProgress) throw new CommandError("ERR Background append only file rewriting already in progress");
            if (c.Node.Snapshots.TryStartBackground(rewrite: true)) r.Simple("Background append only file rewriting started");
            else
            {
                c.Node.Snapshots.ScheduleAfterCurrent(rewrite: true);
                r.Simple("Background append only file rewriting scheduled");
            }
        });
        t.Add("lastsave", 1, CommandFlags.Fast, (c, a, r) => r.Integer(c.Node.Snapshots.LastSaveUnix));
    }
}
