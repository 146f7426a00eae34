using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using HyperCache.Frontends.Resp;
using HyperCache.StateMachine;
using Microsoft.Extensions.Logging;
using static HyperCache.Frontends.Scripting.LuaNative;

namespace HyperCache.Frontends.Scripting;

/// <summary>redis.call / redis.pcall and the other native functions the prelude is given.</summary>
public sealed unsafe partial class ScriptEngine
{
    /// <summary>What the running script may do: EVAL_RO or a no-writes shebang refuses writes; when the node was
    /// over maxmemory as the script started, commands that may grow memory are refused (as Redis).</summary>
    /// <summary>What one EVAL or FCALL runs under: read-only, over maxmemory, and the caller's command line with its
    /// declared keys at 3..3+<paramref name="Keys"/> (remembered for the caller's CLIENT TRACKING once the script
    /// reads, <see cref="RememberedKeys"/>).</summary>
    private record struct RunState(bool ReadOnly, bool OverMemory, CommandArgs CallerArgs, int Keys)
    {
        public bool RememberedKeys;
    }

    /// <summary>The engine whose script runs on this thread (native callbacks carry no context of their own).</summary>
    [ThreadStatic] private static ScriptEngine? t_running;

    private RunState _run;
    private readonly CommandArgs _args = new();
    private byte[] _argBytes = new byte[256];

    /// <summary>Commands Redis 7.0.15 flags noscript (COMMAND's flags there), by family: a container's listed
    /// subcommands all are, but its HELP is not; or one subcommand by its full name. Blocking pops are refused, as there (BLMPOP/BZMPOP are not: they
    /// just do not block, as inside EXEC).</summary>
    private static readonly HashSet<string> NotInScripts = new(StringComparer.Ordinal)
    {
        "auth", "bgrewriteaof", "bgsave", "blmove", "blpop", "brpop", "brpoplpush", "bzpopmax", "bzpopmin", "debug",
        "discard", "eval", "eval_ro", "evalsha", "evalsha_ro", "exec", "failover", "fcall", "fcall_ro", "hello",
        "monitor", "multi", "psubscribe", "psync", "punsubscribe", "quit", "replconf", "replicaof", "reset", "role",
        "save", "shutdown", "slaveof", "ssubscribe", "subscribe", "sunsubscribe", "sync", "unsubscribe", "unwatch",
        "wait", "watch", "acl", "client", "config", "function", "latency", "module", "script", "cluster|reset",
    };

    /// <summary>Redis 7.0's may-replicate commands that are not writes (and may run in a script): a read-only
    /// script may not call them either (PUBLISH is propagated to replicas; PFCOUNT may rewrite its cache).</summary>
    private static readonly HashSet<string> MayReplicate = new(StringComparer.Ordinal) { "publish", "spublish", "pfcount" };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> NotInScriptsByName = NotInScripts.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>native_call(...) → (reply, failed). The command's reply in Lua form, or an error table and true.</summary>
    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    private static int NativeCall(IntPtr L)
    {
        try
        {
            var engine = t_running;
            if (engine is null) return Failed(L, "redis.call/pcall can only be called inside a script invocation"u8);
            return engine.Call(L);
        }
        catch (Exception e)
        {
            return Failed(L, Encoding.UTF8.GetBytes(e.Message));
        }
    }

