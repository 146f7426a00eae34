using System.Diagnostics;
using HyperCache.Frontends.Hosting;
using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp;

/// <summary>Finds a parsed command, checks its arity, runs it, and turns a <see cref="CommandError"/> into a reply.</summary>
public sealed class CommandDispatcher(Node node)
{
    private readonly Scripting.BusyScript _busyScript = node.BusyScript;

    /// <summary>Whether the last command run was one Redis calls fast (O(1) or O(log n)); false for unknown or
    /// refused ones too.</summary>
    public bool LastWasFast { get; private set; }

    /// <summary>The last command that ran (null when it was unknown or refused before running).</summary>
    public CommandSpec? LastSpec { get; private set; }

    public void Execute(RespClient client, CommandArgs args)
    {
        // CLIENT REPLY: this command's replies (errors too) are dropped under OFF or SKIP; SKIP's mark moves on to
        // the next command once this one ran (a command CLIENT PAUSE held back has not run yet).
        if (client.Replies != ReplyMode.On || client.Writer.Muted)
            client.Writer.Muted = (client.Replies & (ReplyMode.Off | ReplyMode.Skip)) != 0;
        Run(client, args);
        if (client.Replies == ReplyMode.On || client.Postponed) return;
        var replies = client.Replies & ~ReplyMode.Skip;
        if ((replies & ReplyMode.SkipNext) != 0) replies = (replies & ~ReplyMode.SkipNext) | ReplyMode.Skip;
        client.Replies = replies;
    }

    private void Run(RespClient client, CommandArgs args)
    {
        LastWasFast = false;
        LastSpec = null;
        var reply = client.Writer;
        switch (node.Commands.Resolve(args, out var spec))
        {
            case CommandLookup.UnknownCommand:
                ConnectionGate.Reject(client, null, CommandTable.UnknownCommandError(args));
                node.Metrics.Unknown.Error.Inc();
                return;
            case CommandLookup.UnknownSubcommand:
                ConnectionGate.Reject(client, spec, $"ERR unknown subcommand '{Clip(args.Text(1))}'. Try {spec.Name.ToUpperInvariant()} HELP.");
                return;
        }
        client.LastCommand = spec.Name;
        if (!spec.ArityOk(args.Count))
        {
            ConnectionGate.Reject(client, spec, ArgParse.WrongArity(spec.Name).Message);
            spec.Meter?.Error.Inc();
            return;
        }
        // A running script holds every shard lock: wait for it, or answer BUSY once it is past busy-reply-threshold,
        // before taking any lock (one volatile read when no script runs).
        if (!_busyScript.Quiet && !spec.Flags.HasFlag(CommandFlags.AllowBusy) && _busyScript.MustRefuse())
        {
            RefuseWhileBusy(client, spec, args);
            return;
        }
        if (RefusedForMemory(client, spec))
        {
            // inside MULTI this dooms the transaction, as in Redis; a user's ACL rules are checked before memory there
            ConnectionGate.Reject(client, spec, AclRefusal(client, spec, args) ?? OomRules.Error);
            spec.Meter?.Error.Inc();
            return;
        }
        if (node.Log?.WriteError is { } reason && DiskErrorRules.Refuses(node, client, spec))
        {
            ConnectionGate.Reject(client, spec, AclRefusal(client, spec, args) ?? DiskErrorRules.Error(reason));
            spec.Meter?.Error.Inc();
            return;
        }
        client.BeginCommand();
        try
        {
            if (client.Gated && ConnectionGate.Intercept(client, spec, args, reply)) return;
            RunPastTheGate(client, spec, args, reply);
        }
        finally
        {
            client.EndCommand();
        }
    }

    private void RunPastTheGate(RespClient client, CommandSpec spec, CommandArgs args, RespWriter reply)
    {
        // Every command is counted; one in eight is timed for the latency histogram: reading the clock twice per
        // command cost ~6 % of a pipelined GET (perf), and a 1-in-8 sample keeps the percentiles.
        long started = (++client.MeterTicks & 7) == 0 ? Stopwatch.GetTimestamp() : 0;
        LastWasFast = spec.Flags.HasFlag(CommandFlags.Fast);
        LastSpec = spec;
        if (spec.Flags.HasFlag(CommandFlags.SkipMonitor) && node.Monitors.Active) node.Monitors.FeedBefore(client, args, spec); // scripts: as they start
        // A tracking client: its reads are remembered, and invalidations its own writes earn follow the reply.
        var tracking = client.Tracking;
        if (tracking != null) node.Tracking.BeforeCommand(client, tracking, spec, args);
        try
        {
            spec.Handler(client, args, reply);
            spec.Meter?.Succeeded(started);
        }
        catch (CommandError e)
        {
            reply.Error(e.Message);
            spec.Meter?.Failed(started);
        }
        catch (HyperCache.Log.LogWriteException e)
        {
            // The log failed under this very command (before its first write was applied: the log comes first).
            reply.Error(DiskErrorRules.Error(e.Reason));
            spec.Meter?.Failed(started);
        }
        finally
        {
            if (tracking != null || client.Tracking != null) Tracking.TrackingHub.AfterCommand(client, spec);
        }
        if (node.Monitors.Active) node.Monitors.Feed(client, args, spec);
    }

    /// <summary>Redis's order: NOAUTH, then the user's ACL rules, before BUSY; inside MULTI the refusal dooms the
    /// transaction.</summary>
    private static void RefuseWhileBusy(RespClient client, CommandSpec spec, CommandArgs args)
    {
        bool noAuth = !client.Authenticated && !spec.Flags.HasFlag(CommandFlags.NoAuth);
        ConnectionGate.Reject(client, spec, noAuth ? "NOAUTH Authentication required." : AclRefusal(client, spec, args) ?? client.Node.BusyScript.BusyText);
        spec.Meter?.Error.Inc();
    }

    /// <summary>On the refusal paths above (a busy script, no memory), the NOPERM Redis would answer first, if any.</summary>
    private static string? AclRefusal(RespClient client, CommandSpec spec, CommandArgs args)
        => client.User.Rules.AllowsAll ? null : Acl.AclCheck.Refusal(client, spec, args);

    /// <summary>Redis's performEvictions before a command: any command over maxmemory first makes room (a read too,
    /// so the invalidations of what it evicts come before its reply, as Redis sends them), and a write that may grow
    /// memory (or an EXEC holding one) is refused when the policy cannot. Unauthenticated clients get NOAUTH first.
    /// Without maxmemory, one field read.</summary>
    private bool RefusedForMemory(RespClient client, CommandSpec spec)
    {
        bool exec = spec.Name == "exec" && client.Transaction is { DeniesOom: true };
        if (!client.Authenticated) return false;
        bool admitted = client.Tracking is null ? OomRules.Admit(node.Store, node.Latency)
            : Tracking.TrackingHub.Admit(client, node.Store, node.Latency);
        return !admitted && (spec.Flags.HasFlag(CommandFlags.DenyOom) || exec);
    }

    private static string Clip(string s) => s.Length <= 128 ? s : s[..128];
}
