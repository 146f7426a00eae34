using HyperCache.Frontends.Hosting;
using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp;

/// <summary>Finds a parsed command, checks its arity, runs it, and turns a <see cref="CommandError"/> into a reply.</summary>
public sealed class CommandDispatcher(Node node)
{
    public void Execute(RespClient client, CommandArgs args)
    {
        var reply = client.Writer;
        if (!node.Commands.TryFind(args[0], out var spec))
        {
            ConnectionGate.Reject(client, null, CommandTable.UnknownCommandError(args));
            return;
        }
        if (spec.Subcommands != null && args.Count >= 2)
        {
            if (!spec.TryFindSubcommand(args[1], out var sub))
            {
                ConnectionGate.Reject(client, spec, $"ERR unknown subcommand '{Clip(args.Text(1))}'. Try {spec.Name.ToUpperInvariant()} HELP.");
                return;
            }
            spec = sub;
        }
        client.LastCommand = spec.Name;
        if (!spec.ArityOk(args.Count))
        {
            ConnectionGate.Reject(client, spec, ArgParse.WrongArity(spec.Name).Message);
            return;
        }
        if (client.Gated && ConnectionGate.Intercept(client, spec, args, reply)) return;
        try
        {
            spec.Handler(client, args, reply);
        }
        catch (CommandError e)
        {
            reply.Error(e.Message);
        }
    }

    private static string Clip(string s) => s.Length <= 128 ? s : s[..128];
}
