namespace HyperCache.Frontends.Resp.Commands;

/// <summary>
/// MODULE, as a Redis 7.0 node with its default <c>enable-module-command no</c> and no module loaded: LIST is empty,
/// and LOAD, LOADEX and UNLOAD are refused with that setting's error. HyperCache has no module API (its Cuckoo filters
/// are built in: CF.*).
/// </summary>
public static class ModuleCommand
{
    private const string NotAllowed = "ERR MODULE command not allowed. If the enable-module-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.";

    public static void Register(CommandTable t)
    {
        const CommandFlags A = CommandFlags.Admin;
        t.Container("module", A,
            new Subcommand("LIST", 2, (c, a, r) => r.ArrayHeader(0)),
            new Subcommand("LOAD", -3, (c, a, r) => throw new StateMachine.CommandError(NotAllowed)),
            new Subcommand("LOADEX", -3, (c, a, r) => throw new StateMachine.CommandError(NotAllowed)),
            new Subcommand("UNLOAD", 3, (c, a, r) => throw new StateMachine.CommandError(NotAllowed)),
            Subcommand.Help(
                "MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "LIST", "    Return a list of loaded modules.",
                "LOAD <path> [<arg> ...]", "    Load a module library from <path>, passing to it any optional arguments.",
                "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
                "    Load a module library from <path>, while passing it module configurations and optional arguments.",
                "UNLOAD <name>", "    Unload a module.",
                "HELP", "    Prints this help."));
    }
}