    private int Call(IntPtr L)
    {
        int count = lua_gettop(L);
        if (count == 0) return Failed(L, "Please specify at least one argument for this redis lib call"u8);
        if (!CollectArgs(L, count)) return Failed(L, "Lua redis lib command arguments must be strings or integers"u8);
        lua_settop(L, 0);
        var a = _args;
        if (_node.Commands.Resolve(a, out var spec) != CommandLookup.Found) return Failed(L, "Unknown Redis command called from script"u8);
        if (!spec.ArityOk(a.Count)) return Failed(L, "Wrong number of args calling Redis command from script"u8);
        if (!AllowedInScripts(spec)) return Failed(L, "This Redis command is not allowed from script"u8);
        if (!_client.User.Rules.AllowsAll && DeniedByAcl(spec, a) is { } denied) return Failed(L, denied);
        if (_run.ReadOnly && (spec.Flags.HasFlag(CommandFlags.Write) || MayReplicate.Contains(spec.Name)))
            return Failed(L, "Write commands are not allowed from read-only scripts."u8);
        if (spec.Flags.HasFlag(CommandFlags.Write))
        {
            if (_node.IsReplica) return FailedCoded(L, "READONLY You can't write against a read only replica."u8);
            if (_node.Replication is { Strategy: var strategy } && !strategy.MayWrite())
                return FailedCoded(L, "NOREPLICAS Not enough good replicas to write."u8);
            if (_node.Log?.WriteError is { } reason) return FailedCoded(L, Encoding.ASCII.GetBytes(Resp.DiskErrorRules.Error(reason)));
        }
        if (_run.OverMemory && spec.Flags.HasFlag(CommandFlags.DenyOom)) return FailedCoded(L, Encoding.ASCII.GetBytes(OomRules.Error));

        bool write = spec.Flags.HasFlag(CommandFlags.Write);
        if (write && !_busy.BeginWrite()) return FailedCoded(L, Encoding.ASCII.GetBytes(LuaPrelude.KilledError));

        _replies.Clear();
        var writer = _client.Writer;
        _client.LastCommand = spec.Name;
        int eventsBefore = _client.Session.BatchedEvents;
        try
        {
            spec.Handler(_client, a, writer);
            spec.Meter?.Succeeded(0); // commandstats count what scripts call, as Redis's (not timed: the script is)
        }
        catch (CommandError e)
        {
            writer.Error(e.Message);
            spec.Meter?.Failed(0);
        }
        finally
        {
            if (write) _busy.EndWrite(changed: _client.Session.BatchedEvents != eventsBefore);
        }
        writer.Commit();
        if (!_run.RememberedKeys && spec.Flags.HasFlag(CommandFlags.ReadOnly) && _caller?.Tracking is { } tracking)
        {
            _run.RememberedKeys = true;
            _node.Tracking.RememberScriptKeys(_caller, tracking, _run.CallerArgs, 3, _run.Keys);
        }
        // MONITOR shows what the script ran, as Redis: "[db lua]" (the script client's db after the command), hidden
        // and redacted by the same rules; not the calls refused above. One volatile read with no monitor.
        if (_node.Monitors.Active) _node.Monitors.Feed(_client, a, spec);
        var reply = _replies.Written;
        lua_checkstack(L, 2);
        LuaReplies.Push(L, reply);
        lua_pushboolean(L, reply.Length > 0 && reply[0] == '-' ? 1 : 0);
        return 2;
    }

    /// <summary>The caller's ACL rules on a redis.call: null when allowed, else the error (logged with context lua).</summary>
    private byte[]? DeniedByAcl(CommandSpec spec, CommandArgs a)
    {
        var denial = Resp.Acl.AclCheck.CheckLogged(_caller ?? _client, _client.User, "lua", spec, a);
        if (denial == Resp.Acl.AclDenial.None) return null;
        return Encoding.ASCII.GetBytes(Resp.Acl.AclCheck.ScriptError(denial));
    }

    /// <summary>native_acl_check(command, arg...) → (allowed, failed): redis.acl_check_cmd, whether the caller's user
    /// may run that command line (no arity check, nothing logged, as Redis); failed with the error to raise when
    /// the command does not exist.</summary>
    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    private static int NativeAclCheck(IntPtr L)
    {
        try
        {
            var engine = t_running;
            if (engine is null) return FailedText(L, "ERR redis.acl_check_cmd can only be called inside a script invocation"u8);
            int count = lua_gettop(L);
            if (!engine.CollectArgs(L, count)) return FailedText(L, "ERR Lua redis lib command arguments must be strings or integers"u8);
            lua_settop(L, 0);
            if (engine._node.Commands.Resolve(engine._args, out var spec) != CommandLookup.Found)
                return FailedText(L, "ERR Invalid command passed to redis.acl_check_cmd()"u8);
            var denial = Resp.Acl.AclCheck.Check(engine._client.User.Rules, engine._node.Acl.Index, spec, engine._args, out _);
            lua_pushboolean(L, denial == Resp.Acl.AclDenial.None ? 1 : 0);
            lua_pushboolean(L, 0);
            return 2;
        }
        catch (Exception e)
        {
            return FailedText(L, Encoding.UTF8.GetBytes("ERR " + e.Message));
        }
    }

    /// <summary>(message, true): the prelude raises the message as it is.</summary>
    private static int FailedText(IntPtr L, ReadOnlySpan<byte> message)
    {
        lua_settop(L, 0);
        PushBytes(L, message);
        lua_pushboolean(L, 1);
        return 2;
    }

    internal static bool AllowedInScripts(CommandSpec spec)
    {
        string name = spec.Name;
        int bar = name.IndexOf('|');
        var family = name.AsSpan(0, bar < 0 ? name.Length : bar);
        if (bar > 0 && NotInScripts.Contains(name)) return false; // flagged by itself (CLUSTER RESET)
        return !NotInScriptsByName.Contains(family) || name.EndsWith("|help", StringComparison.Ordinal);
    }

