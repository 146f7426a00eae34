-- The libraries Redis 7.0 loads into every script: cjson (lua-cjson 2.1.0), cmsgpack (lua-cmsgpack 0.4.0), bit
-- (LuaBitOp 1.0.2) and struct (Roberto Ierusalimschy's struct 0.2), written here in Lua 5.4 to behave as Redis's C
-- modules do: the same output bytes, the same error texts. Run once per Lua state by the prelude (LuaPrelude.cs),
-- which passes the JSON null (a NULL lightuserdata, as cjson's), `cfunc`, which turns a Lua function into a C
-- function (see the prelude) so that an error names the script's line as a C module's luaL_error does, and
-- `callername`, which names the called function in "bad argument" errors as luaL_argerror does.
--
-- Errors: `fail` raises a string without position; the C wrapper adds "user_script:<line>: " (luaL_where of the
-- caller), as luaL_error does for a C function. Redis's Lua is 5.1, where every number is a double printed with
-- "%.14g": a number these libraries return is a Lua integer when it is integral and has at most 14 digits, else a
-- float (which 5.4 prints with "%.14g" too), so that it prints, compares and replies as Redis's (see
-- docs/decisions.md, "Scripting").
local null, cfunc, callername = ...
callername = callername or function(name) return name, '' end

local type, tostring, tonumber, select, error, next, rawget, rawlen = type, tostring, tonumber, select, error, next, rawget, rawlen
local floor, ceil, huge, mtype, tointeger = math.floor, math.ceil, math.huge, math.type, math.tointeger
local mininteger = math.mininteger
local byte, char, sub, find, format, rep, match, lower, gsub, reverse =
  string.byte, string.char, string.sub, string.find, string.format, string.rep, string.match, string.lower,
  string.gsub, string.reverse
local spack, sunpack = string.pack, string.unpack
local concat, tunpack = table.concat, table.unpack

local TWO53 = 9007199254740992
local PLAIN = 100000000000000              -- 10^14: "%.14g" writes integers below it digit by digit
local NAN = -(0 / 0)                       -- 0/0 is the negative NaN on x86; C's nan() and strtod("nan") are positive
if format('%f', NAN):sub(1, 1) == '-' then NAN = 0 / 0 end

local function fail(message) error(message, 0) end

-- luaL_argerror: the function named as its caller named it (see callername in the prelude).
local function argerror(n, name, extra)
  local called, how = callername(name)
  if how == 'method' then
    n = n - 1
    if n == 0 then fail(format("calling '%s' on bad self (%s)", called, extra)) end
  end
  fail(format("bad argument #%d to '%s' (%s)", n, called, extra))
end

local function typeerror(n, name, expected, value, present)
  argerror(n, name, expected .. ' expected, got ' .. (present and type(value) or 'no value'))
end

-- A number as Redis's Lua 5.1 would hold it (a double): an integer when it prints the same as one.
local function num51(v)
  if mtype(v) == 'integer' then
    if v > -PLAIN and v < PLAIN then return v end
    return v + 0.0
  end
  if v == floor(v) and v > -PLAIN and v < PLAIN and not (v == 0 and 1 / v < 0) then return tointeger(v) end
  return v
end

-- lua_tonumber of 5.1: a number, or a string that reads as one (as a double: 5.4 would read a long integer exactly).
local function tonum(v)
  local t = type(v)
  if t == 'number' then return v end
  if t == 'string' then
    v = tonumber(v)
    if mtype(v) == 'integer' and (v > TWO53 or v < -TWO53) then return v + 0.0 end
    return v
  end
  return nil
end

-- A number given to a library, as the double Redis's Lua would hold (integers beyond 2^53 round).
local function double51(x)
  if mtype(x) == 'integer' and (x > TWO53 or x < -TWO53) then return x + 0.0 end
  return x
end

-- A number as 5.1's lua_tostring writes it.
local function numstring(n)
  return format('%.14g', n)
end

-- luaL_checklstring: a string, or a number as text.
local function checkstring(v, n, name, present)
  local t = type(v)
  if t == 'string' then return v end
  if t == 'number' then return numstring(v) end
  typeerror(n, name, 'string', v, present)
end

local function checknumber(v, n, name, present)
  local x = tonum(v)
  if x == nil then typeerror(n, name, 'number', v, present) end
  return x
end

-- luaL_checkinteger of 5.1: truncated toward zero; out of range ends as C's cast does on x86 (the minimum).
local function truncate(x)
  if mtype(x) == 'integer' then return x end
  if x ~= x or x >= 2^63 or x < -2^63 then return mininteger end
  return tointeger(x >= 0 and floor(x) or ceil(x))
end

local function checkinteger(v, n, name, present)
  return truncate(checknumber(v, n, name, present))
end

local function optinteger(v, n, name, default)
  if v == nil then return default end
  return checkinteger(v, n, name, true)
end

-- Builds a library table from {name = function}, each function made a C function by cfunc.
local function library(functions, fields)
  local t = {}
  for name, f in next, functions do t[name] = cfunc(f) end
  for name, v in next, fields or {} do t[name] = v end
  return t
end

---------------------------------------------------------------------------------------------------------- bit

local M32 = 0xffffffff

-- LuaBitOp's barg: the number plus 2^52+2^51, whose low 32 bits are the integer nearest to it modulo 2^32.
local function barg(v, n, name, present)
  local x = tonum(v)
  if x == nil then typeerror(n, name, 'number', v, present) end
  if mtype(x) == 'integer' then
    if x > -2251799813685248 and x < 2251799813685248 then return x & M32 end
    x = x + 0.0
  elseif x == floor(x) and x > -2251799813685248 and x < 2251799813685248 then
    return tointeger(x) & M32
  end
  return (sunpack('<I4', spack('<d', x + 6755399441055744.0)))
end

local function bret(b)
  b = b & M32
  if b >= 0x80000000 then return b - 0x100000000 end
  return b
end

local function unary(name, op)
  return function(...)
    return bret(op(barg((...), 1, name, select('#', ...) >= 1)))
  end
end

local function variadic(name, op)
  return function(...)
    local count = select('#', ...)
    if count == 2 then
      local a, b = ...
      if mtype(a) == 'integer' and mtype(b) == 'integer' and a > -2251799813685248 and a < 2251799813685248
        and b > -2251799813685248 and b < 2251799813685248 then
        return bret(op(a & M32, b & M32))
      end
    end
    local b = barg((...), 1, name, count >= 1)
    for i = count, 2, -1 do b = op(b, barg((select(i, ...)), i, name, true)) end
    return bret(b)
  end
end

local function shift(name, op)
  return function(...)
    local count = select('#', ...)
    local v, s = ...
    local b = barg(v, 1, name, count >= 1)
    return bret(op(b, barg(s, 2, name, count >= 2) & 31))
  end
end

local bit = library({
  tobit = unary('tobit', function(b) return b end),
  bnot = unary('bnot', function(b) return ~b end),
  bswap = unary('bswap', function(b)
    return (b >> 24) | ((b >> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24)
  end),
  band = variadic('band', function(a, b) return a & b end),
  bor = variadic('bor', function(a, b) return a | b end),
  bxor = variadic('bxor', function(a, b) return a ~ b end),
  lshift = shift('lshift', function(b, n) return b << n end),
  rshift = shift('rshift', function(b, n) return b >> n end),
  arshift = shift('arshift', function(b, n)
    if b >= 0x80000000 then b = b - 0x100000000 end
    return b // (1 << n)
  end),
  rol = shift('rol', function(b, n) return (b << n) | (b >> (32 - n)) end),
  ror = shift('ror', function(b, n) return (b << (32 - n)) | (b >> n) end),
  tohex = function(...)
    local count = select('#', ...)
    local v, d = ...
    local b = barg(v, 1, 'tohex', count >= 1)
    local n = 8
    if count >= 2 then n = bret(barg(d, 2, 'tohex', true)) end
    local spec = 'x'
    if n < 0 then n, spec = -n, 'X' end
    if n > 8 then n = 8 end
    if n == 0 then return '' end
    return format('%0' .. n .. spec, b & ((1 << (4 * n)) - 1))
  end,
})

------------------------------------------------------------------------------------------------------- struct

local STRUCT_MAXINTSIZE, STRUCT_MAXALIGN = 32, 8   -- x86-64: doubles align on 8
local INT_MAX = 2147483647
local struct_int = { b = true, B = true, h = true, H = true, l = true, L = true, T = true, i = true, I = true }
local struct_fixed = { b = 1, B = 1, h = 2, H = 2, l = 8, L = 8, T = 8, f = 4, d = 8, x = 1 }

-- getnum: digits at fmt[i...], or the default. Returns the number and the index after the digits.
local function getnum(fmt, i, default)
  local c = byte(fmt, i)
  if not c or c < 48 or c > 57 then return default, i end
  local a = 0
  repeat
    local digit = c - 48
    if a > INT_MAX // 10 or a * 10 > INT_MAX - digit then fail('integral size overflow') end
    a = a * 10 + digit
    i = i + 1
    c = byte(fmt, i)
  until not c or c < 48 or c > 57
  return a, i
end

local function optsize(opt, fmt, i)
  local size = struct_fixed[opt]
  if size then return size, i end
  if opt == 'c' then return getnum(fmt, i, 1) end
  if opt == 'i' or opt == 'I' then
    size, i = getnum(fmt, i, 4)
    if size > STRUCT_MAXINTSIZE then
      fail(format('integral size %d is larger than limit of %d', size, STRUCT_MAXINTSIZE))
    end
    return size, i
  end
  return 0, i
end

local function gettoalign(len, align, opt, size)
  if size == 0 or opt == 'c' then return 0 end
  if size > align then size = align end
  return (size - (len & (size - 1))) & (size - 1)
end

-- The endianness and alignment options; returns (little, align, next index).
local function controloptions(opt, fmt, i, little, align, name)
  if opt == ' ' then return little, align, i end
  if opt == '>' then return false, align, i end
  if opt == '<' then return true, align, i end
  if opt == '!' then
    local a
    a, i = getnum(fmt, i, STRUCT_MAXALIGN)
    if a <= 0 or a & (a - 1) ~= 0 then fail(format('alignment %d is not a power of 2', a)) end
    return little, a, i
  end
  argerror(1, name, format("invalid format option '%s'", opt))
end

-- The format as C reads it: up to its first zero byte.
local function cformat(fmt)
  local z = find(fmt, '\0', 1, true)
  if z then return sub(fmt, 1, z - 1) end
  return fmt
end

-- C's conversion of the double to struct's unsigned long (x86-64).
local function tounsigned(x)
  if mtype(x) == 'integer' then return x end
  if x ~= x then return 0 end
  if x < 0 then
    if x <= -2^63 then return mininteger end
    return tointeger(ceil(x))
  end
  if x < 2^63 then return tointeger(floor(x)) end
  if x < 2^64 then return tointeger(floor(x - 2^63)) | mininteger end
  return 0
end

local function putinteger(x, little, size)
  local bytes = spack('<i8', tounsigned(x))
  if size <= 8 then bytes = sub(bytes, 1, size) else bytes = bytes .. rep('\0', size - 8) end
  if little then return bytes end
  return reverse(bytes)
end

-- An unsigned 64-bit value held in a Lua integer, as the double C converts it to (rounded once).
local function unsigned_double(l)
  if l >= 0 then return l + 0.0 end
  return (((l >> 1) | (l & 1)) + 0.0) * 2
end

local function getinteger(data, pos, little, signed, size)
  local l
  if size <= 8 then
    l = sunpack((little and '<' or '>') .. (signed and 'i' or 'I') .. size, data, pos)
    if signed or size < 8 or l >= 0 then return num51(l) end
    return unsigned_double(l)                -- an unsigned long above 2^63, as a double
  end
  -- More than 8 bytes: C's unsigned long keeps the last 8 it shifted in, the least significant ones.
  local chunk = sub(data, pos, pos + size - 1)
  if little then l = sunpack('<i8', chunk) else l = sunpack('>i8', chunk, size - 7) end
  if signed then
    local mask = -1 << ((size * 8 - 1) & 63)
    if l & mask ~= 0 then l = l | mask end
    return num51(l)
  end
  if l >= 0 then return num51(l) end
  return unsigned_double(l)
end

local struct = library({
  pack = function(...)
    local nargs = select('#', ...)
    local fmt = cformat(checkstring((...), 1, 'pack', nargs >= 1))
    local little, align = true, 1
    local out, count, total, arg = {}, 0, 0, 2
    local i, len = 1, #fmt
    while i <= len do
      local opt = sub(fmt, i, i)
      i = i + 1
      local size
      size, i = optsize(opt, fmt, i)
      local toalign = gettoalign(total, align, opt, size)
      total = total + toalign
      if toalign > 0 then count = count + 1; out[count] = rep('\0', toalign) end
      if struct_int[opt] then
        local x = double51(checknumber((select(arg, ...)), arg, 'pack', true))
        arg = arg + 1
        count = count + 1; out[count] = putinteger(x, little, size)
      elseif opt == 'x' then
        count = count + 1; out[count] = '\0'
      elseif opt == 'f' or opt == 'd' then
        local x = checknumber((select(arg, ...)), arg, 'pack', true)
        arg = arg + 1
        count = count + 1; out[count] = spack((little and '<' or '>') .. opt, x)
      elseif opt == 'c' or opt == 's' then
        local s = checkstring((select(arg, ...)), arg, 'pack', true)
        arg = arg + 1
        if size == 0 then size = #s end
        if #s < size then argerror(arg, 'pack', 'string too short') end
        count = count + 1; out[count] = sub(s, 1, size)
        if opt == 's' then
          count = count + 1; out[count] = '\0'
          size = size + 1
        end
      else
        little, align, i = controloptions(opt, fmt, i, little, align, 'pack')
      end
      total = total + size
    end
    return concat(out, '', 1, count)
  end,

  unpack = function(...)
    local nargs = select('#', ...)
    local fmt, data, init = ...
    fmt = cformat(checkstring(fmt, 1, 'unpack', nargs >= 1))
    data = checkstring(data, 2, 'unpack', nargs >= 2)
    local ld = #data
    local pos = optinteger(init, 3, 'unpack', 1)
    if pos == 0 then argerror(3, 'unpack', 'offset must be 1 or greater') end
    pos = pos - 1                     -- a size_t in C: below 0 it is huge, so the data is too short
    local little, align = true, 1
    local results, n = {}, 0
    local i, len = 1, #fmt
    while i <= len do
      local opt = sub(fmt, i, i)
      i = i + 1
      local size
      size, i = optsize(opt, fmt, i)
      pos = pos + gettoalign(pos, align, opt, size)
      if pos < 0 or not (size <= ld and pos <= ld - size) then argerror(2, 'unpack', 'data string too short') end
      if struct_int[opt] then
        n = n + 1
        results[n] = getinteger(data, pos + 1, little, opt == lower(opt), size)
      elseif opt == 'x' then
        -- padding
      elseif opt == 'f' or opt == 'd' then
        n = n + 1
        results[n] = num51((sunpack((little and '<' or '>') .. opt, data, pos + 1)))
      elseif opt == 'c' then
        if size == 0 then
          local previous = n > 0 and tonum(results[n])
          if not previous then fail("format 'c0' needs a previous size") end
          size = tounsigned(previous)          -- C's size_t of the double
          n = n - 1
          if size < 0 or not (size <= ld and pos <= ld - size) then argerror(2, 'unpack', 'data string too short') end
        end
        n = n + 1
        results[n] = sub(data, pos + 1, pos + size)
      elseif opt == 's' then
        local e = find(data, '\0', pos + 1, true)
        if not e then fail('unfinished string in data') end
        size = e - pos
        n = n + 1
        results[n] = sub(data, pos + 1, e - 1)
      else
        little, align, i = controloptions(opt, fmt, i, little, align, 'unpack')
      end
      pos = pos + size
    end
    n = n + 1
    results[n] = pos + 1
    return tunpack(results, 1, n)
  end,

  size = function(...)
    local fmt = cformat(checkstring((...), 1, 'size', select('#', ...) >= 1))
    local little, align = true, 1
    local pos = 0
    local i, len = 1, #fmt
    while i <= len do
      local opt = sub(fmt, i, i)
      i = i + 1
      local size
      size, i = optsize(opt, fmt, i)
      pos = pos + gettoalign(pos, align, opt, size)
      if opt == 's' then
        argerror(1, 'size', "option 's' has no fixed size")
      elseif opt == 'c' and size == 0 then
        argerror(1, 'size', "option 'c0' has no fixed size")
      end
      if not find(opt, '^%w') then little, align, i = controloptions(opt, fmt, i, little, align, 'size') end
      pos = pos + size
    end
    return pos
  end,
})

----------------------------------------------------------------------------------------------------- cmsgpack

local MP_MAX_NESTING = 16

local function mp_int(n, out, count)
  if n >= 0 then
    if n <= 127 then out[count] = char(n)
    elseif n <= 0xff then out[count] = spack('>BB', 0xcc, n)
    elseif n <= 0xffff then out[count] = spack('>BI2', 0xcd, n)
    elseif n <= 0xffffffff then out[count] = spack('>BI4', 0xce, n)
    else out[count] = spack('>Bi8', 0xcf, n) end
  else
    if n >= -32 then out[count] = char(n & 0xff)
    elseif n >= -128 then out[count] = spack('>Bi1', 0xd0, n)
    elseif n >= -32768 then out[count] = spack('>Bi2', 0xd1, n)
    elseif n >= -2147483648 then out[count] = spack('>Bi4', 0xd2, n)
    else out[count] = spack('>Bi8', 0xd3, n) end
  end
end

local mp_encode

local function mp_table(t, out, count, level)
  -- An array when every key is an integer above 0 and they are exactly 1..n (lua_cmsgpack's table_is_an_array).
  local keys, max = 0, 0
  for k in next, t do
    if mtype(k) ~= 'integer' or k <= 0 then max = -1 break end
    if k > max then max = k end
    keys = keys + 1
  end
  if max == keys then
    local n = rawlen(t)
    count = count + 1
    if n < 16 then out[count] = char(0x90 | n)
    elseif n <= 0xffff then out[count] = spack('>BI2', 0xdc, n)
    else out[count] = spack('>BI4', 0xdd, n) end
    for i = 1, n do count = mp_encode(rawget(t, i), out, count, level + 1) end
    return count
  end
  keys = 0
  for _ in next, t do keys = keys + 1 end
  count = count + 1
  if keys < 16 then out[count] = char(0x80 | keys)
  elseif keys <= 0xffff then out[count] = spack('>BI2', 0xde, keys)
  else out[count] = spack('>BI4', 0xdf, keys) end
  for k, v in next, t do
    count = mp_encode(k, out, count, level + 1)
    count = mp_encode(v, out, count, level + 1)
  end
  return count
end

mp_encode = function(v, out, count, level)
  local t = type(v)
  if t == 'table' and level == MP_MAX_NESTING then t = 'nil' end
  if t == 'string' then
    local n = #v
    count = count + 1
    if n < 32 then out[count] = char(0xa0 | n)
    elseif n <= 0xff then out[count] = spack('>BB', 0xd9, n)
    elseif n <= 0xffff then out[count] = spack('>BI2', 0xda, n)
    else out[count] = spack('>BI4', 0xdb, n) end
    count = count + 1
    out[count] = v
  elseif t == 'boolean' then
    count = count + 1
    out[count] = v and '\xc3' or '\xc2'
  elseif t == 'number' then
    count = count + 1
    v = double51(v)
    if mtype(v) == 'integer' then
      mp_int(v, out, count)
    elseif v == floor(v) and v >= -2^63 and v < 2^63 then
      mp_int(tointeger(v), out, count)
    elseif sunpack('<f', spack('<f', v)) == v then
      out[count] = spack('>Bf', 0xca, v)
    else
      out[count] = spack('>Bd', 0xcb, v)
    end
  elseif t == 'table' then
    count = mp_table(v, out, count, level)
  else
    count = count + 1
    out[count] = '\xc0'
  end
  return count
end

-- Decoding: `fail` with lua_cmsgpack's two messages; the position is carried in the upvalue `mp_pos`.
local mp_data, mp_pos, mp_len
local MP_EOF, MP_BADFMT = 'Missing bytes in input.', 'Bad data format in input.'

local function mp_need(n)
  if mp_pos + n - 1 > mp_len then fail(MP_EOF) end
end

local mp_decode

local function mp_string(header, width)
  mp_need(header)
  local n = width == 0 and (byte(mp_data, mp_pos) & 0x1f) or sunpack('>I' .. width, mp_data, mp_pos + 1)
  mp_need(header + n)
  local s = sub(mp_data, mp_pos + header, mp_pos + header + n - 1)
  mp_pos = mp_pos + header + n
  return s
end

local function mp_array(n)
  local t = {}
  for i = 1, n do t[i] = mp_decode() end
  return t
end

local function mp_map(n)
  local t = {}
  for _ = 1, n do
    local k = mp_decode()
    local v = mp_decode()
    if k == nil then error({ err = 'ERR table index is nil' }, 0) end
    if k ~= k then error({ err = 'ERR table index is NaN' }, 0) end
    t[k] = v
  end
  return t
end

local function mp_fixed(header, fmt)
  mp_need(header)
  local v = sunpack(fmt, mp_data, mp_pos + 1)
  mp_pos = mp_pos + header
  return v
end

mp_decode = function()
  mp_need(1)
  local c = byte(mp_data, mp_pos)
  if c <= 0x7f then mp_pos = mp_pos + 1 return c end
  if c >= 0xe0 then mp_pos = mp_pos + 1 return c - 256 end
  if c >= 0xa0 and c <= 0xbf then return mp_string(1, 0) end
  if c >= 0x90 and c <= 0x9f then mp_pos = mp_pos + 1 return mp_array(c & 0x0f) end
  if c >= 0x80 and c <= 0x8f then mp_pos = mp_pos + 1 return mp_map(c & 0x0f) end
  if c == 0xc0 then mp_pos = mp_pos + 1 return nil end
  if c == 0xc2 then mp_pos = mp_pos + 1 return false end
  if c == 0xc3 then mp_pos = mp_pos + 1 return true end
  if c == 0xcc then return mp_fixed(2, 'B') end
  if c == 0xcd then return mp_fixed(3, '>I2') end
  if c == 0xce then return mp_fixed(5, '>I4') end
  if c == 0xcf or c == 0xd3 then return num51(mp_fixed(9, '>i8')) end   -- uint 64 is read as signed, as Redis
  if c == 0xd0 then return mp_fixed(2, 'b') end
  if c == 0xd1 then return mp_fixed(3, '>i2') end
  if c == 0xd2 then return mp_fixed(5, '>i4') end
  if c == 0xca then return num51(mp_fixed(5, '>f')) end
  if c == 0xcb then return num51(mp_fixed(9, '>d')) end
  if c == 0xd9 then return mp_string(2, 1) end
  if c == 0xda then return mp_string(3, 2) end
  if c == 0xdb then return mp_string(5, 4) end
  if c == 0xdc then local n = mp_fixed(3, '>I2') return mp_array(n) end
  if c == 0xdd then local n = mp_fixed(5, '>I4') return mp_array(n) end
  if c == 0xde then local n = mp_fixed(3, '>I2') return mp_map(n) end
  if c == 0xdf then local n = mp_fixed(5, '>I4') return mp_map(n) end
  fail(MP_BADFMT)
end

local function mp_unpack_full(s, limit, offset)
  local len = #s
  local decode_all = limit == 0 and offset == 0
  if offset < 0 or limit < 0 then
    fail(format('Invalid request to unpack with offset of %d and limit of %d.', offset, len))
  elseif offset > len then
    fail(format('Start offset %d greater than input length %d.', offset, len))
  end
  if decode_all then limit = INT_MAX end
  mp_data, mp_pos, mp_len = s, offset + 1, len
  local results, n = {}, decode_all and 0 or 1   -- unpack_one and unpack_limit return the next offset first
  local count = 0
  while mp_pos <= len and count < limit do
    n = n + 1
    results[n] = mp_decode()
    count = count + 1
  end
  mp_data = nil
  if not decode_all then
    results[1] = mp_pos > len and -1 or mp_pos - 1
  end
  return tunpack(results, 1, n)
end

local cmsgpack = library({
  pack = function(...)
    local nargs = select('#', ...)
    if nargs == 0 then argerror(0, 'pack', 'MessagePack pack needs input.') end
    local out, count = {}, 0
    for i = 1, nargs do count = mp_encode((select(i, ...)), out, count, 0) end
    return concat(out, '', 1, count)
  end,
  unpack = function(...)
    return mp_unpack_full(checkstring((...), 1, 'unpack', select('#', ...) >= 1), 0, 0)
  end,
  unpack_one = function(...)
    local s, offset = ...
    offset = optinteger(offset, 2, 'unpack_one', 0)
    return mp_unpack_full(checkstring(s, 1, 'unpack_one', select('#', ...) >= 1), 1, offset)
  end,
  unpack_limit = function(...)
    local nargs = select('#', ...)
    local s, limit, offset = ...
    limit = checkinteger(limit, 2, 'unpack_limit', nargs >= 2)
    offset = optinteger(offset, 3, 'unpack_limit', 0)
    return mp_unpack_full(checkstring(s, 1, 'unpack_limit', nargs >= 1), limit, offset)
  end,
}, {
  _NAME = 'cmsgpack',
  _VERSION = 'lua-cmsgpack 0.4.0',
  _COPYRIGHT = 'Copyright (C) 2012, Salvatore Sanfilippo',
  _DESCRIPTION = 'MessagePack C implementation for Lua',
})

-------------------------------------------------------------------------------------------------------- cjson

local json_escapes = { ['"'] = '\\"', ['\\'] = '\\\\', ['/'] = '\\/', ['\127'] = '\\u007f',
  ['\b'] = '\\b', ['\t'] = '\\t', ['\n'] = '\\n', ['\f'] = '\\f', ['\r'] = '\\r' }
for c = 0, 31 do
  local ch = char(c)
  if not json_escapes[ch] then json_escapes[ch] = format('\\u%04x', c) end
end
local json_unescapes = { [34] = '"', [92] = '\\', [47] = '/', [98] = '\b', [116] = '\t', [110] = '\n', [102] = '\f',
  [114] = '\r' }
local json_single = { [123] = 'T_OBJ_BEGIN', [125] = 'T_OBJ_END', [91] = 'T_ARR_BEGIN', [93] = 'T_ARR_END',
  [44] = 'T_COMMA', [58] = 'T_COLON' }

local function json_string(s)
  if not find(s, '[%c"\\/]') then return '"' .. s .. '"' end
  return '"' .. gsub(s, '[%c"\\/]', json_escapes) .. '"'
end

local function utf8char(cp)
  if cp < 0x80 then return char(cp) end
  if cp < 0x800 then return char(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)) end
  if cp < 0x10000 then return char(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)) end
  return char(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f))
