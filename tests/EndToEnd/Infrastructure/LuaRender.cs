namespace HyperCache.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Lua the script-library tests put before a case so that what it returned is compared as text: <c>render</c>
/// (strings with their bytes escaped, tables with their keys sorted, so the order of an object's keys, which Lua 5.1
/// and 5.4 traverse differently, does not count; cjson.null as such), <c>hex</c>, and <c>show</c> (results joined).
/// </summary>
public static class LuaRender
{
    /// <param name="number">A Lua expression that writes the number <c>v</c>.</param>
    /// <param name="keyOrder">A Lua expression that is true when key <c>a</c> sorts before key <c>b</c>.</param>
    public static string Code(string number, string keyOrder) => $$"""
        local function render(v, depth)
          depth = depth or 0
          local t = type(v)
          if t == 'string' then
            return '"' .. v:gsub('[^%w%p ]', function(c) return string.format('\\x%02x', c:byte()) end) .. '"'
          elseif t == 'number' then return {{number}}
          elseif t == 'table' then
            if depth > 20 then return '{...}' end
            local keys = {}
            for k in pairs(v) do keys[#keys+1] = k end
            table.sort(keys, function(a, b) return {{keyOrder}} end)
            local parts = {}
            for _, k in ipairs(keys) do parts[#parts+1] = render(k, depth+1) .. '=' .. render(v[k], depth+1) end
            return '{' .. table.concat(parts, ',') .. '}'
          elseif t == 'userdata' then return 'NULL:' .. tostring(v == cjson.null)
          else return t .. ':' .. tostring(v) end
        end
        local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end
        local function show(...)
          local n = select('#', ...)
          local parts = {}
          for i = 1, n do parts[#parts+1] = render((select(i, ...))) end
          return table.concat(parts, ' | ')
        end
        """;
}
