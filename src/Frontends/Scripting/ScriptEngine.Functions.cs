using System.Collections.Immutable;
using System.Text;
using HyperCache.Frontends.Resp;
using HyperCache.StateMachine;
using Microsoft.Extensions.Logging;
using static HyperCache.Frontends.Scripting.LuaNative;

namespace HyperCache.Frontends.Scripting;

/// <summary>A function a library registered: its callback in the functions' Lua registry.</summary>
internal sealed record LuaFunction(string Name, string Library, int Callback, string? Description, string[] Flags)
{
    public bool NoWrites => Flags.Contains("no-writes");
    public bool AllowOom => Flags.Contains("allow-oom");
}

/// <summary>A library compiled and run in the functions' Lua state, and the code it came from.</summary>
internal sealed record CompiledLibrary(string Name, byte[] Code, List<LuaFunction> Functions);

/// <summary>
/// Redis 7 functions (FUNCTION LOAD ..., FCALL): the libraries are data of the state machine
/// (<see cref="Store.Libraries"/>, logged and replicated as events); this side compiles them into a Lua state of
/// their own (SCRIPT FLUSH does not touch it), once per library version, and runs FCALL as EVAL runs a script:
/// every shard locked, its writes logged as one entry. A change that came from elsewhere (replay, a replica's
/// stream or full sync) is compiled the first time the functions are used after it (<see cref="SyncFunctions"/>).
/// </summary>
public sealed unsafe partial class ScriptEngine
{
    private const int GlobalsIndex = 2; // LUA_RIDX_GLOBALS: the read-only view the prelude installed

    private IntPtr _fn;
    /// <summary>Redis's limit on a library's top level (FUNCTION LOAD, and compiling a replayed library).</summary>
    private const long LoadTimeoutMs = 500;
    /// <summary>While a library's top level runs: when it must stop (Environment.TickCount64), else 0.</summary>
    internal long LoadDeadline;
    private int _fnHandler, _fnArm, _fnGlobals, _fnLoader;
    private readonly Dictionary<string, CompiledLibrary> _libraries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LuaFunction> _functions = new(StringComparer.OrdinalIgnoreCase); // as Redis 7.0: FCALL test finds "TEST"
    /// <summary>The store's libraries map this state was last brought in line with (maps are replaced whole).</summary>
    private ImmutableSortedDictionary<string, byte[]>? _syncedFrom;

    /// <summary>The function running now, for FUNCTION STATS (read without the gate, which the call holds).</summary>
    private volatile RunningFunction? _runningFunction;

    private sealed record RunningFunction(string Name, byte[][] Command, long StartedTicks);

    private void OpenFunctions()
    {
        var L = OpenState(_node.Commands.Names, out _fnHandler, out _fnArm, out _fnGlobals);
        int status = LoadSource(L, Encoding.UTF8.GetBytes(FunctionLoader.Code), FunctionLoader.ChunkName);
        if (status == 0) status = lua_pcallk(L, 0, 1, 0, IntPtr.Zero, IntPtr.Zero);
        if (status != 0)
        {
            string error = Encoding.UTF8.GetString(ToBytes(L, -1));
            lua_close(L);
            throw new InvalidOperationException("Lua: the functions' loader failed: " + error);
        }
        _fnLoader = luaL_ref(L, RegistryIndex);
        _fn = L;
    }

    private void CloseFunctions()
    {
        if (_fn == IntPtr.Zero) return;
        lua_close(_fn);
        _fn = IntPtr.Zero;
        _libraries.Clear();
        _functions.Clear();
        _syncedFrom = null;
        Counted();
    }

