using System.Runtime.CompilerServices;
using HyperCache.Frontends.Hosting;
using HyperCache.Frontends.Resp;
using HyperCache.StateMachine;

namespace HyperCache.Frontends.Scripting;

/// <summary>EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT LOAD | EXISTS | FLUSH | KILL | DEBUG | HELP, as Redis 7.0
/// (SCRIPT DEBUG without the debugger: NO only).</summary>
public static class ScriptCommands
{
    /// <summary>Each node's engine, made on first use (a node that never runs a script has no Lua state).</summary>
    private static readonly ConditionalWeakTable<Node, ScriptEngine> Engines = new();

    private static readonly string[] Help =
    [
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        "HELP",
        "    Prints this help.",
    ];

    private static readonly Lock Creating = new();

    /// <summary>The node's engine if a script or function has made one (INFO must not start a Lua state).</summary>
    public static ScriptEngine? StartedEngineOf(Node node) => Engines.TryGetValue(node, out var engine) ? engine : null;

    public static ScriptEngine EngineOf(Node node)
    {
        if (Engines.TryGetValue(node, out var engine)) return engine;
        lock (Creating) return Engines.GetValue(node, n => new ScriptEngine(n)); // one Lua state per node, even in a race
    }

    public static void Register(CommandTable t)
    {
        t.Add("eval", -3, CommandFlags.SkipMonitor, (c, a, r) => EngineOf(c.Node).Run(c, a, bySha: false, readOnly: false, r));
        t.Add("evalsha", -3, CommandFlags.SkipMonitor, (c, a, r) => EngineOf(c.Node).Run(c, a, bySha: true, readOnly: false, r));
        t.Add("eval_ro", -3, CommandFlags.ReadOnly | CommandFlags.SkipMonitor, (c, a, r) => EngineOf(c.Node).Run(c, a, bySha: false, readOnly: true, r));
        t.Add("evalsha_ro", -3, CommandFlags.ReadOnly | CommandFlags.SkipMonitor, (c, a, r) => EngineOf(c.Node).Run(c, a, bySha: true, readOnly: true, r));
        t.Container("script", CommandFlags.None,
            new Subcommand("LOAD", 3, (c, a, r) => r.Bulk(EngineOf(c.Node).Load(a[2]))),
            new Subcommand("EXISTS", -3, (c, a, r) =>
            {
                var engine = EngineOf(c.Node);
                r.ArrayHeader(a.Count - 2);
                for (int i = 2; i < a.Count; i++) r.Integer(engine.Exists(a[i]) ? 1 : 0);
            }),
            new Subcommand("FLUSH", -2, (c, a, r) =>
            {
                if (a.Count > 3 || (a.Count == 3 && !a.Is(2, "SYNC"u8) && !a.Is(2, "ASYNC"u8)))
                    throw new CommandError("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
                EngineOf(c.Node).Flush();
                r.Ok();
            }),
            new Subcommand("KILL", 2, (c, a, r) =>
            {
                if (c.Node.BusyScript.Kill() is { } error) throw new CommandError(error);
                r.Ok();
            }),
            new Subcommand("DEBUG", 3, (c, a, r) =>
            {
                // Redis's Lua debugger (LDB) is not built here: NO, the mode every script runs in, is all there is.
                if (a.Is(2, "NO"u8)) r.Ok();
                else if (a.Is(2, "YES"u8) || a.Is(2, "SYNC"u8)) throw new CommandError("ERR SCRIPT DEBUG is not supported: HyperCache has no Lua debugger (use SCRIPT DEBUG NO)");
                else throw new CommandError("ERR Use SCRIPT DEBUG YES/SYNC/NO");
            }),
            Subcommand.Help(Help));
    }
}
