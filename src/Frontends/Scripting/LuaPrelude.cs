namespace HyperCache.Frontends.Scripting;

/// <summary>
/// The Lua side of the sandbox, run once per Lua state: the <c>redis</c> table, Lua 5.1 names that scripts written
/// for Redis use, Redis's cjson, cmsgpack, bit and struct (<see cref="LuaLibraries"/>), the removal of what Redis
/// does not expose (os, io, package, require, dofile, loadfile, print, debug, utf8), read-only globals, the time-limit
/// hook, and the message handler that gives errors Redis's {err, source, line} shape. Native functions, the
/// libraries' chunk and cjson's null come in as the chunk's arguments; the chunk returns the message handler, the
/// function that re-arms the hook and the real globals table (scripts see a read-only view of it).
/// </summary>
internal static class LuaPrelude
{
    /// <summary>The chunk name of this code: the message handler skips its frames, so an error raised here (by a
    /// redis.* helper, or the read-only globals) points at the script's own line, as Redis's C functions do.</summary>
    public const string ChunkName = "=hypercache";

    /// <summary>The chunk name of the libraries (LuaLibraries.lua). Their code runs in coroutines of its own, never
    /// in the script's frames, so the message handler need not skip it.</summary>
    public const string LibrariesChunkName = "=hypercache-libraries";

    /// <summary>Instructions between two looks at the clock and at SCRIPT KILL (Redis's luaMaskCountHook: 100000).</summary>
    public const int HookInstructions = 100_000;

    /// <summary>The error a killed script ends with (Redis 7.0's words; the handler adds "script: ..., on ...").</summary>
    public const string KilledError = "ERR Script killed by user with SCRIPT KILL...";