    /// <summary>Compiles a library and runs its top level in the load environment (see <see cref="FunctionLoader"/>),
    /// collecting what it registers. Under the gate.</summary>
    private CompiledLibrary CompileLibrary(string name, byte[] code, int skip)
    {
        if (_fn == IntPtr.Zero) OpenFunctions();
        var L = _fn;
        lua_settop(L, 0);
        if (LoadSource(L, code.AsSpan(skip), "@user_function") != 0) ThrowCompileError(L, "ERR Error compiling function: ");
        // 1: chunk
        lua_rawgeti(L, RegistryIndex, _fnLoader);
        if (lua_pcallk(L, 0, 2, 0, IntPtr.Zero, IntPtr.Zero) != 0)
        {
            string message = Encoding.UTF8.GetString(ToBytes(L, -1));
            lua_settop(L, 0);
            throw new InvalidOperationException("Lua: the functions' loader failed: " + message);
        }
        // 1: chunk, 2: load environment, 3: the list register_function fills
        lua_pushvalue(L, 2);
        lua_setupvalue(L, 1, 1);                 // the chunk's _ENV, shared by every closure it makes
        lua_rawgeti(L, RegistryIndex, _fnHandler); // 4
        lua_pushvalue(L, 1);
        var running = t_running;
        t_running = this;
        LoadDeadline = Environment.TickCount64 + LoadTimeoutMs;
        int status;
        try
        {
            status = lua_pcallk(L, 0, 0, 4, IntPtr.Zero, IntPtr.Zero);
        }
        finally
        {
            t_running = running;
            LoadDeadline = 0;
        }
        if (_killRaised) Rearm(L, _fnArm);
        lua_rawgeti(L, RegistryIndex, GlobalsIndex);
        lua_setupvalue(L, 1, 1);                 // from now on the functions see the ordinary read-only globals
        lua_pushboolean(L, 1);
        RawSetField(L, 3, "done"u8);             // and register_function refuses, should one of them keep it
        if (status != 0)
        {
            string message = lua_type(L, -1) == TypeTable
                ? (RawGetField(L, -1, "err"u8) == TypeString ? Encoding.UTF8.GetString(ToBytes(L, -1)) : "ERR unknown error")
                : Encoding.UTF8.GetString(ToBytes(L, -1));
            lua_settop(L, 0);
            throw new CommandError("ERR Error registering functions: " + message);
        }
        var functions = new List<LuaFunction>();
        for (int i = 1; ; i++)
        {
            if (lua_rawgeti(L, 3, i) != TypeTable)
            {
                Pop(L, 1);
                break;
            }
            lua_rawgeti(L, -1, 1);
            string fname = Encoding.UTF8.GetString(ToBytes(L, -1));
            Pop(L, 1);
            var flags = new List<string>();
            lua_rawgeti(L, -1, 3);
            for (int f = 1; lua_rawgeti(L, -1, f) == TypeString; f++)
            {
                flags.Add(Encoding.UTF8.GetString(ToBytes(L, -1)));
                Pop(L, 1);
            }
            Pop(L, 2);
            lua_rawgeti(L, -1, 4);
            string? description = lua_type(L, -1) == TypeString ? Encoding.UTF8.GetString(ToBytes(L, -1)) : null;
            Pop(L, 1);
            lua_rawgeti(L, -1, 2);
            int callback = luaL_ref(L, RegistryIndex);
            Pop(L, 1); // the entry
            functions.Add(new LuaFunction(fname, name, callback, description, [.. flags]));
        }
        lua_settop(L, 0);
        var library = new CompiledLibrary(name, code, functions);
        if (functions.Count == 0) throw new CommandError("ERR No functions registered");
        return library;
    }

    /// <summary>Drops a compiled library that was not installed (a failed check).</summary>
    private void Discard(CompiledLibrary library)
    {
        foreach (var function in library.Functions) luaL_unref(_fn, RegistryIndex, function.Callback);
    }

    private void Install(CompiledLibrary library)
    {
        Uninstall(library.Name);
        _libraries[library.Name] = library;
        foreach (var function in library.Functions) _functions[function.Name] = function;
        Counted();
    }

    /// <summary>Library and function counts for FUNCTION STATS, which runs while a function holds the gate.</summary>
    private volatile int _libraryCount, _functionCount;

    private void Counted()
    {
        _libraryCount = _libraries.Count;
        _functionCount = _functions.Count;
    }

    internal (int Libraries, int Functions) Counts()
    {
        if (_gate.TryEnter())
        {
            try
            {
                SyncFunctions();
            }
            finally
            {
                _gate.Exit();
            }
        }
        return (_libraryCount, _functionCount);
    }

    private void Uninstall(string name)
    {
        if (!_libraries.Remove(name, out var old)) return;
        foreach (var function in old.Functions)
            if (_functions.TryGetValue(function.Name, out var current) && current.Library == name) _functions.Remove(function.Name);
        Discard(old);
        Counted();
    }

