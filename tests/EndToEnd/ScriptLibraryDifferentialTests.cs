using System.Globalization;
using System.Text;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// Differential: random inputs for the script libraries (mutated JSON for cjson.decode, random bytes for
/// cmsgpack.unpack and struct.unpack, random formats and arguments for struct.pack and bit, random Lua tables for
/// cjson.encode and cmsgpack.pack) in EVAL, sent to this node and to redis-server; the replies must be the same bytes.
/// Results are rendered with their tables' keys sorted and numbers as "%.17g" (5.4's own tostring of -0 and of floats
/// that look integral is a recorded difference, docs/decisions.md "Scripting"); errors with pcall's message, except
/// where 5.1 and 5.4 word the VM's own errors differently (a nil map key: those scripts run without pcall).
/// </summary>
[Collection(DifferentialCollection.Name)]
public sealed class ScriptLibraryDifferentialTests(NodeFixture node) : DifferentialTest(node)
{
    [RedisServerFact]
    public Task Random_library_calls_reply_as_redis_server_does() => RunAsync(20261126, 3000, Next);

    [RedisServerFact]
    public Task Random_library_calls_reply_as_redis_server_does_second_seed() => RunAsync(71, 2000, Next);

    private static readonly string Render = LuaRender.Code("string.format('%.17g', v)", "render(a, 99) < render(b, 99)") + """
        local function numbers(first)
          local args = {}
          for i = first, #ARGV do args[#args+1] = tonumber(ARGV[i]) or ARGV[i] end
          return unpack(args)
        end

        """;

    private static readonly string Decode = Render + "return show(pcall(cjson.decode, ARGV[1]))";
    private static readonly string RoundTrip = Render + "local ok, v = pcall(cjson.decode, ARGV[1]) if not ok then return v end return show(pcall(function() return cjson.decode(cjson.encode(v)) end))";
    private static readonly string Unpack = Render + "return show(cmsgpack.unpack(ARGV[1]))";
    private static readonly string UnpackLimit = Render + "return show(cmsgpack.unpack_limit(ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])))";
    private static readonly string Repack = Render + "return show(cmsgpack.unpack(cmsgpack.pack(cmsgpack.unpack(ARGV[1]))))";
    private static readonly string StructUnpack = Render + "return show(pcall(struct.unpack, ARGV[1], ARGV[2]))";
    private static readonly string StructPack = Render + "local ok, s = pcall(struct.pack, ARGV[1], numbers(2)) if not ok then return s end return hex(s)";
    private static readonly string StructSize = Render + "return show(pcall(struct.size, ARGV[1]))";
    private static readonly string Bit = Render + "return show(pcall(bit[ARGV[1]], numbers(2)))";
    private static readonly string Encode = Render + "local t = loadstring('return ' .. ARGV[1])() local ok, s = pcall(cjson.encode, t) if not ok then return s end return show(#s, cjson.decode(s))";
    private static readonly string Pack = Render + "local t = loadstring('return ' .. ARGV[1])() local ok, s = pcall(cmsgpack.pack, t) if not ok then return s end return show(#s, cmsgpack.unpack(s))";

    private static string Choose(Random random, params string[] items) => items[random.Next(items.Length)];

    private static readonly string[] JsonTokens =
    [
        "{", "}", "[", "]", ",", ":", "\"a\"", "\"b\\n\"", "\"\\u00e9\"", "\"\\ud83d\\ude00\"", "\"\\u12\"", "\"\\x\"", "1", "-1",
        "0", "1.5", "1e5", "-0", "01", "0x1F", "+3", "true", "false", "null", "nan", "inf", "-Infinity", " ", "\n", "\t",
        "\"", "\\", "1e", ".5", "123456789012345678", "9e999", "tru", "nul", "\0", "\u00ff", "\"abc",
    ];

    private static string Json(Random random, int depth = 0)
    {
        int c = random.Next(10);
        if (depth > 4 || c < 4)
            return Choose(random, "1", "-2.5", "\"x\"", "true", "null", "1e3", "\"\\u0041\\/\"", "0", "12345678901234", "3.0", "-0.125", "123456789012345");
        if (c < 7)
            return "[" + string.Join(",", Enumerable.Range(0, random.Next(5)).Select(_ => Json(random, depth + 1))) + "]";
        return "{" + string.Join(",", Enumerable.Range(0, random.Next(2)).Select(i => $"\"k{i}\":{Json(random, depth + 1)}")) + "}";
    }

    private static string Mutate(Random random, string text)
    {
        var s = new StringBuilder(text);
        for (int n = random.Next(4); n > 0; n--)
        {
            int op = random.Next(10);
            if (op < 3 && s.Length > 0) s.Remove(random.Next(s.Length), 1);
            else if (op < 6) s.Insert(random.Next(s.Length + 1), Choose(random, JsonTokens));
            else if (s.Length > 0) { int at = random.Next(s.Length); s.Remove(at, 1).Insert(at, Choose(random, JsonTokens)); }
        }
        return s.ToString();
    }

