using System.Text;
using HyperCache.Frontends.Hosting;
using HyperCache.Frontends.Resp;
using HyperCache.StateMachine;
using static HyperCache.Frontends.Scripting.LuaNative;

namespace HyperCache.Frontends.Scripting;

/// <summary>
/// A node's Lua scripting, as Redis 7.0's EVAL: one Lua state, the script cache, and the script's own client
/// through which redis.call runs ordinary command handlers. A script runs with every shard locked and its writes
/// go to the log as one entry (<see cref="Store.RunScript"/>), so it is atomic like EXEC and replays and
/// replicates with nothing new. One script runs at a time, as in Redis.
/// </summary>
public sealed unsafe partial class ScriptEngine : IDisposable
{
    public const string NoScript = "NOSCRIPT No matching script. Please use EVAL.";

    private readonly Node _node;
    /// <summary>Guards the Lua state and the cache. Taken after the shard locks when a script runs; SCRIPT LOAD,
    /// EXISTS and FLUSH take it alone.</summary>
    private readonly Lock _gate = new();
    private readonly ScriptCache _cache = new();
    private readonly RespClient _client;        // the script's client: its own db (SELECT), RESP2, never blocks
    private readonly ReplyBuffer _replies = new();
    private IntPtr _lua;
    private int _handler;                       // registry ref of the error message handler
    private int _arm;                           // registry ref of the function that re-arms the count hook
    private int _globals;                       // registry ref of the real globals table (KEYS and ARGV go there)
    private readonly BusyScript _busy;
    private string _sha = "";                   // the running script's, for the slow-script warning
    private RespClient? _caller;                // the client running the script: its user's ACL rules, ACL LOG's client
    private bool _killRaised;                   // the hook raised the kill: the main thread's hook needs re-arming

    public ScriptEngine(Node node)
    {
        _node = node;
        _busy = node.BusyScript;
        _client = new RespClient(0, node, "lua", "") { Authenticated = true, InExec = true, IsScript = true };
        _client.Writer.Attach(_replies);
        Open();
    }

    public int CachedScripts
    {
        get { lock (_gate) return _cache.Count; }
    }

    private ScriptMemory _memory;

    /// <summary>INFO memory's scripting sizes. Read under the gate when it is free; while a script holds it, the
    /// last sizes read (INFO must not wait for a script).</summary>
    internal ScriptMemory Memory()
    {
        if (_gate.TryEnter())
        {
            try
            {
                SyncFunctions();
                long libraries = 0;
                foreach (var library in _libraries.Values) libraries += library.Code.Length + library.Name.Length * sizeof(char) + 64 * (1 + library.Functions.Count);
                _memory = new ScriptMemory(HeapBytes(_lua), _cache.Bytes, HeapBytes(_fn), libraries);
            }
            finally
            {
                _gate.Exit();
            }
        }
        return _memory;
    }

    /// <summary>EVAL / EVALSHA / EVAL_RO / EVALSHA_RO: a[1] is the body or its SHA1, a[2] numkeys.</summary>
    public void Run(RespClient caller, CommandArgs a, bool bySha, bool readOnly, RespWriter reply)
    {
        int keys = NumKeys(a);
        // Redis decides "over maxmemory" once, before the script (pre_command_oom_state). Never evict under the
        // locks of an EXEC: the deletes would be logged ahead of the transaction's entry, whose effects came first.
        bool overMemory = !readOnly && !caller.InExec && !OomRules.Admit(_node.Store);
        RunAsBusyScript(caller, function: false, () => Execute(caller, a, bySha, keys, readOnly, overMemory, reply));
    }

    /// <summary>Runs <paramref name="body"/> (EVAL's or FCALL's) under every shard lock and the gate, as the one
    /// script running. From the announcement on, a command of another client waits for the script (or gets BUSY)
    /// before it takes any lock, instead of blocking on the script's locks until it ends. Begin and End run under the
    /// locks: one script at a time owns the busy state.</summary>
    private void RunAsBusyScript(RespClient caller, bool function, Action body)
    {
        long threshold = _node.Config.BusyReplyThreshold;
        _busy.Announce();
        bool began = false;
        try
        {
            _node.Store.RunScript(caller.Session, _client.Session, () =>
            {
                began = true;
                _busy.Begin(threshold, function);
                try
                {
                    lock (_gate) body();
                }
                finally
                {
                    _busy.End();
                }
            });
        }
        finally
        {
            if (!began) _busy.End(); // never reached the locks: do not leave commands waiting
        }
    }

