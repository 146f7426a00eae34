using HyperCache.StateMachine;
using Microsoft.Extensions.Logging;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>
/// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT], as Redis 7.0: on success the node closes the connection without a
/// reply and exits. Every acknowledged write is already in the log; SHUTDOWN commits it (as Redis fsyncs its AOF),
/// and with SAVE first writes a snapshot, so the next start replays nothing. NOW and FORCE are accepted: there is no
/// wait for lagging replicas to skip, and with FORCE a failed SAVE does not stop the shutdown. ABORT has nothing to
/// abort (the shutdown is never delayed). While a script is busy only NOSAVE is accepted, and the process exits at
/// once (<see cref="ShutdownWhileBusy"/>).
/// </summary>
public static class ShutdownCommand
{
    public static void Register(CommandTable t) => t.Add("shutdown", -1, CommandFlags.Admin | CommandFlags.NoMulti, Shutdown);

    private static void Shutdown(RespClient c, CommandArgs a, RespWriter r)
    {
        bool save = false, noSave = false, force = false, abort = false;
        for (int i = 1; i < a.Count; i++)
        {
            if (a.Is(i, "SAVE"u8)) save = true;
            else if (a.Is(i, "NOSAVE"u8)) noSave = true;
            else if (a.Is(i, "NOW"u8)) { }
            else if (a.Is(i, "FORCE"u8)) force = true;
            else if (a.Is(i, "ABORT"u8)) abort = true;
            else throw CommandError.Syntax();
        }
        if ((save && noSave) || (abort && a.Count > 2)) throw CommandError.Syntax();
        if (abort) throw new CommandError("ERR No shutdown in progress.");

        var node = c.Node;
        if (node.BusyScript.Active) ShutdownWhileBusy(c, noSave);
        if (node.StopHost is not { } stop) throw new CommandError("ERR Errors trying to SHUTDOWN. Check logs.");
        if (save && !Save(node) && !force) throw new CommandError("ERR Errors trying to SHUTDOWN. Check logs.");
        bool committed = node.Log?.TryCommit() ?? true; // a log that cannot write does not stop it, as Redis's AOF does not
        node.Logger.LogWarning("SHUTDOWN by client {Client}: {Mode}", c.RemoteAddress,
            save ? "after a snapshot" : committed ? "log committed" : "the log cannot be written");
        c.CloseAfterReply = true; // no reply: Redis closes the connection, and so does the exit
        stop();
    }

    /// <summary>A script is busy: only NOSAVE, as Redis. The script never finishes: its writes were never logged as an
    /// entry (gone after the restart) and its caller never answered; what was acknowledged is committed first.</summary>
    private static void ShutdownWhileBusy(RespClient c, bool noSave)
    {
        if (!noSave) throw new CommandError(c.Node.BusyScript.BusyText);
        c.Node.Log?.TryCommit();
        c.Node.Logger.LogWarning("SHUTDOWN NOSAVE by client {Client} while a script is busy: log committed, exiting now", c.RemoteAddress);
        Hosting.HardExit.Now(0);
    }

    private static bool Save(Hosting.Node node)
    {
        node.Snapshots.WaitIdle(TimeSpan.FromSeconds(60)); // a background save in progress finishes first
        if (node.Snapshots.TrySave(out _, out string? error) && error is null) return true;
        node.Logger.LogError("SHUTDOWN SAVE failed: {Error}", error ?? "a snapshot is still in progress");
        return false;
    }
}