    /// <summary>
    /// Brings the compiled libraries in line with the store's (replay, a replica's stream or full sync, or another
    /// node's restore changed them): drops what is gone or changed, compiles what is new. Cheap when nothing changed
    /// (one reference comparison). A stored library that does not compile here (it did where it was loaded) is
    /// left out with a warning. Under the gate.
    /// </summary>
    private void SyncFunctions()
    {
        var current = _node.Store.Libraries;
        if (ReferenceEquals(current, _syncedFrom)) return;
        foreach (var name in _libraries.Keys.ToList())
            if (!current.TryGetValue(name, out var code) || !code.AsSpan().SequenceEqual(_libraries[name].Code)) Uninstall(name);
        foreach (var (name, code) in current)
        {
            if (_libraries.ContainsKey(name)) continue;
            try
            {
                var (_, skip) = Shebang.ParseLibrary(code);
                Install(CompileLibrary(name, code, skip));
            }
            catch (CommandError e)
            {
                _node.Logger.LogWarning("Function library {Library} does not load here: {Error}", name, e.Message);
            }
        }
        _syncedFrom = current;
    }

    /// <summary>The store's libraries as this state has them, after the caller's own change.</summary>
    private void Synced() => _syncedFrom = _node.Store.Libraries;

    /// <summary>FUNCTION LOAD [REPLACE]: compiles (errors before anything is logged), checks names, logs the
    /// library, keeps the compiled one. Returns the library's name.</summary>
    public string LoadLibrary(RespClient caller, byte[] code, bool replace)
    {
        var (name, skip) = Shebang.ParseLibrary(code);
        _node.Store.WithAllLocks(() =>
        {
            lock (_gate)
            {
                SyncFunctions();
                if (!replace && _node.Store.Libraries.ContainsKey(name)) throw new CommandError($"ERR Library '{name}' already exists");
                var library = CompileLibrary(name, code, skip);
                try
                {
                    foreach (var function in library.Functions)
                        if (_functions.TryGetValue(function.Name, out var other) && other.Library != name)
                            throw new CommandError($"ERR Function {function.Name} already exists");
                    _node.Store.FunctionLoad(caller.Session, name, code);
                }
                catch
                {
                    Discard(library);
                    throw;
                }
                Install(library);
                Synced();
            }
        });
        return name;
    }

    /// <summary>FUNCTION DELETE.</summary>
    public void DeleteLibrary(RespClient caller, string name)
    {
        _node.Store.WithAllLocks(() =>
        {
            lock (_gate)
            {
                SyncFunctions();
                if (!_node.Store.Libraries.ContainsKey(name)) throw new CommandError("ERR Library not found");
                _node.Store.FunctionDelete(caller.Session, name);
                Uninstall(name);
                Synced();
            }
        });
    }

    /// <summary>FUNCTION FLUSH.</summary>
    public void FlushLibraries(RespClient caller)
    {
        _node.Store.WithAllLocks(() =>
        {
            lock (_gate)
            {
                _node.Store.FunctionFlush(caller.Session);
                foreach (var name in _libraries.Keys.ToList()) Uninstall(name);
                Synced();
            }
        });
    }

    public enum RestorePolicy { Append, Replace, Flush }

    /// <summary>FUNCTION RESTORE: every library of the payload compiled and checked against the policy before
    /// anything is logged; then one event.</summary>
    public void RestoreLibraries(RespClient caller, IReadOnlyList<byte[]> codes, RestorePolicy policy)
    {
        _node.Store.WithAllLocks(() =>
        {
            lock (_gate)
            {
                SyncFunctions();
                var compiled = new List<CompiledLibrary>();
                try
                {
                    var names = new HashSet<string>(StringComparer.Ordinal);
                    var functionOwners = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                    if (policy != RestorePolicy.Flush)
                        foreach (var function in _functions.Values) functionOwners[function.Name] = function.Library;
                    foreach (var code in codes)
                    {
                        var (name, skip) = Shebang.ParseLibrary(code);
                        if (!names.Add(name)) throw new CommandError($"ERR Library {name} already exists");
                        if (policy == RestorePolicy.Append && _node.Store.Libraries.ContainsKey(name))
                            throw new CommandError($"ERR Library {name} already exists");
                        compiled.Add(CompileLibrary(name, code, skip));
                    }
                    // A replaced library's functions no longer count.
                    foreach (var owner in functionOwners.Where(o => names.Contains(o.Value)).ToList()) functionOwners.Remove(owner.Key);
                    foreach (var library in compiled)
                        foreach (var function in library.Functions)
                            if (!functionOwners.TryAdd(function.Name, library.Name))
                                throw new CommandError($"ERR Function {function.Name} already exists");
                    _node.Store.FunctionRestore(caller.Session, policy == RestorePolicy.Flush,
                        [.. compiled.Select(l => new KeyValuePair<string, byte[]>(l.Name, l.Code))]);
                }
                catch
                {
                    foreach (var library in compiled) Discard(library);
                    throw;
                }
                if (policy == RestorePolicy.Flush)
                    foreach (var name in _libraries.Keys.ToList()) Uninstall(name);
                foreach (var library in compiled) Install(library);
                Synced();
            }
        });
    }