    internal static int NumKeys(CommandArgs a)
    {
        long keys = ArgParse.Int64(a[2]);
        if (keys > a.Count - 3) throw new CommandError("ERR Number of keys can't be greater than number of args");
        if (keys < 0) throw new CommandError("ERR Number of keys can't be negative");
        return (int)keys;
    }

    /// <summary>SCRIPT LOAD: compiles and caches; returns the SHA1.</summary>
    public string Load(ReadOnlySpan<byte> body)
    {
        string sha = ScriptCache.Sha1Hex(body);
        lock (_gate)
        {
            if (!_cache.Contains(sha)) _cache.Add(sha, Compile(body), body);
        }
        return sha;
    }

    public bool Exists(ReadOnlySpan<byte> sha)
    {
        lock (_gate) return _cache.TryGetBySha(sha, out _, out _);
    }

    /// <summary>SCRIPT FLUSH: a fresh Lua state and an empty cache (Redis resets its interpreter too).</summary>
    public void Flush()
    {
        lock (_gate)
        {
            _cache.Clear();
            lua_close(_lua);
            Open();
        }
    }

    private void Execute(RespClient caller, CommandArgs a, bool bySha, int keys, bool readOnly, bool overMemory, RespWriter reply)
    {
        string? sha;
        CompiledScript script;
        if (bySha)
        {
            if (!_cache.TryGetBySha(a[1], out sha, out script))
            {
                reply.Error(NoScript);
                return;
            }
        }
        else if (!_cache.TryGet(sha = _cache.ShaOf(a[1]), out script))
        {
            try
            {
                script = Compile(a[1]);
            }
            catch (CommandError e)
            {
                reply.Error(e.Message);
                return;
            }
            _cache.Add(sha, script, a[1]);
        }
        if (overMemory && script.DenyOom)
        {
            reply.Error(OomRules.Error);
            return;
        }
        var L = _lua;
        lua_settop(L, 0);
        SetGlobalArray(L, "KEYS"u8, a, 3, keys);
        SetGlobalArray(L, "ARGV"u8, a, 3 + keys, a.Count - 3 - keys);
        lua_rawgeti(L, RegistryIndex, _handler);
        lua_rawgeti(L, RegistryIndex, script.Function);
        Invoke(L, 0, _arm, caller, new RunState(readOnly || script.NoWrites, overMemory && !script.Declared, a, keys), sha, reply);
    }

    /// <summary>Calls what the stack holds (the message handler at 1, the function, <paramref name="args"/>
    /// arguments) as <paramref name="name"/> (a script's SHA1 or a function's name) on the script's client, and
    /// writes its reply or its error. EVAL's and FCALL's one way in.</summary>
    private void Invoke(IntPtr L, int args, int arm, RespClient caller, RunState run, string name, RespWriter reply)
    {
        _client.Session.Db = caller.Session.Db;
        _client.Protocol = 2;
        _client.User = caller.User; // redis.call runs under the caller's ACL rules
        _caller = caller;
        _run = run;
        _sha = name;
        t_running = this;
        int status;
        try
        {
            status = lua_pcallk(L, args, 1, 1, IntPtr.Zero, IntPtr.Zero);
        }
        finally
        {
            t_running = null;
            _runningFunction = null;
            _caller = null;
        }
        if (_killRaised) Rearm(L, arm);
        if (status != 0) reply.Error(FailureMessage(L, name));
        else LuaReplies.Write(L, reply);
        lua_settop(L, 0);
    }

    /// <summary>After a kill the main thread's hook fires on every line (see <see cref="LuaPrelude"/>): back to counting.</summary>
    private void Rearm(IntPtr L, int arm)
    {
        _killRaised = false;
        lua_rawgeti(L, RegistryIndex, arm);
        if (lua_pcallk(L, 0, 0, 0, IntPtr.Zero, IntPtr.Zero) != 0) Pop(L, 1);
    }

    /// <summary>Compiles a body as the chunk "@user_script" (so errors say "user_script:LINE:", as Redis's) and
    /// keeps the function in the registry. Source only: Lua bytecode is refused.</summary>
    private CompiledScript Compile(ReadOnlySpan<byte> body)
    {
        int skip = Shebang.Parse(body, out bool noWrites, out bool allowOom);
        var L = _lua;
        if (LoadSource(L, body[skip..], "@user_script") != 0) ThrowCompileError(L, "ERR Error compiling script (new function): ");
        return new CompiledScript(luaL_ref(L, RegistryIndex), noWrites, Declared: skip > 0, AllowOom: allowOom);
    }