    private static readonly int[] MsgpackBytes =
    [
        0, 1, 0x7f, 0x80, 0x81, 0x90, 0x91, 0x92, 0xa1, 0xa3, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xca, 0xcb, 0xcc, 0xcd, 0xce,
        0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff, 0x41, 0x00, 0x3f, 0x40,
    ];

    private static string Bytes(Random random) => new(Enumerable.Range(0, random.Next(13))
        .Select(_ => (char)(random.Next(10) < 7 ? MsgpackBytes[random.Next(MsgpackBytes.Length)] : random.Next(256))).ToArray());

    private static string Format(Random random) => string.Concat(Enumerable.Range(0, random.Next(6)).Select(_ => Choose(random,
        "b", "B", "h", "H", "l", "L", "T", "i", "I", "i3", "I5", "i8", "I8", "i9", "f", "d", "x", "c", "c2", "c0", "s", "<", ">", "!", "!4", "!2", " ", "z", "i33")));

    private static string Number(Random random) => Choose(random,
        "0", "1", "-1", "255", "256", "65535", "-129", "2147483647", "-2147483648", "4294967295", "4294967296", "1.5", "-2.5",
        "2.5", "1e10", "-1e10", "1e300", "9007199254740993", "0x10", "abc", "", "3.7", "-3.7", "18446744073709551615",
        "9223372036854775807", "-9223372036854775808", "4503599627370495.5", "0.5", "-0.5");

    private static string LuaValue(Random random, int depth)
    {
        if (depth > 3 || random.Next(2) == 0)
            return Choose(random, "1", "-1", "0", "1.5", "-2.25", "1e20", "2^31", "2^53", "2^63", "-2^63", "2^64", "1/0", "0/0",
                "\"s\"", "\"a\\0b\"", "\"\\\"q/\"", "true", "false", "cjson.null", "300", "70000", "4294967296", "3.0", "1e-7",
                "123456789012345", "string.rep(\"x\", 40)", "string.rep(\"y\", 300)");
        return LuaTable(random, depth + 1);
    }

    private static string LuaKey(Random random) =>
        Choose(random, "[1]", "[2]", "[3]", "[5]", "[12]", "[30]", "[0]", "[-1]", "[1.5]", "a", "b", "[\"c d\"]", "[2^40]");

    /// <summary>A Lua table constructor: arrays, records of one key (an object's keys come out in table order, which
    /// differs), or both.</summary>
    private static string LuaTable(Random random, int depth)
    {
        int c = random.Next(10);
        IEnumerable<string> items = c < 4
            ? Enumerable.Range(0, random.Next(7)).Select(_ => LuaValue(random, depth))
            : c < 6
                ? Enumerable.Range(0, random.Next(2)).Select(_ => $"{LuaKey(random)}={LuaValue(random, depth)}")
                : Enumerable.Range(0, random.Next(4)).Select(_ => LuaValue(random, depth))
                    .Concat(Enumerable.Range(0, random.Next(3)).Select(_ => $"{LuaKey(random)}={LuaValue(random, depth)}"));
        return "{" + string.Join(",", items) + "}";
    }

    private Step Next(Random random)
    {
        string[] args = random.Next(11) switch
        {
            0 => [Decode, Mutate(random, Json(random))],
            1 => [Decode, Json(random)],
            2 => [RoundTrip, random.Next(3) == 0 ? Mutate(random, Json(random)) : Json(random)],
            3 => [Unpack, Bytes(random)],
            4 => [UnpackLimit, Bytes(random), random.Next(-1, 4).ToString(CultureInfo.InvariantCulture), random.Next(-1, 7).ToString(CultureInfo.InvariantCulture)],
            5 => [Repack, Bytes(random)],
            6 => [StructUnpack, Format(random), Bytes(random) + Bytes(random)],
            7 => random.Next(4) == 0
                ? [StructSize, Format(random)]
                : [StructPack, Format(random), .. Enumerable.Range(0, random.Next(6)).Select(_ => random.Next(5) == 0 ? "str" : Number(random))],
            8 => [Bit, Choose(random, "tobit", "tohex", "bnot", "band", "bor", "bxor", "lshift", "rshift", "arshift", "rol", "ror", "bswap"),
                  .. Enumerable.Range(0, random.Next(4)).Select(_ => Number(random))],
            9 => [Encode, random.Next(10) == 0 ? LuaValue(random, 0) : LuaTable(random, 0)],
            _ => [Pack, random.Next(10) == 0 ? LuaValue(random, 0) : LuaTable(random, 0)],
        };
        return new(["EVAL", args[0], "0", .. args[1..]], Mutable: false);
    }
}
