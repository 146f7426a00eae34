using HyperCache.Frontends.Resp;
using HyperCache.StateMachine;

namespace HyperCache.Frontends.Scripting;

/// <summary>CLIENT PAUSE WRITE asks whether a script may write, as Redis judges it from the script's flags: a
/// no-writes shebang or function runs, anything else (or a script or function that is not known) waits.</summary>
public sealed partial class ScriptEngine
{
    /// <summary>EVAL / EVALSHA (<paramref name="bySha"/>): a[1] the body or its SHA1.</summary>
    public bool ScriptMayWrite(CommandArgs a, bool bySha)
    {
        lock (_gate)
        {
            bool known = bySha ? _cache.TryGetBySha(a[1], out _, out var script) : _cache.TryGet(_cache.ShaOf(a[1]), out script);
            if (known) return !script.NoWrites;
        }
        if (bySha) return true;
        try
        {
            Shebang.Parse(a[1], out bool noWrites);
            return !noWrites;
        }
        catch (CommandError)
        {
            return true; // a bad shebang: the command's own flags decide (and it will fail when it runs)
        }
    }

    /// <summary>FCALL: a[1] the function's name.</summary>
    public bool FunctionMayWrite(CommandArgs a)
    {
        lock (_gate)
        {
            SyncFunctions();
            return !_functions.TryGetValue(a.Text(1), out var function) || !function.NoWrites;
        }
    }
}
