namespace HyperCache.Frontends.Resp;

/// <summary>
/// Redis's answer while its AOF cannot be written (a full disk): a primary refuses every write, an EXEC holding one
/// and PING (so health checks notice), with <c>-MISCONF Errors writing to the AOF file: ...</c>; reads go on. A
/// replica refuses nothing more than it already does (its writes come from its primary).
/// </summary>
public static class DiskErrorRules
{
    public static string Error(string reason) => "MISCONF Errors writing to the AOF file: " + reason;

    public static bool Refuses(Hosting.Node node, RespClient client, CommandSpec spec)
    {
        if (!client.Authenticated || node.IsReplica) return false;
        if (spec.Flags.HasFlag(CommandFlags.Write) || spec.Name == "ping") return true;
        return spec.Name == "exec" && client.Transaction is { Writes: true };
    }
}