    /// <summary>The compiled libraries, by name, for FUNCTION LIST / STATS / DUMP.</summary>
    internal List<CompiledLibrary> Libraries()
    {
        lock (_gate)
        {
            SyncFunctions();
            return [.. _libraries.Values.OrderBy(l => l.Name, StringComparer.Ordinal)];
        }
    }

    /// <summary>FUNCTION STATS: the function running now (name, command line, milliseconds).</summary>
    internal (string Name, byte[][] Command, long Milliseconds)? Running()
    {
        var running = _runningFunction;
        return running is null ? null
            : (running.Name, running.Command, (long)TimeSpan.FromTicks(Environment.TickCount64 * TimeSpan.TicksPerMillisecond - running.StartedTicks).TotalMilliseconds);
    }

    /// <summary>FCALL / FCALL_RO: a[1] the function, a[2] numkeys, then keys and arguments.</summary>
    public void CallFunction(RespClient caller, CommandArgs a, bool readOnly, RespWriter reply)
    {
        string name = a.Text(1);
        LuaFunction? function;
        lock (_gate)
        {
            SyncFunctions();
            _functions.TryGetValue(name, out function);
        }
        if (function is null) throw new CommandError("ERR Function not found");
        if (!long.TryParse(Encoding.ASCII.GetString(a[2]), System.Globalization.NumberStyles.AllowLeadingSign,
                System.Globalization.CultureInfo.InvariantCulture, out long numKeys))
            throw new CommandError("ERR Bad number of keys provided");
        if (numKeys > a.Count - 3) throw new CommandError("ERR Number of keys can't be greater than number of args");
        if (numKeys < 0) throw new CommandError("ERR Number of keys can't be negative");
        int keys = (int)numKeys;
        if (readOnly && !function.NoWrites) throw new CommandError("ERR Can not execute a script with write flag using *_ro command.");
        if (!function.NoWrites && _node.IsReplica) throw new CommandError("READONLY You can't write against a read only replica.");
        // As EVAL: over maxmemory is judged once, before the function; a function that may write and lacks
        // allow-oom is refused outright then (Redis's deny-oom for functions), one with allow-oom runs unrestricted.
        bool overMemory = !function.NoWrites && !caller.InExec && !OomRules.Admit(_node.Store);
        if (overMemory && !function.AllowOom) throw new CommandError(OomRules.Error);
        if (function.AllowOom) overMemory = false;
        RunAsBusyScript(caller, function: true, () => ExecuteFunction(caller, a, name, keys, readOnly, overMemory, reply));
    }

    private void ExecuteFunction(RespClient caller, CommandArgs a, string name, int keys, bool readOnly, bool overMemory, RespWriter reply)
    {
        SyncFunctions(); // nothing can change it between the look-up and here but a replica's apply; look again
        if (!_functions.TryGetValue(name, out var function))
        {
            reply.Error("ERR Function not found");
            return;
        }
        var L = _fn;
        lua_settop(L, 0);
        lua_rawgeti(L, RegistryIndex, _fnHandler);
        lua_rawgeti(L, RegistryIndex, function.Callback);
        PushArray(L, a, 3, keys);
        PushArray(L, a, 3 + keys, a.Count - 3 - keys);
        var command = new byte[a.Count][];
        for (int i = 0; i < a.Count; i++) command[i] = a[i].ToArray();
        _runningFunction = new RunningFunction(name, command, Environment.TickCount64 * TimeSpan.TicksPerMillisecond); // cleared by Invoke
        Invoke(L, 2, _fnArm, caller, new RunState(readOnly || function.NoWrites, overMemory, a, keys), name, reply);
    }

    private static void PushArray(IntPtr L, CommandArgs a, int first, int count)
    {
        lua_createtable(L, count, 0);
        for (int i = 0; i < count; i++)
        {
            PushBytes(L, a[first + i]);
            lua_rawseti(L, -2, i + 1);
        }
    }
}