    public static readonly string Code = $$"""
        local native_call, native_sha1hex, native_log, native_setresp, native_must_stop, load_libraries, json_null, command_names, native_acl_check = ...
        local dbg = debug
        local error, type, select, tostring, tonumber, rawget = error, type, select, tostring, tonumber, rawget
        local pack, unpack, concat = table.pack, table.unpack, table.concat

        -- A native function never raises (see LuaNative); it returns (value, failed) and this raises.
        local function raise(message) error({err = message}) end

        local redis = {}
        -- redis.call must be a C function, as in Redis: a script's `return redis.call(...)` is a tail call, and a
        -- tail call to a Lua function would drop the script's frame, so an error could not name the script's line.
        -- coroutine.wrap gives a C function that runs a Lua body and re-raises its errors as they are. An error
        -- ends that coroutine, so before raising, the body puts a fresh one in place (upvalue 1 of the C closure)
        -- and keeps the dying one referenced until the next error.
        local create, wrap, yield, running, setupvalue = coroutine.create, coroutine.wrap, coroutine.yield, coroutine.running, dbg.setupvalue
        local call, dying
        -- The next call's arguments go straight from yield to native_call: no table per call.
        local function call_body(...)
          local reply, failed = native_call(...)
          while not failed do
            reply, failed = native_call(yield(reply))
          end
          dying = running()
          setupvalue(call, 1, create(call_body))
          error(reply)
        end
        call = wrap(call_body)
        redis.call = call
        function redis.pcall(...)
          return (native_call(...))
        end
        function redis.sha1hex(...)
          if select('#', ...) ~= 1 then raise('ERR wrong number of arguments') end
          return native_sha1hex((...))
        end
        -- Whether the calling user's ACL rules allow that command line (the native side checks).
        function redis.acl_check_cmd(...)
          if select('#', ...) == 0 then raise('ERR Please specify at least one argument for this redis lib call') end
          local allowed, failed = native_acl_check(...)
          if failed then raise(allowed) end
          return allowed
        end
        function redis.status_reply(...)
          local s = ...
          if select('#', ...) ~= 1 or type(s) ~= 'string' then return {err = 'ERR wrong number or type of arguments'} end
          return {ok = s}
        end
        function redis.error_reply(...)
          local s = ...
          if select('#', ...) ~= 1 or type(s) ~= 'string' then return {err = 'ERR wrong number or type of arguments'} end
          if s:sub(1, 1) ~= '-' then s = '-' .. s end
          local space = s:find(' ', 1, true)
          local code, message
          if space then code, message = s:sub(2, space - 1), s:sub(space + 1) else code, message = 'ERR', s:sub(2) end
          message = message:gsub('^[\r\n]+', ''):gsub('[\r\n]+$', '')
          return {err = code .. ' ' .. message}
        end
        redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
        function redis.log(...)
          local n = select('#', ...)
          if n < 2 then raise('ERR redis.log() requires two arguments or more.') end
          local level = tonumber((...))
          if not level then raise('ERR First argument must be a number (log level).') end
          level = level - level % 1
          if level < 0 or level > 3 then raise('ERR Invalid debug level.') end
          local parts = {}
          for i = 2, n do
            local v = select(i, ...)
            if type(v) == 'string' or type(v) == 'number' then parts[#parts + 1] = tostring(v) end
          end
          native_log(level, concat(parts, ' '))
        end
        function redis.setresp(...)
          if select('#', ...) ~= 1 then raise('ERR redis.setresp() requires one argument.') end
          local resp = tonumber((...))
          if resp ~= 2 and resp ~= 3 then raise('ERR RESP version must be 2 or 3.') end
          native_setresp(resp)
        end
        redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3
        function redis.set_repl() end               -- every write is logged as the script's effects
        function redis.replicate_commands() return true end
        function redis.breakpoint() return false end
        function redis.debug() end
        redis.REDIS_VERSION = '7.0.15'
        redis.REDIS_VERSION_NUM = 0x07000f
        _G.redis = redis

        -- Redis's pcall: an error table comes back as its message.
        local lua_pcall = pcall
        function pcall(f, ...)
          local results = pack(lua_pcall(f, ...))
          if not results[1] and type(results[2]) == 'table' and type(rawget(results[2], 'err')) == 'string' then
            results[2] = results[2].err
          end
          return unpack(results, 1, results.n)
        end

        -- What Redis's Lua 5.1 has under names Lua 5.4 dropped (5.4's additions that 5.1 lacks are left: harmless
        -- to a script written for 5.1, but for `warn`, which writes to the node's stderr).
        _VERSION = 'Lua 5.1'
        warn = nil
        _G.unpack = table.unpack
        table.getn = function(t) return #t end
        table.maxn = function(t)
          local max = 0
          for k in next, t do
            if type(k) == 'number' and k > max then max = k end
          end
          return max
        end
        table.foreach = function(t, f)
          for k, v in next, t do
            local r = f(k, v)
            if r ~= nil then return r end
          end
        end
        table.foreachi = function(t, f)
          for i = 1, #t do
            local r = f(i, t[i])
            if r ~= nil then return r end
          end
        end
        table.setn = function() error("'setn' is obsolete", 2) end
        math.pow = function(x, y) return x ^ y end
        math.mod = math.fmod
        math.log10 = function(x) return math.log(x, 10) end
        math.atan2 = function(y, x) return math.atan(y, x) end
        math.cosh = function(x) local e = math.exp(x) return (e + 1 / e) / 2 end
        math.sinh = function(x) local e = math.exp(x) return (e - 1 / e) / 2 end
        math.tanh = function(x)
          if x > 20 then return 1.0 elseif x < -20 then return -1.0 end
          local e = math.exp(2 * x)
          return (e - 1) / (e + 1)
        end
        math.ldexp = function(m, e) return m * 2.0 ^ e end
        -- frexp: x = m * 2^e with 0.5 <= |m| < 1 (x itself for 0, infinities and NaN, with e 0).
        math.frexp = function(x)
          if x == 0 or x ~= x or x == math.huge or x == -math.huge then return x, 0 end
          local e = math.floor(math.log(math.abs(x), 2)) + 1
          local m = x / 2.0 ^ (e - 1) / 2   -- two steps: 2^e alone overflows for the largest doubles
          if math.abs(m) >= 1 then m, e = m / 2, e + 1 elseif math.abs(m) < 0.5 then m, e = m * 2, e - 1 end
          return m, e
        end
        gcinfo = function() return math.floor(collectgarbage('count')) end
        -- Numbers print as Lua 5.1's doubles ("%.14g"): tostring(10 / 2) is "5" there, "5.0" in 5.4. A plain Lua
        -- function, since scripts call it often. (`..` converts in C and keeps 5.4's form: docs/decisions.md.)
        local lua_tostring, format = tostring, string.format
        _G.tostring = function(...)
          local v = ...
          if type(v) == 'number' then return format('%.14g', v) end
          if select('#', ...) == 0 then error("bad argument #1 to 'tostring' (value expected)", 2) end
          return lua_tostring(v)
        end
        string.gfind = string.gmatch
        local lua_load = load
        load = function(chunk, name) return lua_load(chunk, name, 't') end   -- source only, never bytecode
        loadstring = load

        -- busy-reply-threshold and SCRIPT KILL: a count hook asks the node every {{HookInstructions}} instructions
        -- (native_must_stop also makes the node busy once the script is past the threshold). A killed script gets a
        -- line hook, as in Redis, so a pcall in the script cannot catch the kill for good: the next line raises again.
        -- Hooks are per coroutine, so the script's own coroutines arm theirs as they start.
        local sethook = dbg.sethook
        local guard
        guard = function()
          local stop, message = native_must_stop()
          if stop then
            sethook(guard, 'l')
            error({err = message or '{{KilledError}}'})
          end
        end
        local function arm() sethook(guard, '', {{HookInstructions}}) end
        local function guarded(f, name)
          if type(f) ~= 'function' then       -- Lua's own words, at the script's line (level 3)
            error("bad argument #1 to '" .. name .. "' (function expected, got " .. type(f) .. ")", 3)
          end
          return function(...) arm() return f(...) end
        end
        coroutine.create = function(f) local co = create(guarded(f, 'create')) return co end
        coroutine.wrap = function(f) local co = wrap(guarded(f, 'wrap')) return co end

        -- cjson, cmsgpack, bit and struct (LuaLibraries.lua). Their functions are Lua, but each must behave as a C
        -- function, as in Redis, for the same reason as redis.call: after `return cjson.decode(x)` (a tail call) an
        -- error must still name the script's line. So each is the C closure of coroutine.wrap around a loop that
        -- runs it under pcall and yields its results; its errors are raised without position, and the C closure
        -- adds the caller's "user_script:N: ", as luaL_error does in a C module. On an error the loop puts a fresh
        -- coroutine in place first (as call_body). Cost: one resume/yield per call, no table.
        -- These coroutines have no time-limit hook: a library call is one step for SCRIPT KILL and
        -- busy-reply-threshold, as Redis's C functions are (checked again at the script's next count), and its
        -- code runs without the per-instruction trap that any count hook costs in Lua 5.4 (see decisions.md).
        local wrappers = setmetatable({}, {__mode = 'k'})
        local main = running()
        local function cfunc(impl)
          local fn, dying
          local function body(...)
            sethook()                -- a coroutine starts with its creator's hook: none here
            local function step(ok, ...)
              if not ok then
                dying = running()
                setupvalue(fn, 1, create(body))
                error((...), 0)
              end
              return step(lua_pcall(impl, yield(...)))
            end
            return step(lua_pcall(impl, ...))
          end
          fn = wrap(body)
          wrappers[fn] = true
          return fn
        end
        -- The name a "bad argument" error gives the function, as luaL_argerror finds it: how the caller named it
        -- (`bit.band`: 'band'; `local f = bit.band`: 'f'; through pcall: '?'). The caller is the main thread's
        -- running C function when it is one of ours; else (a call from a script's own coroutine) the usual name.
        local function callername(usual)
          local info = dbg.getinfo(main, 0, 'nf')
          if info and wrappers[info.func] then return info.name or '?', info.namewhat end
          return usual, ''
        end
        -- Read-only, as Redis 7 makes them: assigning a field raises Redis's error. A proxy (stock Lua has no
        -- read-only tables): pairs() and rawget() (below) see the fields, rawset() (below) is refused.
        local behind_proxy = setmetatable({}, {__mode = 'k'})
        -- Errors Lua raises without a position (rawset's, below), carried as tables so that the C closure adds
        -- none; pcall gives their message, the message handler prefixes "ERR " as for any string error.
        local unpositioned_errors = setmetatable({}, {__mode = 'k'})
        local function readonly(t)
          local proxy = setmetatable({}, {
            __index = t,
            __newindex = function() error("Attempt to modify a readonly table", 2) end,
            __pairs = function() return next, t, nil end,
            __metatable = false,
          })
          behind_proxy[proxy] = t
          return proxy
        end
        local cjson, cmsgpack, bit, struct = load_libraries(json_null, cfunc, callername)
        _G.cjson, _G.cmsgpack, _G.bit, _G.struct = readonly(cjson), readonly(cmsgpack), readonly(bit), readonly(struct)
        -- string.format as 5.1's: a number for %s or %q is written as tostring writes it ("%.14g"), and %d, %i, %o, %u,
        -- %x, %X and %c take any number (or numeric string) cut to an integer, as 5.1's C cast does, where 5.4 refuses
        -- 3.5 ("no integer representation") and has no %u. Set after the libraries took the native one: they are
        -- written against 5.4's, and their hot paths (cjson's numbers) must not pay for this wrapper.
        do
          local mtype, tointeger, floor, ceil, sfind, ssub, unpack, concat = math.type, math.tointeger, math.floor, math.ceil, string.find, string.sub, table.unpack, table.concat
          local mininteger = math.mininteger
          local function as_integer(v)
            if type(v) == 'string' then v = tonumber(v) or v end
            if type(v) ~= 'number' or mtype(v) == 'integer' then return v end
            if v ~= v or v >= 2^63 or v < -2^63 then return mininteger end   -- what the cast gives on x86-64
            return tointeger(v >= 0 and floor(v) or ceil(v))
          end
          local integral = {d = true, i = true, o = true, u = true, x = true, X = true, c = true}
          local pcall, gsub = pcall, string.gsub
          -- The C function's errors name the script's line, not this wrapper's, and use 5.1's words.
          local function native(fmt, ...)
            local ok, result = pcall(format, fmt, ...)
            if ok then return result end
            result = gsub(gsub(result, "to '%?'", "to 'format'"), 'invalid conversion', 'invalid option')
            error(result, 3)
          end
          string.format = function(fmt, ...)
            local n = select('#', ...)
            -- (never `return native(...)`: a tail call would drop the caller's frame, and the error's position with it)
            if type(fmt) ~= 'string' then local r = native(fmt, ...) return r end
            local args, pieces, from, at, used = {...}, nil, 1, 1, 0
            while true do
              local s, e, spec, conv = sfind(fmt, '%%([-+ #0]*%d*%.?%d*)(.)', at)
              if not s then break end
              if conv ~= '%' then
                used = used + 1
                local v = args[used]
                if used > n then error(("bad argument #%d to 'format' (no value)"):format(used + 1), 2) end
                if integral[conv] then args[used] = as_integer(v)
                elseif conv == 's' or conv == 'q' then
                  local t = type(v)
                  if t == 'number' then args[used] = format('%.14g', v)
                  elseif t ~= 'string' then   -- 5.1 takes only strings and numbers here
                    error(("bad argument #%d to 'format' (string expected, got %s)"):format(used + 1, t), 2)
                  end
                end
                if conv == 'u' then
                  pieces = pieces or {}
                  pieces[#pieces + 1] = ssub(fmt, from, s - 1) .. '%' .. spec .. 'd'
                  from = e + 1
                end
              end
              at = e + 1
            end
            if pieces then
              pieces[#pieces + 1] = ssub(fmt, from)
              fmt = concat(pieces)
            end
            local r = native(fmt, unpack(args, 1, n))
            return r
          end
        end
        -- The standard libraries, redis and the strings' metatable too: else `string.format = nil`, `redis.call =
        -- f` or `getmetatable('').__index = nil` in one script would change every later script. Strings keep the
        -- real library as their __index (a method call stays one lookup); getmetatable('') answers a read-only view.
        -- The redis.* helpers that raise, as C functions (cfunc): after `return redis.sha1hex()` (a tail call) an
        -- error still points at the script's line.
        for _, name in ipairs({'sha1hex', 'log', 'setresp', 'acl_check_cmd'}) do redis[name] = cfunc(redis[name]) end
        local strings = readonly(string)
        getmetatable('').__metatable = readonly({__index = strings})
        _G.string, _G.math, _G.table, _G.coroutine = strings, readonly(math), readonly(table), readonly(coroutine)
        _G.redis = readonly(redis)

        os, io, package, require, dofile, loadfile, print, debug, utf8 = nil, nil, nil, nil, nil, nil, nil, nil, nil

        -- Globals are read-only, and reading a missing one is an error (Redis 7).
        local function missing_global(_, name)
          error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
        end
        setmetatable(_G, {
          __index = missing_global,
          __newindex = function(_, name)
            error("Attempt to modify a readonly table", 2)
          end,
          __metatable = false,
        })

        -- Existing globals are read-only too (redis = nil, KEYS = 1, cjson = nil...), as in Redis 7: scripts see an
        -- empty table that reads through to the real globals and refuses every assignment. Chunks loaded from here
        -- on (scripts, and load() inside them) get it as their _ENV; the engine sets KEYS and ARGV in the real one.
        local globals = _G
        local env = setmetatable({}, {
          __index = globals,
          __newindex = function() error("Attempt to modify a readonly table", 2) end,
          __pairs = function() return next, globals, nil end,
          __metatable = false,
        })
        rawset(globals, '_G', env)
        dbg.getregistry()[2] = env   -- LUA_RIDX_GLOBALS
        -- rawget reads through the read-only views (`rawget(_G, name)` is how a script asks for a global that may
        -- be missing without an error), with Lua's argument checks and texts; a C function (cfunc) for their position.
        behind_proxy[env] = globals
        rawset(globals, 'rawget', cfunc(function(...)
          local t, k = ...
          local n = select('#', ...)
          if type(t) ~= 'table' then
            error("bad argument #1 to '" .. callername('rawget') .. "' (table expected, got " .. (n >= 1 and type(t) or 'no value') .. ")", 0)
          elseif n < 2 then
            error("bad argument #2 to '" .. callername('rawget') .. "' (value expected)", 0)
          end
          return rawget(behind_proxy[t] or t, k)
        end))
        -- rawset must not write into a read-only view either: a field set there would shadow the real one and stay
        -- for every later script (Redis refuses it). Lua's argument checks and texts as rawget's; the refusal and
        -- Lua's own index errors without a position, as Redis gives them.
        local lua_rawset = rawset
        local function unpositioned(message)
          local e = {err = message}
          unpositioned_errors[e] = true
          error(e, 0)
        end
        rawset(globals, 'rawset', cfunc(function(...)
          local t, k = ...
          local n = select('#', ...)
          if type(t) ~= 'table' then
            error("bad argument #1 to '" .. callername('rawset') .. "' (table expected, got " .. (n >= 1 and type(t) or 'no value') .. ")", 0)
          elseif n < 3 then
            error("bad argument #" .. (n < 2 and 2 or 3) .. " to '" .. callername('rawset') .. "' (value expected)", 0)
          elseif behind_proxy[t] then
            unpositioned('Attempt to modify a readonly table')
          elseif k == nil then
            unpositioned('table index is nil')
          elseif k ~= k then
            unpositioned('table index is NaN')
          end
          return lua_rawset(t, k, (select(3, ...)))
        end))
        -- setmetatable and getmetatable see a read-only view as Redis's read-only table: setting its metatable is
        -- refused with Redis's error (not 5.4's "protected metatable"); getmetatable(_G) gives a read-only table
        -- holding the missing-global check, as Redis's, and the libraries' views have none. Lua's checks and 5.1's texts.
        local lua_setmetatable, lua_getmetatable = setmetatable, getmetatable
        local globals_metatable = readonly({__index = missing_global})
        rawset(globals, 'setmetatable', cfunc(function(...)
          local t, mt = ...
          if type(t) ~= 'table' then
            error("bad argument #1 to '" .. callername('setmetatable') .. "' (table expected, got " .. (select('#', ...) >= 1 and type(t) or 'no value') .. ")", 0)
          elseif select('#', ...) < 2 or (mt ~= nil and type(mt) ~= 'table') then
            error("bad argument #2 to '" .. callername('setmetatable') .. "' (nil or table expected)", 0)
          elseif behind_proxy[t] then
            unpositioned('Attempt to modify a readonly table')
          end
          local current = dbg.getmetatable(t)
          if current and rawget(current, '__metatable') ~= nil then error('cannot change a protected metatable', 0) end
          return lua_setmetatable(t, mt)
        end))
        rawset(globals, 'getmetatable', cfunc(function(...)
          if select('#', ...) == 0 then error("bad argument #1 to '" .. callername('getmetatable') .. "' (value expected)", 0) end
          local t = ...
          if t == env then return globals_metatable end
          if behind_proxy[t] then return nil end
          return lua_getmetatable(t)
        end))

        -- Lua 5.4 words a runtime error after the value's type ("attempt to call a nil value (field 'f')"), 5.1,
        -- which Redis runs, before it ("attempt to call field 'f' (a nil value)"); 5.4 also names constants, and
        -- words a bad 'for' differently. What a script's caller reads is 5.1's (inside pcall, 5.4's stays).
        local lua51_kinds = {global = true, ['local'] = true, field = true, upvalue = true, method = true}
        local message_gsub = string.gsub
        local function lua51_words(op, value_type, kind, name)
          if lua51_kinds[kind] then return 'attempt to ' .. op .. ' ' .. kind .. " '" .. name .. "' (a " .. value_type .. ' value)' end
          if kind == 'constant' then return 'attempt to ' .. op .. ' a ' .. value_type .. ' value' end
        end
        local function as_lua51(message)
          message = message_gsub(message, "attempt to ([%a ]-) a (%a+) value %((%a+) '([^']*)'%)", lua51_words)
          return (message_gsub(message, "bad 'for' (%a[%a ]*) %(number expected, got %a+%)", "'for' %1 must be a number"))
        end

        -- Redis's __redis__err__handler: errors become {err = 'ERR ...', source = ..., line = ...}, pointing at the
        -- script's own line.
        arm()
        return function(err)
          local level = 2
          local info = dbg.getinfo(level, 'nSl')
          while info and (info.what == 'C' or info.source == '=hypercache') do
            level = level + 1
            info = dbg.getinfo(level, 'nSl')
          end
          if type(err) == 'string' then err = {err = 'ERR ' .. as_lua51(err)}
          elseif type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)}
          elseif unpositioned_errors[err] then err.err = 'ERR ' .. err.err end
          if info then
            err.source = info.source
            err.line = info.currentline
          end
          return err
        end, arm, globals
        """;
}
