namespace HyperCache.Frontends.Resp;

/// <summary>The commands queued between MULTI and EXEC, copied out of the request buffer (which is reused).</summary>
public sealed class Transaction
{
    private readonly List<Queued> _queued = [];

    /// <summary>A queued command: its arguments back to back in one array, and their lengths.</summary>
    private readonly record struct Queued(CommandSpec Spec, byte[] Bytes, int[] Lengths)
    {
        /// <summary>Points <paramref name="args"/> at this command's arguments.</summary>
        public void LoadInto(CommandArgs args)
        {
            args.Reset(Bytes);
            for (int i = 0, at = 0; i < Lengths.Length; at += Lengths[i], i++) args.Add(at, Lengths[i]);
        }
    }

    public int Count => _queued.Count;

    /// <summary>Some queued command may grow memory: EXEC is refused when over maxmemory (as Redis does).</summary>
    public bool DeniesOom => _queued.Exists(q => q.Spec.Flags.HasFlag(CommandFlags.DenyOom));

    /// <summary>Whether a queued command writes (a full disk refuses such an EXEC as a whole).</summary>
    public bool Writes => _queued.Exists(q => q.Spec.Flags.HasFlag(CommandFlags.Write));

    /// <summary>An error while queuing (unknown command, wrong arity...): EXEC will refuse to run anything.</summary>
    public bool Dirty { get; set; }

    public void Queue(CommandSpec spec, CommandArgs args)
    {
        int total = 0;
        var lengths = new int[args.Count];
        for (int i = 0; i < args.Count; i++) total += lengths[i] = args[i].Length;
        var bytes = new byte[total];
        for (int i = 0, at = 0; i < args.Count; at += lengths[i], i++) args[i].CopyTo(bytes.AsSpan(at));
        _queued.Add(new Queued(spec, bytes, lengths));
    }

    /// <summary>Whether some queued command matches (CLIENT PAUSE WRITE asks before EXEC runs).</summary>
    public bool Any(Func<CommandSpec, CommandArgs, bool> match)
    {
        var args = new CommandArgs();
        foreach (var queued in _queued)
        {
            queued.LoadInto(args);
            if (match(queued.Spec, args)) return true;
        }
        return false;
    }

    /// <summary>As Redis's EXEC: a command the user's rules (changed since it was queued) no longer allow answers
    /// NOPERM in its place, logged with context multi; the others still run.</summary>
    private static bool DeniedNow(RespClient client, CommandSpec spec, CommandArgs args)
    {
        var denial = Acl.AclCheck.CheckLogged(client, client.User, "multi", spec, args);
        if (denial == Acl.AclDenial.None) return false;
        client.Writer.Error(Acl.AclCheck.ExecError(denial));
        return true;
    }

    /// <summary>Runs the queued commands in order; a <see cref="StateMachine.CommandError"/> becomes that
    /// command's reply, as in Redis, and the rest still run.</summary>
    public void Run(RespClient client, RespWriter reply)
    {
        reply.ArrayHeader(_queued.Count);
        var args = new CommandArgs();
        foreach (var queued in _queued)
        {
            var spec = queued.Spec;
            queued.LoadInto(args);
            if (!client.User.Rules.AllowsAll && DeniedNow(client, spec, args)) continue; // logged as part of EXEC
            client.LastCommand = spec.Name;
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            if (spec.Flags.HasFlag(CommandFlags.SkipMonitor) && client.Node.Monitors.Active) client.Node.Monitors.FeedBefore(client, args, spec); // scripts: as they start
            if (client.Tracking is { } tracking) client.Node.Tracking.RememberRead(client, tracking, spec, args);
            try
            {
                spec.Handler(client, args, reply);
                spec.Meter?.Succeeded(started); // commandstats count each queued command, as Redis's
            }
            catch (StateMachine.CommandError e)
            {
                reply.Error(e.Message);
                spec.Meter?.Failed(started);
            }
            long elapsed = System.Diagnostics.Stopwatch.GetTimestamp() - started;
            client.Node.SlowLog.Consider(elapsed, client, args, spec); // as Redis: each, not EXEC as a whole
            client.Node.Latency.RecordCommand(spec, elapsed); // as Redis: each, and EXEC as a whole too
            if (client.Node.Monitors.Active) client.Node.Monitors.Feed(client, args, spec); // as Redis: each, as it runs
        }
    }
}
