using System.Security.Cryptography;
using System.Text;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// The libraries every script has in Redis 7.0 (cjson, cmsgpack, bit, struct): each case is sent as EVAL to this node
/// and to a real redis-server 7.0.15, twice (the script as it is, and inside pcall with its results rendered as text,
/// so that types and tostring are compared too), and the replies must be the same bytes. What differs on purpose
/// (docs/decisions.md, "Scripting") is pinned in the facts at the end.
/// </summary>
[Collection(ScriptingCollection.Name)]
public sealed class ScriptLibraryTests(NodeFixture node) : E2ETest(node)
{
    private static string Sha1(string script) => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(script)));

    /// <summary>Runs the case inside pcall and renders what it returned (<see cref="LuaRender"/>), numbers with tostring.</summary>
    private static readonly string Render = LuaRender.Code("tostring(v)", "tostring(a) < tostring(b)") + "return show(pcall(function()\n";

    /// <summary>The plain form gets hex() too (same line numbers in both forms do not matter: each is compared with
    /// its own twin on redis-server).</summary>
    private const string Hex = "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end ";

    private async Task CompareWithRedis(string[] cases)
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        var differences = new List<string>();
        foreach (var body in cases)
        {
            foreach (var script in new[] { Hex + body, Render + body + " end))" })
            {
                var expected = reference.Command("EVAL", script, "0");
                var actual = Cmd("EVAL", script, "0");
                if (expected != actual)
                {
                    differences.Add($"{body}\n  redis-server: {RawRespClient.Escape(expected)}\n  hypercache:   {RawRespClient.Escape(actual)}");
                }
            }
        }
        Assert.True(differences.Count == 0, $"{differences.Count} replies differ:\n" + string.Join("\n", differences));
    }

    [RedisServerFact]
    public Task Cjson_encode_is_redis_s() => CompareWithRedis(CjsonEncodeCases);

    [RedisServerFact]
    public Task Cjson_decode_is_redis_s() => CompareWithRedis(CjsonDecodeCases);

    [RedisServerFact]
    public Task Cjson_settings_are_redis_s() => CompareWithRedis(CjsonSettingsCases);

    [RedisServerFact]
    public Task Cmsgpack_is_redis_s() => CompareWithRedis(CmsgpackCases);

    [RedisServerFact]
    public Task Bit_is_redis_s() => CompareWithRedis(BitCases);

    [RedisServerFact]
    public Task Struct_is_redis_s() => CompareWithRedis(StructCases);

    [RedisServerFact]
    public Task Globals_and_library_tables_are_read_only_and_odd_numbers_reply_as_redis_s() => CompareWithRedis(GlobalsCases);

    [RedisServerFact]
    public Task String_format_is_lua_5_1_s() => CompareWithRedis(FormatCases);

    // Each call's result kept in a local: `return string.format(...)` is a tail call in 5.4, and the position of an
    // error raised there is lost (a recorded difference).
    private static readonly string[] FormatCases =
    [
        @"local r = string.format('%d|%i|%x|%X|%o|%c', 3.7, -3.7, 255.9, 255.2, 8.5, 65.3) return r",
        @"local r = string.format('%s %s %s %s %s', 10/2, 1/3, 2^53, 7, -0.0) return r",
        @"local r = string.format('%5.1f|%-5d|%05d|%+d|%.3s|%10s|', 2.25, 3.9, 42.0, 5.5, 1/3, 2.5) return r",
        @"local r = string.format('%q', 1/3) return r",
        @"local r = string.format('%u %%u %u%%', 3.5, 7) return r",
        @"local r = string.format('%s', 12345678901234567) return r",
        @"local r = string.format('%s', 123456789012345) return r",
        @"local r = string.format('%d', 1e300) return r",
        @"local r = string.format('%d %x', '3.5', ' 0x10 ') return r",
        @"local r = string.format('%d') return r",
        @"local r = string.format('%d', 'x') return r",
        @"local r = string.format('%y', 1) return r",
        @"local r = string.format(nil) return r",
        @"local r = string.format('%s', nil) return r",
        @"local r = string.format('%s') return r",
        @"local r = string.format('%s %s', 'a', true) return r",
        @"local r = string.format('%s', {}) return r",
        @"local r = string.format('plain') return r",
        @"local r = string.format('%5.2s|%-4s|', 'abc', 'x') return r",
        @"local r = ('%d items'):format(2.0) return r",
    ];

    private static readonly string[] StructCases =
    [
        @"return struct.unpack('!4L', '\221\196\161\0\4\196\203\135\0\44\187\183\162')",
        @"return struct.unpack('fc0', '\210\145\204\116\210\0\209\219\223\253\104\161\127')",
        @"return hex(struct.pack('>i8', tonumber('9223372036854775807'))), hex(struct.pack('<I8', 9007199254740993)), hex(struct.pack('L', '9007199254740993'))",
        @"return hex(struct.pack('>i', 1)), hex(struct.pack('<i', 1)), hex(struct.pack('i', -2)), hex(struct.pack('bBhHlLT', -1, 255, -2, 65535, -3, 4, 5))",
        @"return hex(struct.pack('>I2I3I8', 258, 65536*3+1, -1)), hex(struct.pack('<i16', -1)), hex(struct.pack('>i16', -2)), hex(struct.pack('>i3', 1.9)), hex(struct.pack('>i3', -1.9))",
        @"return hex(struct.pack('>fd', 1.5, 0.1)), hex(struct.pack('<d', -2)), hex(struct.pack('<f', 1e300))",
        @"return hex(struct.pack('s', 'ab')), hex(struct.pack('c3', 'abcd')), hex(struct.pack('c0', 'abcd')), hex(struct.pack('xb x', 1)), hex(struct.pack('c', 'xyz'))",
        @"return hex(struct.pack('!4 b i', 1, 2)), hex(struct.pack('!b d', 1, 2)), hex(struct.pack('!2 b h b i', 1, 2, 3, 4)), hex(struct.pack('! b c3 i', 1, 'abc', 7)), hex(struct.pack('!8 b i3 b i5', 1, 2, 3, 4))",
        @"return struct.pack('c5', 'ab')",
        @"return struct.pack('z', 1)",
        @"return struct.pack('!3', 1)",
        @"return struct.pack('!0', 1)",
        @"return struct.pack('i33', 1)",
        @"return struct.pack('i', 'x')",
        @"return struct.pack('i')",
        @"return struct.pack('ii', 1)",
        @"return struct.pack('bs', 1)",
        @"return struct.pack('i99999999999', 1)",
        @"return struct.pack()",
        @"return struct.pack({})",
        @"return struct.pack('>i', 5, 6, 7) == struct.pack('>i', 5)",
        @"return struct.unpack('>i', struct.pack('>i', -5))",
        @"return struct.unpack('<I2 B s c2', '\1\2\3ab\0cd')",
        @"return struct.unpack('b c0', '\2xy')",
        @"return struct.unpack('c0', 'xy')",
        @"return struct.unpack('b c0', '\5xy')",
        @"return struct.unpack('>i', 'ab')",
        @"return struct.unpack('s', 'ab')",
        @"return struct.unpack('i', 'abcd', 0)",
        @"return struct.unpack('b', 'abcd', 3)",
        @"return struct.unpack('b', 'abcd', 5)",
        @"return struct.unpack('b', 'abcd', 6)",
        @"return struct.unpack('>d', struct.pack('>d', 0.1)), struct.unpack('>f', struct.pack('>f', 0.1)), struct.unpack('>I8', '\255\255\255\255\255\255\255\255'), struct.unpack('>i8', '\127\255\255\255\255\255\255\255'), struct.unpack('<f', struct.pack('<f', 3))",
        @"return struct.size('>i b h !4 d'), struct.size('c3'), struct.size('z'), struct.size('xx'), struct.size(''), struct.size('!8 b d')",
        @"return struct.size('s')",
        @"return struct.size('c0')",
        @"return struct.size('!3')",
        @"return struct.size('?')",
        @"return struct.size()",
        @"return struct.unpack('x', 'a')",
        @"return struct.unpack('', 'a')",
        @"return struct.unpack('b', 'a', 1.5)",
        @"return struct.unpack('b', 'a', 'x')",
        @"return struct.unpack('b')",
        @"return struct.unpack()",
        @"return struct.unpack('>i16', string.rep('\255', 16)), struct.unpack('<I16', string.rep('\1', 16)), struct.unpack('>i9', '\0\0\0\0\0\0\0\0\5')",
        @"return hex(struct.pack('>I', 2^32)), hex(struct.pack('>I', 2^63)), hex(struct.pack('>i8', -2^63)), hex(struct.pack('>I', '12')), hex(struct.pack('>i8', 2^53 + 2))",
        @"return struct.unpack('!4 b i', struct.pack('!4 b i', 7, -9))",
        @"return struct.pack('i\0garbage', 1) == struct.pack('i', 1)",
        @"return struct.unpack('>d', struct.pack('>d', 2.75))",
        @"return {struct.unpack('>I4I4', struct.pack('>I4I4', 7, 4294967295))}",
        @"struct.size = 1 return 1",
        @"local ok, e = pcall(struct.pack, 'i') return e",
        @"return struct.pack('>I2', 1) .. struct.pack('>I2', 2)",
        @"local f = struct.pack return f('i', {})",
    ];

    private static readonly string[] CmsgpackCases =
    [
        @"return hex(cmsgpack.pack(9007199254740993, 9223372036854775807, -9223372036854775808, -9007199254740993))",
        @"return cmsgpack.unpack('\207\0\0\90\243\16\122\64\0\207\0\0\90\243\16\122\63\255')",
        @"return hex(cmsgpack.pack(0,127,128,255,256,65535,65536,4294967295,4294967296,-1,-32,-33,-128,-129,-32768,-32769,-2147483648,-2147483649))",
        @"return hex(cmsgpack.pack(1.5, 0.1, 1e300, 1/0, -1/0, 2^63, -2^63, 2^64, 3.0, -0.0))",
        @"return hex(cmsgpack.pack(0/0))",
        @"return hex(cmsgpack.pack('', string.rep('a',31), string.rep('b',32)):sub(1,80))",
        @"return hex(cmsgpack.pack(string.rep('b',255)):sub(1,6)), hex(cmsgpack.pack(string.rep('b',256)):sub(1,8)), hex(cmsgpack.pack(string.rep('b',65536)):sub(1,12))",
        @"return hex(cmsgpack.pack(true,false,nil,cjson.null))",
        @"return hex(cmsgpack.pack({}, {1,2}, {a=1}, {1,nil,3}, {[2]=1}, {[1.5]=1}, {[0]=1}, {[-1]=1}))",
        @"local t={} for i=1,16 do t[i]=i end return hex(cmsgpack.pack(t))",
        @"local t={} for i=1,70000 do t[i]=0 end return hex(cmsgpack.pack(t)):sub(1,12)",
        @"local t={} for i=1,70000 do t['k'..i]=0 end return hex(cmsgpack.pack(t)):sub(1,10)",
        @"local t={} local c=t for i=1,20 do c[1]={} c=c[1] end return hex(cmsgpack.pack(t))",
        @"local t={} t[1]=t return hex(cmsgpack.pack(t))",
        @"return hex(cmsgpack.pack(function() end))",
        @"return cmsgpack.pack()",
        @"return hex(cmsgpack.pack({[true]=1}))",
        @"return cmsgpack.unpack(cmsgpack.pack(1,'a',{1,2},{a='b'}, true, 1.5, false, -3, 2^40, -2^40, 3.25))",
        @"return cmsgpack.unpack(cmsgpack.pack(nil, 1, nil))",
        @"return cmsgpack.unpack('\202\64\64\0\0'), cmsgpack.unpack('\203\64\8\0\0\0\0\0\0')",
        @"return cmsgpack.unpack('')",
        @"return cmsgpack.unpack('\145')",
        @"return cmsgpack.unpack('\193')",
        @"return cmsgpack.unpack('\204')",
        @"return cmsgpack.unpack('\218\0')",
        @"return cmsgpack.unpack('\218\0\5ab')",
        @"return cmsgpack.unpack('\220\0\2\1')",
        @"return cmsgpack.unpack()",
        @"return cmsgpack.unpack({})",
        @"return cmsgpack.unpack(12)",
        @"return cmsgpack.unpack_one(cmsgpack.pack(1,2,3))",
        @"return cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 2)",
        @"return cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 3)",
        @"return cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 4)",
        @"return cmsgpack.unpack_one(cmsgpack.pack(1,2,3), -1)",
        @"return cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 'x')",
        @"return cmsgpack.unpack_one(nil, 'x')",
        @"return cmsgpack.unpack_one()",
        @"return cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 2)",
        @"return cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 2, 1)",
        @"return cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 0)",
        @"return cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 0, 1)",
        @"return cmsgpack.unpack_limit(cmsgpack.pack(1,2,3))",
        @"return cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), -1)",
        @"return cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 5, 7)",
        @"return cmsgpack.unpack_one('')",
        @"return cmsgpack.unpack('\196\2ab')",
        @"return cmsgpack.unpack('\199\2ab')",
        @"return cmsgpack.unpack(cmsgpack.pack({[true]=1}))",
        @"return cmsgpack.unpack('\129\1\192')",
        @"return cmsgpack.unpack('\207\255\255\255\255\255\255\255\255\211\128\0\0\0\0\0\0\0\206\255\255\255\255')",
        @"return cmsgpack.unpack('\207\255\255\255\255\255\255\255\255\211\128\0\0\0\0\0\0\1\207\0\32\0\0\0\0\0\1')",
        @"return cmsgpack.unpack('\217\3abc\219\0\0\0\1z\221\0\0\0\1\192\222\0\1\1\2\223\0\0\0\0')",
        @"return cmsgpack.unpack('\255\224\208\128\209\128\0\210\128\0\0\0\204\200\205\1\0\206\0\1\0\0')",
        @"return cmsgpack.unpack(cmsgpack.pack({a={b={c={1,2,{d='e'}}}}}))",
        @"return hex(cmsgpack.pack(cmsgpack.unpack(cmsgpack.pack(1.5, 2^53, 2^53+2, -2^53-2))))",
        @"return cmsgpack.unpack(cmsgpack.pack(1, 'two', {3}, 4.5))",
        @"return {cmsgpack.unpack(cmsgpack.pack(1, 'two', {3}, 4.5))}",
        @"cmsgpack.pack = 1 return 1",
        @"local ok, e = pcall(cmsgpack.unpack, '\145') return e",
        @"local t = {} for i = 1, 100 do t[i] = {i, 'n' .. i, i * 1.5} end local s = cmsgpack.pack(t) local d = cmsgpack.unpack(s) return {#s, #d, d[50][1], d[50][2], tostring(d[50][3])}",
        @"local t = setmetatable({}, {__index = function(t, k) return k end}) return cmsgpack.pack(t)",
    ];

    private static readonly string[] BitCases =
    [
        @"return bit.tobit('9007199254740993'), bit.tobit(9007199254740993), bit.band(9223372036854775807, -1)",
        @"return bit.tobit(0xffffffff), bit.tobit(2^32+5), bit.tobit(-1), bit.tobit(1.5), bit.tobit(2.5), bit.tobit(-1.5), bit.tobit(2^53+3), bit.tobit(2^60), bit.tobit(1e300), bit.tobit(-2^60 - 2^40 + 123)",
        @"return bit.band(-1, 0xffffffff), bit.bor(1,2,4,8), bit.bxor(5,3), bit.band(12), bit.bor(-1), bit.bxor(1, 2, 4, 7)",
        @"return bit.band()",
        @"return bit.bnot(0), bit.lshift(1, 31), bit.lshift(1, 32), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.rol(0x12345678, 12), bit.ror(0x12345678, 12), bit.bswap(0x12345678), bit.rol(5, 0), bit.ror(5,32), bit.arshift(256, 4), bit.rshift(256, -1), bit.lshift(3, 33.2)",
        @"return bit.tohex(255), bit.tohex(-1), bit.tohex(255, 2), bit.tohex(255, -4), bit.tohex(255, 0), bit.tohex(255, 20), bit.tohex(0x12345678, -20), bit.tohex(0xabcdef, 3), bit.tohex(-2, 9)",
        @"return bit.tobit('12'), bit.tobit('0x10'), bit.tobit(' 7 '), bit.tobit('1e3'), bit.tobit(' 0x7fffffff')",
        @"return bit.tobit('abc')",
        @"return bit.tobit()",
        @"return bit.tobit(nil)",
        @"return bit.band(1, {})",
        @"return bit.band('x', {})",
        @"return bit.tohex(1, nil)",
        @"return bit.lshift(1)",
        @"return bit.tobit(true)",
        @"return bit.tobit('')",
        @"return bit.tobit(0/0), bit.tobit(1/0), bit.tobit(-1/0), bit.tobit(-2147483648.5), bit.tobit(2147483647.5), bit.tobit(0.5), bit.tobit(-0.5), bit.tobit(3.5), bit.tobit(-3.5), bit.tobit(4503599627370495.5)",
        @"return bit.band(2^31, 2^31), bit.bor(0x80000000, 1), bit.bxor(-1, 0xffffffff)",
        @"return bit.tobit(5)",
        @"return select(2, pcall(bit.tobit))",
        @"bit.x = 1 return 1",
        @"return {type(cjson), type(cmsgpack), type(bit), type(struct), type(cjson.encode), type(bit.band), tostring(cjson.null)}",
        @"local x = 0 for i = 1, 1000 do x = bit.bxor(x, i) end return x",
        @"local band = bit.band return band({})",
        @"return bit.tobit(1, 2, 3)",
    ];

    private static readonly string[] CjsonSettingsCases =
    [
        @"local j = cjson.new() return j.encode_invalid_numbers('null'), j.encode(1/0), j.encode(0/0), j.encode_invalid_numbers(true), j.encode(1/0), j.encode(-1/0), j.encode(0/0), j.encode(-(0/0)), j.encode_invalid_numbers(), j.encode_invalid_numbers(false), j.encode_invalid_numbers('on'), j.encode_invalid_numbers('off')",
        @"local j = cjson.new() return j.encode_invalid_numbers('bad')",
        @"local j = cjson.new() return j.encode_invalid_numbers(1)",
        @"local j = cjson.new() return j.encode_invalid_numbers(1,2)",
        @"local j = cjson.new() return j.encode_invalid_numbers({})",
        @"local j = cjson.new() return j.encode_max_depth(0)",
        @"local j = cjson.new() return j.encode_max_depth('x')",
        @"local j = cjson.new() return j.encode_max_depth(2.5), j.encode_max_depth('3'), j.encode({{{1}}}), j.encode_max_depth()",
        @"local j = cjson.new() j.encode_max_depth(2) return j.encode({{{1}}})",
        @"local j = cjson.new() return j.encode_number_precision(15)",
        @"local j = cjson.new() return j.encode_number_precision(3), j.encode(math.pi), j.encode({[math.pi]=1}), j.encode_number_precision(14), j.encode(math.pi)",
        @"local j = cjson.new() return j.encode_sparse_array(true), j.encode({[1]=1,[20]=2})",
        @"local j = cjson.new() return j.encode_sparse_array(false, 0), j.encode({[1]=1,[20]=2})",
        @"local j = cjson.new() return j.encode_sparse_array(false, 2, 30), j.encode({[1]=1,[20]=2})",
        @"local j = cjson.new() return j.encode_sparse_array('on')",
        @"local j = cjson.new() return j.encode_sparse_array('x')",
        @"local j = cjson.new() return j.encode_sparse_array(nil, -1)",
        @"local j = cjson.new() return j.encode_sparse_array(nil, nil, 'q')",
        @"local j = cjson.new() return j.encode_sparse_array(1, 2, 3, 4)",
        @"local j = cjson.new() return j.encode_keep_buffer(false), j.encode_keep_buffer('on'), j.encode_keep_buffer(true)",
        @"local j = cjson.new() return j.encode_keep_buffer('maybe')",
        @"local j = cjson.new() return j.decode_invalid_numbers(false), pcall(j.decode, '0x10'), pcall(j.decode, 'nan'), pcall(j.decode, '01'), pcall(j.decode, '+1'), pcall(j.decode, '-01'), pcall(j.decode, '-0'), pcall(j.decode, '0.5'), pcall(j.decode, 'Infinity'), pcall(j.decode, '-Infinity'), pcall(j.decode, '-x')",
        @"local j = cjson.new() return j.decode_max_depth(2), pcall(j.decode, '[[1]]'), pcall(j.decode, '[[[1]]]'), pcall(j.decode, '{""a"":{""b"":{}}}')",
        @"local j = cjson.new() return j._NAME, j._VERSION, type(j.null), type(j.new)",
        @"return cjson._NAME, cjson._VERSION",
    ];

    private static readonly string[] CjsonDecodeCases =
    [
        @"return tostring(cjson.decode('123456789012345')), tostring(cjson.decode('99999999999999')), tostring(cjson.decode('-99999999999999')), tostring(cjson.decode('100000000000000'))",
        @"return cjson.decode('[1,2')",
        @"return cjson.decode('')",
        @"return cjson.decode()",
        @"return cjson.decode(1)",
        @"return cjson.decode(1.5)",
        @"return cjson.decode({})",
        @"return cjson.decode('[1]x')",
        @"return cjson.decode('{""a"" 1}')",
        @"return cjson.decode('{1:1}')",
        @"return cjson.decode('[1 2]')",
        @"return cjson.decode('{""a"":1 ""b""}')",
        @"return cjson.decode('""abc')",
        @"return cjson.decode('""a\\qb""')",
        @"return cjson.decode('""a\\u12zz""')",
        @"return cjson.decode('tru')",
        @"return cjson.decode('-')",
        @"return cjson.decode(string.rep('[', 1001))",
        @"return cjson.decode(string.rep('[', 1000))",
        @"return cjson.decode('null')",
        @"return cjson.decode('[null]')[1] == cjson.null",
        @"return cjson.decode('0x10'), cjson.decode('+5'), cjson.decode('-Infinity'), cjson.decode('1e400'), cjson.decode('01'), cjson.decode('1.'), cjson.decode('Inf')",
        @"return tostring(cjson.decode('nan')), tostring(cjson.decode('-nan')), tostring(cjson.decode('NaN')), tostring(cjson.decode('nan(123)'))",
        @"return cjson.decode('.5')",
        @"return cjson.decode('{""a"":[1,2,{""b"":null}],""c"":""\\u00e9\\ud83d\\ude00"",""d"":""\\u0000a"",""e"":""\\/\\b\\f\\n\\r\\t\\""\\\\""}')",
        @"return cjson.decode('""\\ud83d""')",
        @"return cjson.decode('""\\ude00""')",
        @"return cjson.decode('""\\ud83d\\u0041""')",
        @"return cjson.decode('""\\ud83dx""')",
        @"return cjson.decode('  [ 1 , 2 ]  ')",
        @"return cjson.decode('[1]\0x')",
        @"return cjson.decode('\0x')",
        @"return cjson.decode('a\0')",
        @"return cjson.decode('[true,false,null]')",
        @"return cjson.decode('truex')",
        @"return cjson.decode('""\t""')",
        @"return cjson.decode('[1,]')",
        @"return cjson.decode('{""a"":1,}')",
        @"return cjson.decode('{,}')",
        @"return cjson.decode('[')",
        @"return cjson.decode('{')",
        @"return cjson.decode('{""a""')",
        @"return cjson.decode('{""a"":')",
        @"return cjson.decode('1 2')",
        @"return cjson.decode(']')",
        @"return cjson.decode('@')",
        @"return cjson.decode('0x')",
        @"return cjson.decode('1e')",
        @"return cjson.decode('1.5e')",
        @"return cjson.decode('  -  1')",
        @"return cjson.decode('0x1p4'), cjson.decode('0x1.8'), cjson.decode('-0x10'), cjson.decode('0X1F')",
        @"return cjson.decode('nanx')",
        @"return cjson.decode('infinity'), cjson.decode('-inf'), cjson.decode('infinit')",
        @"return cjson.decode('""abc\0def""')",
        @"return cjson.decode('""a\\')",
        @"return cjson.decode('{""a"":{""b"":{""c"":[1,2,[3,[4]]]}}}')",
        @"return cjson.decode('[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]')",
        @"return cjson.decode('{""1"":1,""2"":2}')",
        @"return cjson.decode('fals')",
        @"return cjson.decode('nul')",
        @"return cjson.decode('\n\r\t []')",
        @"return cjson.decode('{""a"":1,""a"":2}')",
        @"return cjson.decode('""\\u00""')",
        @"return cjson.decode('""\\uD83D\\uDE00""')",
        @"return cjson.encode_max_depth(), cjson.decode_max_depth(), cjson.encode_number_precision(), cjson.encode_keep_buffer(), cjson.encode_invalid_numbers(), cjson.decode_invalid_numbers(), cjson.encode_sparse_array()",
        @"return pcall(cjson.decode, '[')",
        @"return cjson.decode('[1,null,2]')",
        @"return cjson.decode('[1,2.5,""x"",true,false,[3,[4]],{""a"":1}]')",
        @"return cjson.decode('1.5')",
        @"return cjson.decode('-2.9')",
        @"return cjson.decode('1e300')",
        @"return cjson.decode('-1e300')",
        @"return cjson.decode('nan')",
        @"return cjson.decode('infinity')",
        @"return cjson.decode('-infinity')",
        @"local f = cjson.decode return f('[')",
        @"local x = cjson.decode('[') return x",
        @"return select(2, pcall(cjson.decode, '['))",
        @"local j = cjson.decode(ARGV and '{""id"":42,""tags"":[""a"",""b""]}') return {j.id, j.tags[1], j.tags[2], #j.tags}",
        @"local t = {} for i = 1, 100 do t[i] = {id = i, name = 'n' .. i} end local s = cjson.encode(t) local d = cjson.decode(s) return {#s, #d, d[50].id, d[50].name}",
    ];

    private static readonly string[] CjsonEncodeCases =
    [
        @"return cjson.encode({[2^40]=1})",
        @"return cjson.encode({[2^31]=1})",
        @"return cjson.encode({[2^31-1]=1})",
        @"return cjson.encode({'x', 0, [2^40]=-1})",
        @"return cjson.encode({1,2,3})",
        @"return cjson.encode({})",
        @"return cjson.encode({a=1})",
        @"return cjson.encode({a={b={c={}}}})",
        @"return cjson.encode({[1]=1,[20]=2})",
        @"return cjson.encode({[1]=1,[2]=2,[4]=4,[11]=11})",
        @"return cjson.encode({[1]=1,[2]=2,[4]=4,[10]=11})",
        @"return cjson.encode({1,nil,3})",
        @"return cjson.encode(function() end)",
        @"return cjson.encode()",
        @"return cjson.encode(1,2)",
        @"return cjson.encode(0.1), cjson.encode(1/3), cjson.encode(1e20), cjson.encode(123456789012345678), cjson.encode(-0.0), cjson.encode(5), cjson.encode(2^53), cjson.encode(-7.25e-10)",
        @"return cjson.encode(1/0)",
        @"return cjson.encode(0/0)",
        @"return cjson.encode('a/b""c\\d\n\1\127\200\r\t\b\f\0\31 x')",
        @"return cjson.encode({[true]=1})",
        @"return cjson.encode({[1.5]=1})",
        @"return cjson.encode({[0]=1})",
        @"return cjson.encode({[-1]=1})",
        @"return cjson.encode({[""k""]={1,{2,{3}}}})",
        @"return cjson.encode(cjson.null), cjson.encode({cjson.null, true, false})",
        @"return cjson.encode(nil)",
        @"local t = {} local c = t for i=1,1001 do c[1] = {} c = c[1] end return cjson.encode(t)",
        @"local t = {} local c = t for i=1,999 do c[1] = {} c = c[1] end return #cjson.encode(t)",
        @"return cjson.encode(cjson.decode('[0.1,1e100,-5,2.5,-0]'))",
        @"return cjson.encode(redis.call('ping'))",
        @"local ok, e = pcall(cjson.encode, function() end) return e",
        @"return cjson.encode(cjson.decode('{""a"":{""b"":[1,2,{""c"":null}]}}'))",
        @"local t = {f = cjson.encode_max_depth} return t.f(0)",
    ];

    private static readonly string[] GlobalsCases =
    [
        @"return type(rawget(_G, 'redis')), type(rawget(_G, 'nope')), type(rawget(cjson, 'encode')), type(rawget(_G, 'KEYS'))",
        @"return rawget(_G)",
        @"return rawget(1, 2)",
        @"return rawget()",
        @"return rawget({5}, 1)",
        @"local t = setmetatable({}, {__index = function() return 1 end}) return rawget(t, 'x') == nil",
        @"return select(2, pcall(rawget))",
        @"local r = rawget return r(nil)",
        @"return rawget(_G, nil)",
        // rawset into a read-only view is refused (else the field would shadow the real one for every later script)
        @"rawset(_G, 'leaked', 1) return 1",
        @"rawset(cjson, 'leaked', 1) return 1",
        @"return select(2, pcall(function() return leaked end))",
        @"return type(cjson.leaked)",
        @"local t = {} rawset(t, 'x', 1) return t.x",
        @"return rawset(_G)",
        @"return rawset({}, nil, 1)",
        @"return rawset(1, 2, 3)",
        @"return rawset({}, 0/0, 1)",
        @"return rawset({}, 'a')",
        @"local t = rawset({}, 'a', 'b') return t.a",
        @"local ok, e = pcall(rawset, _G, 'x', 1) return {tostring(ok), type(e), e}",
        @"local ok, e = pcall(rawset, {}, nil, 1) return {tostring(ok), type(e), e}",
        // the standard libraries, redis and the strings' metatable are read-only too: a change would reach every later script
        @"string.x = 1 return 1",
        @"math.floor = nil return 1",
        @"table.insert = nil return 1",
        @"coroutine.x = 1 return 1",
        @"redis.call = nil return 1",
        @"redis.x = 1 return 1",
        @"getmetatable('').__index = nil return 1",
        @"rawset(string, 'x', 1) return 1",
        @"rawset(redis, 'x', 1) return 1",
        @"return {type(string.x), type(math.floor), type(table.insert), type(redis.call), type(redis.x)}",
        @"return {getmetatable('').__index == string, ('abc'):upper(), type(rawget(string, 'format')), type(rawget(redis, 'call'))}",
        // Lua 5.1's names that 5.4 dropped, and its way of printing numbers
        @"local m, e = math.frexp(-0.1) return tostring(m) .. ' ' .. e",
        @"local out = {} for _, x in ipairs({8, 1e308, 5e-324, 0, -3.5, 1/0}) do local m, e = math.frexp(x) out[#out + 1] = tostring(m) .. ' ' .. e end return out",
        @"return {tostring(math.ldexp(0.75, 10)), tostring(math.ldexp(1, -1074)), tostring(math.atan2(1, -1)), tostring(math.atan2(-0.0, 1))}",
        @"return {tostring(math.cosh(1)), tostring(math.sinh(-2)), tostring(math.tanh(0.5)), tostring(math.tanh(30)), tostring(math.tanh(-30))}",
        @"return {table.maxn({1, 2, [10] = 3, x = 1, [2.5] = 1}), table.maxn({})}",
        @"return table.foreach({5, 6, x = 7}, function(k, v) if v == 7 then return k end end)",
        @"local n = 0 table.foreachi({5, 6, 7}, function(i, v) n = n + i * v end) return n",
        @"table.setn({}, 1) return 1",
        @"return {_VERSION, type(gcinfo())}",
        @"return type(warn)",
        @"return tostring(10 / 2) .. ' ' .. tostring(1234567890123456) .. ' ' .. tostring(0.1) .. ' ' .. tostring(1/0) .. ' ' .. tostring(2^63)",
        @"return tostring(-0.0)", // alone: Lua 5.1 shares one constant between 0 and -0 in a chunk (1/0 would be -inf there)
        @"return {tostring(nil), tostring(true), tostring('s'), tostring(3)}",
        @"local x = tostring() return x",
        @"local t = cjson.decode('[-0, 0.5, 3.0]') return tostring(t[1]) .. ' ' .. tostring(t[2]) .. ' ' .. tostring(t[3])",
        @"return tostring((struct.unpack('<d', '\199\3\238\206\129\195\206\194')))",
        // redis.acl_check_cmd (no ACL users: a command that exists is allowed), and helpers that raise after a tail call
        @"return {redis.acl_check_cmd('set', 'k', 'v'), redis.acl_check_cmd('GET'), redis.acl_check_cmd('config', 'get', 'x')}",
        @"return redis.acl_check_cmd('nosuch')",
        @"return redis.acl_check_cmd()",
        @"return redis.acl_check_cmd(1)",
        @"return redis.acl_check_cmd('client|list')",
        @"return redis.sha1hex()",
        @"return redis.log()",
        @"return redis.setresp(4)",
        @"redis = nil return 1",
        @"KEYS = 1 return 1",
        @"ARGV = {} return 1",
        @"_G.redis = nil return 1",
        @"_G.x = 1 return 1",
        @"_G.cjson = 1 return 1",
        @"return type(_G.redis), type(_G.cjson), type(_G)",
        @"local n = 0 for k in pairs(_G) do if k == 'cjson' or k == 'redis' or k == 'bit' or k == 'struct' or k == 'cmsgpack' or k == 'KEYS' then n = n + 1 end end return n",
        @"return type(redis), type(cjson), type(KEYS)",
        @"return {1e300, -1e300, 2^63, -2^63, 2^63 - 1024, 1/0, -1/0}",
        @"return cjson.decode('1e300')",
        @"return cjson.decode('-infinity')",
        @"local f = loadstring('x = 1') return select(2, pcall(f))",
        @"local f = loadstring('return type(cjson)') return f()",
        @"return cjson.null",
        @"return {1, cjson.null, 2}",
        @"cjson.encode = nil return 1",
        @"cjson = nil return 1",
        @"return cjson.nope",
        @"return tostring(cjson.null == nil)",
        @"local r={} for k,v in pairs(cjson) do r[#r+1]=k..'='..type(v) end table.sort(r) return r",
        @"local r={} for k,v in pairs(cmsgpack) do r[#r+1]=k..'='..type(v) end table.sort(r) return r",
        @"local r={} for k,v in pairs(bit) do r[#r+1]=k..'='..type(v) end table.sort(r) return r",
        @"local r={} for k,v in pairs(struct) do r[#r+1]=k..'='..type(v) end table.sort(r) return r",
    ];

    /// <summary>The settings live in the Lua state, as Redis's: a later script sees them, SCRIPT FLUSH resets them.</summary>
    [Fact]
    public void Cjson_settings_last_until_script_flush()
    {
        try
        {
            Expect(Resp.Int(5), "EVAL", "return cjson.encode_max_depth(5)", "0");
            Expect(Resp.Int(5), "EVAL", "return cjson.encode_max_depth()", "0");
            const string deep = "return cjson.encode({{{{{{1}}}}}})";
            Expect(Resp.Err($"ERR user_script:1: Cannot serialise, excessive nesting (6) script: {Sha1(deep)}, on @user_script:1."), "EVAL", deep, "0");
        }
        finally
        {
            Expect(Resp.Ok, "SCRIPT", "FLUSH");
        }
        Expect(Resp.Int(1000), "EVAL", "return cjson.encode_max_depth()", "0");
        Expect(Resp.Bulk("[[[[[[1]]]]]]"), "EVAL", "return cjson.encode({{{{{{1}}}}}})", "0");
    }

    [Fact]
    public void Libraries_work_on_command_replies_and_arguments()
    {
        const string store = "return redis.call('set', KEYS[1], cjson.encode({id = tonumber(ARGV[1]), tags = {ARGV[2], ARGV[3]}}))";
        Expect(Resp.Ok, "EVAL", store, "1", K(), "42", "a", "b");
        const string read = "local job = cjson.decode(redis.call('get', KEYS[1])) return {job.id, job.tags[2], #job.tags}";
        Expect(Resp.Array(Resp.Int(42), Resp.Bulk("b"), Resp.Int(2)), "EVAL", read, "1", K());
        const string packed = "redis.call('set', KEYS[1], cmsgpack.pack({1, 'two', {three = 3}})) local t = cmsgpack.unpack(redis.call('get', KEYS[1])) return {t[1], t[2], t[3].three}";
        Expect(Resp.Array(Resp.Int(1), Resp.Bulk("two"), Resp.Int(3)), "EVAL", packed, "1", K("m"));
        Expect(Resp.Int(6), "EVAL", "return bit.band(redis.call('incrby', KEYS[1], 7), 0xfe)", "1", K("n"));
        Expect(Resp.Bulk("\0\0\0\x07"), "EVAL", "return struct.pack('>I', redis.call('get', KEYS[1]))", "1", K("n"));
    }

    /// <summary>Lua 5.4 keeps integers apart from floats: numbers the libraries return are integers when integral and
    /// below 10^14, and tostring prints as 5.1 does; what 5.4 still prints otherwise is pinned here.</summary>
    [Fact]
    public void Deliberate_differences()
    {
        if (Node.IsRedis) return; // Redis 7.0.15 prints 5, -0 and has no math.type
        // `..` turns a number into text in C, in 5.4's form (tostring is 5.1's, and compared above)
        Expect(Resp.Bulk("5.0 -0.0 3 integer"), "EVAL",
            "local t = cjson.decode('[-0, 0.5, 3.0]') return 10 / 2 .. ' ' .. t[1] .. ' ' .. t[3] .. ' ' .. math.type(t[3])", "0");
        Expect(Resp.Bulk("-0"), "EVAL", "return cjson.encode(cjson.decode('-0'))", "0");
        // a nil map key: Redis's error comes from the VM, without the script's position, and pcall gives it bare
        const string nilKey = "return cmsgpack.unpack('\\129\\192\\1')";
        Expect(Resp.Err($"ERR table index is nil script: {Sha1(nilKey)}, on @user_script:1."), "EVAL", nilKey, "0");
        Expect(Resp.Bulk("ERR table index is nil"), "EVAL", "return select(2, pcall(cmsgpack.unpack, '\\129\\192\\1'))", "0");
        // a library table is a read-only proxy: encoding it sees no fields
        Expect(Resp.Bulk("{}"), "EVAL", "return cjson.encode(bit)", "0");
    }
}