    /// <summary>Copies the call's arguments into one buffer (numbers as Redis formats them: integers plainly,
    /// others "%.17g"); false when one is neither a string nor a number.</summary>
    private bool CollectArgs(IntPtr L, int count)
    {
        Span<int> lengths = count <= 64 ? stackalloc int[count] : new int[count];
        int total = 0;
        for (int i = 1; i <= count; i++)
        {
            int type = lua_type(L, i);
            ReadOnlySpan<byte> bytes;
            if (type == TypeNumber)
            {
                string text = lua_isinteger(L, i) != 0
                    ? lua_tointegerx(L, i, out _).ToString(System.Globalization.CultureInfo.InvariantCulture)
                    : HyperCache.StateMachine.Values.ScoreText.Format(lua_tonumberx(L, i, out _));
                bytes = Encoding.ASCII.GetBytes(text);
            }
            else if (type == TypeString) bytes = ToBytes(L, i);
            else return false;
            if (_argBytes.Length - total < bytes.Length) Array.Resize(ref _argBytes, Math.Max(_argBytes.Length * 2, total + bytes.Length));
            bytes.CopyTo(_argBytes.AsSpan(total));
            lengths[i - 1] = bytes.Length;
            total += bytes.Length;
        }
        _args.Reset(_argBytes);
        for (int i = 0, at = 0; i < count; at += lengths[i], i++) _args.Add(at, lengths[i]);
        return true;
    }

    /// <summary>An error of the scripting layer, "ERR ..." (Redis's luaPushError without a code).</summary>
    private static int Failed(IntPtr L, ReadOnlySpan<byte> message)
    {
        lua_settop(L, 0);
        LuaReplies.PushError(L, message);
        lua_pushboolean(L, 1);
        return 2;
    }

    /// <summary>An error that carries its own code (READONLY, OOM...).</summary>
    private static int FailedCoded(IntPtr L, ReadOnlySpan<byte> message)
    {
        lua_settop(L, 0);
        lua_createtable(L, 0, 1);
        PushBytes(L, LuaReplies.ErrorText(message, coded: true));
        RawSetField(L, -2, "err"u8);
        lua_pushboolean(L, 1);
        return 2;
    }

    /// <summary>native_must_stop() → true when the script must stop (SCRIPT KILL); called by the count hook. The first
    /// call past busy-reply-threshold makes the node busy: logged as Redis does, and an epoll loop thread held by the
    /// script gets a new thread for its other connections.</summary>
    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    private static int NativeMustStop(IntPtr L)
    {
        bool stop = false, loadTimeout = false;
        try
        {
            if (t_running is { LoadDeadline: > 0 } loading)
            {
                // FUNCTION LOAD: a library's top level gets Redis's 500 ms, then fails (it holds every shard lock)
                stop = loadTimeout = Environment.TickCount64 > loading.LoadDeadline;
                if (stop) loading._killRaised = true;
            }
            else if (t_running is { } engine)
            {
                stop = engine._busy.MustStop(out bool becameBusy);
                if (becameBusy) engine.BecameBusy();
                if (stop) engine._killRaised = true;
            }
        }
        catch (Exception)
        {
            // never raise into Lua from here (see LuaNative)
        }
        lua_pushboolean(L, stop ? 1 : 0);
        if (!loadTimeout) return 1;
        PushBytes(L, "ERR FUNCTION LOAD timeout"u8);
        return 2;
    }

    private void BecameBusy()
    {
        _node.Logger.LogWarning("Slow script detected: still in execution after {Ms} milliseconds. You can try killing the script using the SCRIPT KILL command. Script name is: {Sha}.",
            _node.Config.BusyReplyThreshold, _sha);
        Transport.EpollLoop.StandInForHeldLoops();
    }

    /// <summary>native_sha1hex(s): the SHA1 of a string in hex (redis.sha1hex).</summary>
    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    private static int NativeSha1Hex(IntPtr L)
    {
        try
        {
            var hex = ScriptCache.Sha1Hex(ToBytes(L, 1));
            PushBytes(L, Encoding.ASCII.GetBytes(hex));
            return 1;
        }
        catch
        {
            return 0;
        }
    }

    /// <summary>native_log(level, text): redis.log into the node's log (Redis levels 0-3: debug..warning).</summary>
    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    private static int NativeLog(IntPtr L)
    {
        try
        {
            var engine = t_running;
            if (engine is null) return 0;
            int level = (int)LuaReplies.ToInteger(L, 1);
            string text = Encoding.UTF8.GetString(ToBytes(L, 2));
            var logLevel = level switch { 0 => LogLevel.Debug, 1 => LogLevel.Information, 2 => LogLevel.Information, _ => LogLevel.Warning };
            engine._node.Logger.Log(logLevel, "Lua script: {Text}", text);
        }
        catch
        {
            // a log line is not worth failing a script over
        }
        return 0;
    }

    /// <summary>native_setresp(2|3): the protocol commands reply in to the script (redis.setresp).</summary>
    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    private static int NativeSetResp(IntPtr L)
    {
        var engine = t_running;
        if (engine != null) engine._client.Protocol = (int)LuaReplies.ToInteger(L, 1);
        return 0;
    }
}