end

local function hex4(s, i)
  local h = match(s, '^%x%x%x%x', i)
  return h and tonumber(h, 16)
end

-- A new cjson module with its own settings (cjson.new), as lua-cjson's.
local function new_cjson()
  local cfg = {
    sparse_convert = false, sparse_ratio = 2, sparse_safe = 10,
    encode_max_depth = 1000, decode_max_depth = 1000,
    encode_invalid_numbers = 0, decode_invalid_numbers = true,
    keep_buffer = true, precision = 14, number_fmt = '%.14g',
  }

  ------------------------------------------------------------------------------------------------ encode
  local buf, n, keys     -- the output pieces, their count, the object keys already written in this call

  local function number(v)
    if v ~= v or v == huge or v == -huge then
      local mode = cfg.encode_invalid_numbers
      if mode == 0 then fail('Cannot serialise number: must not be NaN or Inf') end
      if mode == 2 then return 'null' end
      if v ~= v then return 'nan' end
      return v > 0 and 'inf' or '-inf'
    end
    if mtype(v) == 'integer' and v < 100000000000000 and v > -100000000000000 and cfg.precision == 14 then
      return tostring(v)                  -- what %.14g writes for an integer of at most 14 digits
    end
    return format(cfg.number_fmt, v)
  end

  -- lua_array_length: the array's size, or -1 for an object. Its largest index is a C int: an index past 2^31-1
  -- becomes INT_MIN there (x86-64's conversion), and a table whose largest index ends so is an object.
  local function array_length(t)
    local max, items = 0, 0
    for k in next, t do
      if type(k) == 'number' and k ~= 0 and floor(k) == k and k >= 1 then
        if k > max then max = k < 2147483648 and tointeger(k) or -2147483648 end
        items = items + 1
      else
        return -1
      end
    end
    if cfg.sparse_ratio > 0 and max > items * cfg.sparse_ratio and max > cfg.sparse_safe then
      if not cfg.sparse_convert then fail('Cannot serialise table: excessively sparse array') end
      return -1
    end
    return max > 0 and max or -1
  end

  local append

  local function append_table(t, depth)
    depth = depth + 1
    if depth > cfg.encode_max_depth then fail(format('Cannot serialise, excessive nesting (%d)', depth)) end
    local len = array_length(t)
    if len > 0 then
      n = n + 1; buf[n] = '['
      for i = 1, len do
        if i > 1 then n = n + 1; buf[n] = ',' end
        append(rawget(t, i), depth)
      end
      n = n + 1; buf[n] = ']'
      return
    end
    n = n + 1; buf[n] = '{'
    local comma = false
    for k, v in next, t do
      if comma then n = n + 1; buf[n] = ',' else comma = true end
      local kt = type(k)
      if kt == 'string' then
        local key = keys[k]
        if not key then key = json_string(k) .. ':'; keys[k] = key end
        n = n + 1; buf[n] = key
      elseif kt == 'number' then
        n = n + 1; buf[n] = '"' .. number(k) .. '":'
      else
        fail('Cannot serialise ' .. kt .. ': table key must be a number or string')
      end
      append(v, depth)
    end
    n = n + 1; buf[n] = '}'
  end

  append = function(v, depth)
    local t = type(v)
    n = n + 1
    if t == 'string' then buf[n] = json_string(v)
    elseif t == 'number' then buf[n] = number(v)
    elseif t == 'boolean' then buf[n] = v and 'true' or 'false'
    elseif t == 'table' then n = n - 1; append_table(v, depth)
    elseif v == nil or v == null then buf[n] = 'null'
    else fail('Cannot serialise ' .. t .. ': type not supported') end
  end

  local function encode(...)
    if select('#', ...) ~= 1 then argerror(1, 'encode', 'expected 1 argument') end
    buf, n, keys = {}, 0, {}
    append((...), 0)
    local json = concat(buf, '', 1, n)
    buf, keys = nil, nil
    return json
  end

  ------------------------------------------------------------------------------------------------ decode
  local data, len, depth

  -- strtod's longest prefix at i: returns the number and the index after it, or nil.
  local function strtod(i)
    local sign = match(data, '^[+-]', i) and 1 or 0
    local j = i + sign
    local e = match(data, '^0[xX]%x+%.?%x*()', j) or match(data, '^0[xX]%.%x+()', j)
    if e then
      e = match(data, '^[pP][+-]?%d+()', e) or e
      local v = tonumber(sub(data, j, e - 1))
      if v == nil then return nil end
      if sign == 1 and byte(data, i) == 45 then v = -v end
      return v, e
    end
    e = match(data, '^%d+%.?%d*()', j) or match(data, '^%.%d+()', j)
    if e then
      e = match(data, '^[eE][+-]?%d+()', e) or e
      local v = tonumber(sub(data, i, e - 1))
      if v == 0 and byte(data, i) == 45 then v = -0.0 end
      return v, e
    end
    local word = lower(sub(data, j, j + 7))
    local negative = sign == 1 and byte(data, i) == 45
    if sub(word, 1, 3) == 'inf' then
      e = j + (word == 'infinity' and 8 or 3)
      return negative and -huge or huge, e
    end
    if sub(word, 1, 3) == 'nan' then
      e = match(data, '^%([%w_]*%)()', j + 3) or j + 3
      return negative and -NAN or NAN, e
    end
    return nil
  end

  -- json_is_invalid_number: what strict JSON refuses (a leading +, hex, leading zeros, inf, nan).
  local function invalid_number(i)
    local c = byte(data, i)
    if c == 43 then return true end
    if c == 45 then i = i + 1; c = byte(data, i) end
    if c == 48 then
      local c2 = byte(data, i + 1) or 0
      return (c2 | 0x20) == 120 or (c2 >= 48 and c2 <= 57)
    end
    if c == nil or c <= 57 then return false end
    local w = lower(sub(data, i, i + 2))
    return w == 'inf' or w == 'nan'
  end

  local function number_token(i)
    local e = match(data, '^-?%d+()', i)
    if e then
      local c = byte(data, e)
      if not (c == 46 or c == 101 or c == 69 or c == 120 or c == 88) and e - i < 16 then  -- no . e E x X: an integer
        local v = tonumber(sub(data, i, e - 1))                                          -- below 2^53, exact
        if v == 0 and byte(data, i) == 45 then v = -0.0 end
        return 'T_NUMBER', num51(v), i - 1, e
      end
    end
    local v
    v, e = strtod(i)
    if v == nil then return 'T_ERROR', 'invalid number', i - 1, i end
    return 'T_NUMBER', num51(v), i - 1, e
  end

  local function string_token(i)
    local p = i + 1
    local parts, count = nil, 0
    while true do
      local q = find(data, '["\\\0]', p)
      if not q then return 'T_ERROR', 'unexpected end of string', len, len + 1 end
      local c = byte(data, q)
      if c == 34 then
        if not parts then return 'T_STRING', sub(data, p, q - 1), i - 1, q + 1 end
        count = count + 1; parts[count] = sub(data, p, q - 1)
        return 'T_STRING', concat(parts, '', 1, count), i - 1, q + 1
      end
      if c == 0 then return 'T_ERROR', 'unexpected end of string', q - 1, q end
      parts = parts or {}
      count = count + 1; parts[count] = sub(data, p, q - 1)
      local e = byte(data, q + 1)
      if e == 117 then
        local cp = hex4(data, q + 2)
        local used = 6
        if cp and cp & 0xf800 == 0xd800 then
          local low = cp & 0x400 == 0 and sub(data, q + 6, q + 7) == '\\u' and hex4(data, q + 8)
          if low and low & 0xfc00 == 0xdc00 then
            cp = (((cp & 0x3ff) << 10) | (low & 0x3ff)) + 0x10000
            used = 12
          else
            cp = nil
          end
        end
        if not cp then return 'T_ERROR', 'invalid unicode escape code', q - 1, q end
        count = count + 1; parts[count] = utf8char(cp)
        p = q + used
      else
        local r = e and json_unescapes[e]
        if not r then return 'T_ERROR', 'invalid escape code', q - 1, q end
        count = count + 1; parts[count] = r
        p = q + 2
      end
    end
  end

  -- The next token from data[i]: type, value, 0-based index (for messages), next index.
  local function next_token(i)
    local c = byte(data, i)
    if c == 32 or c == 9 or c == 10 or c == 13 then
      i = find(data, '[^ \t\n\r]', i) or len + 1
      c = byte(data, i)
    end
    if c == nil or c == 0 then return 'T_END', nil, i - 1, i end
    local single = json_single[c]
    if single then return single, nil, i - 1, i + 1 end
    if c == 34 then return string_token(i) end
    if c == 45 or (c >= 48 and c <= 57) then
      if not cfg.decode_invalid_numbers and invalid_number(i) then return 'T_ERROR', 'invalid number', i - 1, i end
      return number_token(i)
    end
    if c == 116 and sub(data, i, i + 3) == 'true' then return 'T_BOOLEAN', true, i - 1, i + 4 end
    if c == 102 and sub(data, i, i + 4) == 'false' then return 'T_BOOLEAN', false, i - 1, i + 5 end
    if c == 110 and sub(data, i, i + 3) == 'null' then return 'T_NULL', nil, i - 1, i + 4 end
    if (c == 43 or c == 105 or c == 73 or c == 110 or c == 78) and cfg.decode_invalid_numbers and invalid_number(i) then
      return number_token(i)
    end
    return 'T_ERROR', 'invalid token', i - 1, i
  end

  local function parse_error(expected, tt, tv, ti)
    fail(format('Expected %s but found %s at character %d', expected, tt == 'T_ERROR' and tv or tt, ti + 1))
  end

  local function descend(i)
    depth = depth + 1
    if depth > cfg.decode_max_depth then
      fail(format('Found too many nested data structures (%d) at character %d', depth, i - 1))
    end
  end

  local value

  local function object(i)
    descend(i)
    local t = {}
    local tt, tv, ti
    tt, tv, ti, i = next_token(i)
    if tt == 'T_OBJ_END' then depth = depth - 1 return t, i end
    while true do
      if tt ~= 'T_STRING' then parse_error('object key string', tt, tv, ti) end
      local key = tv
      tt, tv, ti, i = next_token(i)
      if tt ~= 'T_COLON' then parse_error('colon', tt, tv, ti) end
      tt, tv, ti, i = next_token(i)
      t[key], i = value(tt, tv, ti, i)
      tt, tv, ti, i = next_token(i)
      if tt == 'T_OBJ_END' then depth = depth - 1 return t, i end
      if tt ~= 'T_COMMA' then parse_error('comma or object end', tt, tv, ti) end
      tt, tv, ti, i = next_token(i)
    end
  end

  local function array(i)
    descend(i)
    local t = {}
    local tt, tv, ti
    tt, tv, ti, i = next_token(i)
    if tt == 'T_ARR_END' then depth = depth - 1 return t, i end
    local k = 1
    while true do
      t[k], i = value(tt, tv, ti, i)
      k = k + 1
      tt, tv, ti, i = next_token(i)
      if tt == 'T_ARR_END' then depth = depth - 1 return t, i end
      if tt ~= 'T_COMMA' then parse_error('comma or array end', tt, tv, ti) end
      tt, tv, ti, i = next_token(i)
    end
  end

  -- The value the token starts; returns it and the index after it.
  value = function(tt, tv, ti, i)
    if tt == 'T_STRING' or tt == 'T_NUMBER' or tt == 'T_BOOLEAN' then return tv, i end
    if tt == 'T_NULL' then return null, i end
    if tt == 'T_OBJ_BEGIN' then return object(i) end
    if tt == 'T_ARR_BEGIN' then return array(i) end
    parse_error('value', tt, tv, ti)
  end

  local function decode(...)
    if select('#', ...) ~= 1 then argerror(1, 'decode', 'expected 1 argument') end
    local s = checkstring((...), 1, 'decode', true)
    if #s >= 2 and (byte(s, 1) == 0 or byte(s, 2) == 0) then fail('JSON parser does not support UTF-16 or UTF-32') end
    data, len, depth = s, #s, 0
    local tt, tv, ti, i = next_token(1)
    local result
    result, i = value(tt, tv, ti, i)
    tt, tv, ti = next_token(i)
    if tt ~= 'T_END' then parse_error('the end', tt, tv, ti) end
    data = nil
    return result
  end

  ------------------------------------------------------------------------------------------------ settings
  local function arg_init(name, max, ...)
    if select('#', ...) > max then argerror(max + 1, name, 'found too many arguments') end
  end

  local function integer_option(name, v, index, min, max, current)
    if v ~= nil then
      local x = checkinteger(v, index, name, true)
      if x < min or x > max then argerror(1, name, format('expected integer between %d and %d', min, max)) end
      return x
    end
    return current
  end

  -- json_enum_option: a boolean (true is option `bool_true`) or an option's name; returns the setting.
  local function enum_option(name, v, index, options, current)
    if v == nil then return current end
    if type(v) == 'boolean' then return v and 1 or 0 end
    local s = checkstring(v, index, name, true)
    for i = 1, #options do
      if options[i] == s then return i - 1 end
    end
    argerror(index, name, format("invalid option '%s'", s))
  end

  local function enum_result(setting, options)
    if setting == 0 or setting == 1 then return setting == 1 end
    return options[setting + 1]
  end

  local onoff = { 'off', 'on' }
  local invalid_options = { 'off', 'on', 'null' }

  return {
    encode = encode,
    decode = decode,
    encode_sparse_array = function(...)
      arg_init('encode_sparse_array', 3, ...)
      local convert, ratio, safe = ...
      local setting = enum_option('encode_sparse_array', convert, 1, onoff, cfg.sparse_convert and 1 or 0)
      cfg.sparse_convert = setting == 1
      cfg.sparse_ratio = integer_option('encode_sparse_array', ratio, 2, 0, INT_MAX, cfg.sparse_ratio)
      cfg.sparse_safe = integer_option('encode_sparse_array', safe, 3, 0, INT_MAX, cfg.sparse_safe)
      return cfg.sparse_convert, cfg.sparse_ratio, cfg.sparse_safe
    end,
    encode_max_depth = function(...)
      arg_init('encode_max_depth', 1, ...)
      cfg.encode_max_depth = integer_option('encode_max_depth', (...), 1, 1, INT_MAX, cfg.encode_max_depth)
      return cfg.encode_max_depth
    end,
    decode_max_depth = function(...)
      arg_init('decode_max_depth', 1, ...)
      cfg.decode_max_depth = integer_option('decode_max_depth', (...), 1, 1, INT_MAX, cfg.decode_max_depth)
      return cfg.decode_max_depth
    end,
    encode_number_precision = function(...)
      arg_init('encode_number_precision', 1, ...)
      cfg.precision = integer_option('encode_number_precision', (...), 1, 1, 14, cfg.precision)
      cfg.number_fmt = '%.' .. cfg.precision .. 'g'
      return cfg.precision
    end,
    encode_keep_buffer = function(...)
      arg_init('encode_keep_buffer', 1, ...)
      cfg.keep_buffer = enum_option('encode_keep_buffer', (...), 1, onoff, cfg.keep_buffer and 1 or 0) == 1
      return cfg.keep_buffer
    end,
    encode_invalid_numbers = function(...)
      arg_init('encode_invalid_numbers', 1, ...)
      cfg.encode_invalid_numbers = enum_option('encode_invalid_numbers', (...), 1, invalid_options, cfg.encode_invalid_numbers)
      return enum_result(cfg.encode_invalid_numbers, invalid_options)
    end,
    decode_invalid_numbers = function(...)
      arg_init('decode_invalid_numbers', 1, ...)
      cfg.decode_invalid_numbers = enum_option('decode_invalid_numbers', (...), 1, onoff, cfg.decode_invalid_numbers and 1 or 0) == 1
      return cfg.decode_invalid_numbers
    end,
  }
end

local cjson_fields = { _NAME = 'cjson', _VERSION = '2.1.0', null = null }

local function cjson_module()
  local functions = new_cjson()
  functions.new = function() return cjson_module() end
  return library(functions, cjson_fields)
end

return cjson_module(), cmsgpack, bit, struct
