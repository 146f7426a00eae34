namespace HyperCache.Frontends.Resp;

/// <summary>
/// Which commands CLIENT PAUSE WRITE holds back, as redis-server 7.0.15 does (checked by hand against it): writes,
/// the commands Redis marks may-replicate (PUBLISH, SPUBLISH, PFCOUNT, which may rewrite its HyperLogLog, EVAL,
/// EVALSHA and FCALL unless the script or function says no-writes), and an EXEC whose queue holds one of those, or
/// the queueing of one inside MULTI. Reads, EVAL_RO/FCALL_RO, SCRIPT LOAD/FLUSH, CONFIG, WAIT... run.
/// </summary>
public static class PauseRules
{
    public static bool CoveredByWritePause(RespClient client, CommandSpec spec, CommandArgs args)
    {
        if (spec.Flags.HasFlag(CommandFlags.Write)) return true;
        switch (spec.Name)
        {
            case "publish" or "spublish" or "pfcount":
                return true;
            case "eval":
                return Scripting.ScriptCommands.EngineOf(client.Node).ScriptMayWrite(args, bySha: false);
            case "evalsha":
                return Scripting.ScriptCommands.EngineOf(client.Node).ScriptMayWrite(args, bySha: true);
            case "fcall":
                return Scripting.ScriptCommands.EngineOf(client.Node).FunctionMayWrite(args);
            case "exec":
                return client.Transaction is { } queued && queued.Any((s, a) => s.Name != "exec" && CoveredByWritePause(client, s, a));
            default:
                return false;
        }
    }
}
