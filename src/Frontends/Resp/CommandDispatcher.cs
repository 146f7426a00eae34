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
            reply.Error(CommandTable.UnknownCommandError(args));
            return;
        }
        client.LastCommand = spec.Name;
        if (!spec.ArityOk(args.Count))
        {
            reply.Error(ArgParse.WrongArity(spec.Name).Message);
            return;
        }
        try
        {
            spec.Handler(client, args, reply);
        }
        catch (CommandError e)
        {
            reply.Error(e.Message);
        }
    }
}