    /// <summary>A script's or a library's source did not compile: the error (on the stack) as Redis words it.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowCompileError(IntPtr L, string prefix)
    {
        string message = Encoding.UTF8.GetString(ToBytes(L, -1));
        lua_settop(L, 0);
        throw new CommandError(prefix + message);
    }

    /// <summary>The reply for a script that raised: "&lt;err&gt; script: &lt;sha&gt;, on @user_script:&lt;line&gt;.", as Redis 7.0.</summary>
    private static string FailureMessage(IntPtr L, string sha)
    {
        if (lua_type(L, -1) != TypeTable)
            return $"ERR Error running script {sha}, {Encoding.UTF8.GetString(ToBytes(L, -1))}";
        string message = RawGetField(L, -1, "err"u8) == TypeString ? Encoding.UTF8.GetString(ToBytes(L, -1)) : "ERR unknown error";
        Pop(L, 1);
        string? source = RawGetField(L, -1, "source"u8) == TypeString ? Encoding.UTF8.GetString(ToBytes(L, -1)) : null;
        Pop(L, 1);
        long? line = RawGetField(L, -1, "line"u8) == TypeNumber ? LuaReplies.ToInteger(L, -1) : null;
        Pop(L, 1);
        return source != null && line != null ? $"{message} script: {sha}, on {source}:{line}." : message;
    }

    private void SetGlobalArray(IntPtr L, ReadOnlySpan<byte> name, CommandArgs a, int first, int count)
    {
        lua_rawgeti(L, RegistryIndex, _globals);
        lua_createtable(L, count, 0);
        for (int i = 0; i < count; i++)
        {
            PushBytes(L, a[first + i]);
            lua_rawseti(L, -2, i + 1);
        }
        RawSetField(L, -2, name);
        Pop(L, 1);
    }

    /// <summary>A new Lua state for EVAL with the sandbox of <see cref="LuaPrelude"/>.</summary>
    private void Open() => _lua = OpenState(_node.Commands.Names, out _handler, out _arm, out _globals);

    /// <summary>A new Lua state with the sandbox of <see cref="LuaPrelude"/>: the scripts' (SCRIPT FLUSH replaces it)
    /// and the functions' (a state of their own, as in Redis 7, so SCRIPT FLUSH leaves functions alone).</summary>
    private static IntPtr OpenState(IEnumerable<string> commands, out int handler, out int arm, out int globals)
    {
        var L = luaL_newstate();
        if (L == IntPtr.Zero) throw new InvalidOperationException("Lua: cannot create a state");
        luaL_openlibs(L);
        int status = LoadSource(L, Encoding.UTF8.GetBytes(LuaPrelude.Code), LuaPrelude.ChunkName);
        if (status == 0)
        {
            lua_pushcclosure(L, (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int>)&NativeCall, 0);
            lua_pushcclosure(L, (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int>)&NativeSha1Hex, 0);
            lua_pushcclosure(L, (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int>)&NativeLog, 0);
            lua_pushcclosure(L, (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int>)&NativeSetResp, 0);
            lua_pushcclosure(L, (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int>)&NativeMustStop, 0);
            status = LuaLibraries.Load(L);      // the libraries' chunk, run by the prelude
            if (status == 0)
            {
                lua_pushlightuserdata(L, IntPtr.Zero); // cjson.null, a NULL lightuserdata as lua-cjson's
                PushNameSet(L, commands);
                lua_pushcclosure(L, (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int>)&NativeAclCheck, 0);
                status = lua_pcallk(L, 9, 3, 0, IntPtr.Zero, IntPtr.Zero);
            }
        }
        if (status != 0)
        {
            string error = Encoding.UTF8.GetString(ToBytes(L, -1));
            lua_close(L);
            throw new InvalidOperationException("Lua: the scripting prelude failed: " + error);
        }
        globals = luaL_ref(L, RegistryIndex); // the top result
        arm = luaL_ref(L, RegistryIndex);
        handler = luaL_ref(L, RegistryIndex);
        return L;
    }

    /// <summary>Pushes a table with each name as a key (value true).</summary>
    private static void PushNameSet(IntPtr L, IEnumerable<string> names)
    {
        lua_createtable(L, 0, 256);
        foreach (var name in names)
        {
            var bytes = Encoding.UTF8.GetBytes(name);
            fixed (byte* p = bytes) lua_pushlstring(L, p, (nuint)bytes.Length);
            lua_pushboolean(L, 1);
            lua_rawset(L, -3);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_lua == IntPtr.Zero) return;
            lua_close(_lua);
            _lua = IntPtr.Zero;
            CloseFunctions();
        }
    }
}
