using System.Text;
using HyperCache.Frontends.Resp;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Dump;
using HyperCache.StateMachine.Keyspace;

namespace HyperCache.Frontends.Scripting;

/// <summary>FUNCTION LOAD | DELETE | FLUSH | LIST | STATS | KILL | DUMP | RESTORE | HELP, FCALL and FCALL_RO, as
/// Redis 7.0 (see <see cref="ScriptEngine"/>'s functions part, and docs/decisions.md "Functions").</summary>
public static class FunctionCommands
{
    private static readonly string[] Help =
    [
        "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
        "      libraries with the new libraries (notice that even on this option there is a chance of failure",
        "      in case of functions name collision with another library).",
        "HELP",
        "    Prints this help.",
    ];

    public static void Register(CommandTable t)
    {
        t.Add("fcall", -3, CommandFlags.SkipMonitor, (c, a, r) => ScriptCommands.EngineOf(c.Node).CallFunction(c, a, readOnly: false, r));
        t.Add("fcall_ro", -3, CommandFlags.ReadOnly | CommandFlags.SkipMonitor, (c, a, r) => ScriptCommands.EngineOf(c.Node).CallFunction(c, a, readOnly: true, r));
        t.Container("function", CommandFlags.None,
            new Subcommand("LOAD", -3, (c, a, r) =>
            {
                bool replace = false;
                for (int i = 2; i < a.Count - 1; i++)
                {
                    if (a.Is(i, "REPLACE"u8)) replace = true;
                    else throw new CommandError($"ERR Unknown option given: {a.Text(i)}");
                }
                r.Bulk(ScriptCommands.EngineOf(c.Node).LoadLibrary(c, a[a.Count - 1].ToArray(), replace));
            }, Flags: CommandFlags.Write),
            new Subcommand("DELETE", 3, (c, a, r) =>
            {
                ScriptCommands.EngineOf(c.Node).DeleteLibrary(c, a.Text(2));
                r.Ok();
            }, Flags: CommandFlags.Write),
            new Subcommand("FLUSH", -2, (c, a, r) =>
            {
                if (a.Count > 3) throw new CommandError($"ERR unknown subcommand or wrong number of arguments for '{a.Text(1)}'. Try FUNCTION HELP.");
                if (a.Count == 3 && !a.Is(2, "SYNC"u8) && !a.Is(2, "ASYNC"u8))
                    throw new CommandError("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
                ScriptCommands.EngineOf(c.Node).FlushLibraries(c);
                r.Ok();
            }, Flags: CommandFlags.Write),
            new Subcommand("LIST", -2, List),
            new Subcommand("STATS", 2, Stats, Flags: CommandFlags.None),
            new Subcommand("KILL", 2, (c, a, r) =>
            {
                if (c.Node.BusyScript.Kill(function: true) is { } error) throw new CommandError(error);
                r.Ok();
            }, Flags: CommandFlags.None),
            new Subcommand("DUMP", 2, (c, a, r) => r.Bulk(FunctionPayload.Encode(ScriptCommands.EngineOf(c.Node).Libraries().Select(l => l.Code)))),
            new Subcommand("RESTORE", -3, (c, a, r) =>
            {
                var policy = ScriptEngine.RestorePolicy.Append;
                if (a.Count > 4) throw new CommandError($"ERR unknown subcommand or wrong number of arguments for '{a.Text(1)}'. Try FUNCTION HELP.");
                if (a.Count == 4)
                {
                    if (a.Is(3, "FLUSH"u8)) policy = ScriptEngine.RestorePolicy.Flush;
                    else if (a.Is(3, "APPEND"u8)) policy = ScriptEngine.RestorePolicy.Append;
                    else if (a.Is(3, "REPLACE"u8)) policy = ScriptEngine.RestorePolicy.Replace;
                    else throw new CommandError("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
                }
                List<byte[]> codes;
                try
                {
                    codes = FunctionPayload.Decode(a[2]);
                }
                catch (DumpFormatException e)
                {
                    throw new CommandError(e.Message);
                }
                ScriptCommands.EngineOf(c.Node).RestoreLibraries(c, codes, policy);
                r.Ok();
            }, Flags: CommandFlags.Write),
            Subcommand.Help(Help));
    }

    private static void List(RespClient c, CommandArgs a, RespWriter r)
    {
        byte[]? pattern = null;
        bool withCode = false;
        for (int i = 2; i < a.Count; i++)
        {
            if (a.Is(i, "WITHCODE"u8) && !withCode) withCode = true;
            else if (a.Is(i, "LIBRARYNAME"u8) && pattern is null)
            {
                if (i + 1 >= a.Count) throw new CommandError("ERR library name argument was not given");
                pattern = a[++i].ToArray();
            }
            else throw new CommandError($"ERR Unknown argument {a.Text(i)}");
        }
        var libraries = ScriptCommands.EngineOf(c.Node).Libraries()
            .Where(l => pattern is null || Glob.Match(pattern, Encoding.UTF8.GetBytes(l.Name))).ToList();
        r.ArrayHeader(libraries.Count);
        foreach (var library in libraries)
        {
            r.MapHeader(withCode ? 4 : 3);
            r.Bulk("library_name");
            r.Bulk(library.Name);
            r.Bulk("engine");
            r.Bulk("LUA");
            r.Bulk("functions");
            var functions = library.Functions.OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
            r.ArrayHeader(functions.Count);
            foreach (var function in functions)
            {
                r.MapHeader(3);
                r.Bulk("name");
                r.Bulk(function.Name);
                r.Bulk("description");
                if (function.Description is null) r.NullBulk();
                else r.Bulk(function.Description);
                r.Bulk("flags");
                r.SetHeader(function.Flags.Length);
                foreach (var flag in function.Flags) r.Simple(flag);
            }
            if (withCode)
            {
                r.Bulk("library_code");
                r.Bulk(library.Code);
            }
        }
    }

    private static void Stats(RespClient c, CommandArgs a, RespWriter r)
    {
        var engine = ScriptCommands.EngineOf(c.Node);
        r.MapHeader(2);
        r.Bulk("running_script");
        if (engine.Running() is { } running)
        {
            r.MapHeader(3);
            r.Bulk("name");
            r.Bulk(running.Name);
            r.Bulk("command");
            r.ArrayHeader(running.Command.Length);
            foreach (var part in running.Command) r.Bulk(part);
            r.Bulk("duration_ms");
            r.Integer(running.Milliseconds);
        }
        else r.NullBulk();
        r.Bulk("engines");
        r.MapHeader(1);
        r.Bulk("LUA");
        r.MapHeader(2);
        var (libraries, functions) = engine.Counts();
        r.Bulk("libraries_count");
        r.Integer(libraries);
        r.Bulk("functions_count");
        r.Integer(functions);
    }
}
