namespace HyperCache.Frontends.Scripting;

/// <summary>
/// The Lua side of FUNCTION LOAD, run once in the functions' Lua state after the prelude: it returns a function
/// that makes, for one library, the environment its code runs in while it loads and the list its
/// <c>redis.register_function</c> calls fill. As in Redis 7.0 a library's top level sees only <c>redis</c> with
/// <c>register_function</c>, <c>log</c> and the version and log-level constants (any other name, global or redis
/// field: "Script attempted to access nonexistent global variable"); the engine gives the functions the ordinary
/// read-only globals afterwards (it swaps the chunk's <c>_ENV</c> upvalue, which every closure of the library
/// shares). Errors are Redis 7.0.15's texts.
/// </summary>
internal static class FunctionLoader
{
    public const string ChunkName = "=hypercache";

    public const string Code = """
        local redis, error, type, tostring, setmetatable, pairs, select, rawget =
          redis, error, type, tostring, setmetatable, pairs, select, rawget
        local known = {['no-writes'] = true, ['allow-oom'] = true, ['allow-stale'] = true, ['no-cluster'] = true,
          ['allow-cross-slot-keys'] = true}
        -- Called by an __index function: level 3 is the library's line that read the name.
        local function missing(name)
          error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 3)
        end
        local function readonly() error("Attempt to modify a readonly table", 2) end
        return function()
          local registered, seen = {}, {}
          local function add(name, callback, flags, description)
            if not name:match('^[%w_]+$') then
              error('Library names can only contain letters, numbers, or underscores(_) and must be at least one character long', 0)
            end
            if seen[name] then error('Function already exists in the library', 0) end
            local list = {}
            if flags ~= nil then
              for _, flag in pairs(flags) do
                if type(flag) ~= 'string' or not known[flag] then error('unknown flag given', 0) end
                list[#list + 1] = flag
              end
            end
            seen[name] = true
            registered[#registered + 1] = {name, callback, list, description}
          end
          local api = {}
          api.register_function = function(...)
            -- A function that kept the loader's redis (a local) may not register later (Redis's own check).
            if registered.done then error('redis.register_function can only be called on FUNCTION LOAD command', 0) end
            local n = select('#', ...)
            local first, second = ...
            if n == 1 then
              if type(first) ~= 'table' then
                error('calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).', 0)
              end
              local name, callback, flags, description
              for k, v in pairs(first) do
                if k == 'function_name' then
                  if type(v) ~= 'string' then error('function_name argument given to redis.register_function must be a string', 0) end
                  name = v
                elseif k == 'callback' then
                  if type(v) ~= 'function' then error('callback argument given to redis.register_function must be a function', 0) end
                  callback = v
                elseif k == 'flags' then
                  if type(v) ~= 'table' then error('flags argument to redis.register_function must be a table representing function flags', 0) end
                  flags = v
                elseif k == 'description' then
                  if type(v) ~= 'string' then error('description argument given to redis.register_function must be a string', 0) end
                  description = v
                else
                  error('unknown argument given to redis.register_function', 0)
                end
              end
              if name == nil then error('redis.register_function must get a function name argument', 0) end
              if callback == nil then error('redis.register_function must get a callback argument', 0) end
              add(name, callback, flags, description)
            elseif n == 2 then
              if type(first) == 'number' then first = tostring(first) end
              if type(first) ~= 'string' then error('first argument to redis.register_function must be a string', 0) end
              if type(second) ~= 'function' then error('second argument to redis.register_function must be a function', 0) end
              add(first, second, nil, nil)
            else
              error('wrong number of arguments to redis.register_function', 0)
            end
          end
          api.log = redis.log
          for _, k in pairs({'LOG_DEBUG', 'LOG_VERBOSE', 'LOG_NOTICE', 'LOG_WARNING', 'REDIS_VERSION', 'REDIS_VERSION_NUM'}) do
            api[k] = rawget(redis, k)
          end
          local redis_view = setmetatable({}, {__index = function(t, k)
            local v = api[k]
            if v == nil then missing(k) end
            return v
          end, __newindex = readonly, __metatable = false})
          local env = setmetatable({}, {__index = function(t, k)
            if k == 'redis' then return redis_view end
            missing(k)
          end, __newindex = readonly, __metatable = false})
          return env, registered
        end
        """;
}
