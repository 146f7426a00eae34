using System.Buffers.Text;
using System.Text;
using HyperCache.Frontends.Resp;
using static HyperCache.Frontends.Scripting.LuaNative;

namespace HyperCache.Frontends.Scripting;

/// <summary>
/// The two conversions of Redis scripting. A command's RESP reply becomes a Lua value as Redis does it (integer →
/// number, bulk → string, nil → false, array → table, status → {ok=...}, error → {err=...}; RESP3 types as Redis
/// 7 maps them), and a script's result becomes a reply (number → integer, truncated; string → bulk; table → array
/// up to the first nil; {ok=} → status; {err=} → error; true → 1; false and anything else → nil).
/// </summary>
public static class LuaReplies
{
    private const int MaxDepth = 1000; // a table that contains itself must not recurse forever

    /// <summary>Pushes the Lua value of the one complete reply in <paramref name="reply"/>.</summary>
    public static void Push(IntPtr L, ReadOnlySpan<byte> reply)
    {
        int at = 0;
        Push(L, reply, ref at);
    }

    private static void Push(IntPtr L, ReadOnlySpan<byte> reply, ref int at)
    {
        lua_checkstack(L, 4);
        byte type = reply[at];
        var line = Line(reply, ref at);
        switch (type)
        {
            case (byte)'+':
                PushSingleField(L, "ok"u8, line);
                break;
            case (byte)'-':
                PushSingleField(L, "err"u8, ErrorText(line, coded: true));
                break;
            case (byte)':':
                lua_pushinteger(L, Number(line));
                break;
            case (byte)'$' or (byte)'=':
            {
                long length = Number(line);
                if (length < 0)
                {
                    lua_pushboolean(L, 0);
                    break;
                }
                var text = reply.Slice(at, (int)length);
                at += (int)length + 2;
                if (type == '=') PushVerbatim(L, text);
                else PushBytes(L, text);
                break;
            }
            case (byte)'*' or (byte)'>':
            {
                long count = Number(line);
                if (count < 0)
                {
                    lua_pushboolean(L, 0);
                    break;
                }
                lua_createtable(L, (int)count, 0);
                for (int i = 1; i <= count; i++)
                {
                    Push(L, reply, ref at);
                    lua_rawseti(L, -2, i);
                }
                break;
            }
            case (byte)'%' or (byte)'~':
            {
                long count = Number(line);
                lua_createtable(L, 0, 1);
                lua_createtable(L, 0, (int)count);
                for (int i = 0; i < count; i++)
                {
                    Push(L, reply, ref at);
                    if (type == '%') Push(L, reply, ref at);
                    else lua_pushboolean(L, 1);
                    lua_rawset(L, -3);
                }
                RawSetField(L, -2, type == '%' ? "map"u8 : "set"u8);
                break;
            }
            case (byte)'_':
                lua_pushnil(L);
                break;
            case (byte)'#':
                lua_pushboolean(L, line.Length == 1 && line[0] == 't' ? 1 : 0);
                break;
            case (byte)',':
                lua_createtable(L, 0, 1);
                lua_pushnumber(L, ParseDouble(line));
                RawSetField(L, -2, "double"u8);
                break;
            default:
                PushError(L, "unexpected reply type from a command"u8);
                break;
        }
    }

    /// <summary>Pushes {err = "ERR message"} for an error of the scripting layer itself (no code of its own).</summary>
    public static void PushError(IntPtr L, ReadOnlySpan<byte> message)
    {
        PushSingleField(L, "err"u8, ErrorText(message, coded: false));
    }

    /// <summary>The text of an error table, as Redis's luaPushErrorBuff makes it: a message that carries its code
    /// ("CODE message", from an error reply) keeps it, except a single word, which becomes "ERR word"; a message
    /// without one gets "ERR ".</summary>
    public static byte[] ErrorText(ReadOnlySpan<byte> message, bool coded)
    {
        int space = message.IndexOf((byte)' ');
        if (!coded || space < 0) return Concat("ERR "u8, Trim(message));
        return Concat(message[..(space + 1)], Trim(message[(space + 1)..]));
    }

    private static byte[] Concat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var bytes = new byte[a.Length + b.Length];
        a.CopyTo(bytes);
        b.CopyTo(bytes.AsSpan(a.Length));
        return bytes;
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s) => s.Trim("\r\n"u8);

    private static void PushSingleField(IntPtr L, ReadOnlySpan<byte> field, ReadOnlySpan<byte> value)
    {
        lua_createtable(L, 0, 1);
        PushBytes(L, value);
        RawSetField(L, -2, field);
    }

    private static void PushVerbatim(IntPtr L, ReadOnlySpan<byte> text)
    {
        lua_createtable(L, 0, 1);
        lua_createtable(L, 0, 2);
        PushBytes(L, text[4..]);
        RawSetField(L, -2, "string"u8);
        PushBytes(L, text[..3]);
        RawSetField(L, -2, "format"u8);
        RawSetField(L, -2, "verbatim_string"u8);
    }

    private static ReadOnlySpan<byte> Line(ReadOnlySpan<byte> reply, ref int at)
    {
        int end = reply[at..].IndexOf("\r\n"u8);
        var line = reply.Slice(at + 1, end - 1);
        at += end + 2;
        return line;
    }

    private static long Number(ReadOnlySpan<byte> text) => Utf8Parser.TryParse(text, out long n, out _) ? n : 0;

    private static double ParseDouble(ReadOnlySpan<byte> text) => text switch
    {
        _ when text.SequenceEqual("inf"u8) => double.PositiveInfinity,
        _ when text.SequenceEqual("-inf"u8) => double.NegativeInfinity,
        _ => Utf8Parser.TryParse(text, out double d, out _) ? d : double.NaN,
    };

    /// <summary>Writes the value on top of the stack as the reply (Redis's luaReplyToRedisReply); leaves the
    /// stack as it was.</summary>
    public static void Write(IntPtr L, RespWriter reply) => Write(L, reply, 0);

    private static void Write(IntPtr L, RespWriter reply, int depth)
    {
        if (depth > MaxDepth || lua_checkstack(L, 4) == 0)
        {
            reply.Error("ERR reached lua stack limit");
            return;
        }
        switch (lua_type(L, -1))
        {
            case TypeString:
                reply.Bulk(ToBytes(L, -1));
                break;
            case TypeBoolean:
                if (lua_toboolean(L, -1) != 0) reply.Integer(1);
                else reply.NullBulk();
                break;
            case TypeNumber:
                reply.Integer(ToInteger(L, -1));
                break;
            case TypeTable:
                WriteTable(L, reply, depth);
                break;
            default:
                reply.NullBulk();
                break;
        }
    }

    /// <summary>Redis truncates a number to an integer (3.99 → 3).</summary>
    public static long ToInteger(IntPtr L, int index)
    {
        if (lua_isinteger(L, index) != 0) return lua_tointegerx(L, index, out _);
        double d = lua_tonumberx(L, index, out _);
        // C's (long long) cast on x86-64 gives LLONG_MIN for NaN, infinities and anything out of range (1e300, 2^63);
        // .NET's saturates instead.
        return d >= -9223372036854775808.0 && d < 9223372036854775808.0 ? (long)d : long.MinValue;
    }

    private static void WriteTable(IntPtr L, RespWriter reply, int depth)
    {
        if (TryField(L, "err"u8, TypeString))
        {
            reply.Error(Text(ToBytes(L, -1)));
            Pop(L, 1);
            return;
        }
        if (TryField(L, "ok"u8, TypeString))
        {
            reply.Simple(Text(ToBytes(L, -1)));
            Pop(L, 1);
            return;
        }
        if (TryField(L, "double"u8, TypeNumber))
        {
            reply.Double(lua_tonumberx(L, -1, out _));
            Pop(L, 1);
            return;
        }
        if (TryField(L, "map"u8, TypeTable))
        {
            WriteMap(L, reply, depth, isSet: false);
            Pop(L, 1);
            return;
        }
        if (TryField(L, "set"u8, TypeTable))
        {
            WriteMap(L, reply, depth, isSet: true);
            Pop(L, 1);
            return;
        }
        int count = 0;
        while (lua_rawgeti(L, -1, count + 1) != TypeNil)
        {
            Pop(L, 1);
            count++;
        }
        Pop(L, 1);
        reply.ArrayHeader(count);
        for (int i = 1; i <= count; i++)
        {
            lua_rawgeti(L, -1, i);
            Write(L, reply, depth + 1);
            Pop(L, 1);
        }
    }

    /// <summary>{map={k=v...}} and {set={k=true...}}: RESP3 map and set (flat array and array under RESP2).</summary>
    private static void WriteMap(IntPtr L, RespWriter reply, int depth, bool isSet)
    {
        int count = 0;
        lua_pushnil(L);
        while (lua_next(L, -2) != 0)
        {
            Pop(L, 1);
            count++;
        }
        if (isSet) reply.SetHeader(count);
        else reply.MapHeader(count);
        lua_pushnil(L);
        while (lua_next(L, -2) != 0)
        {
            lua_pushvalue(L, -2);
            Write(L, reply, depth + 1); // the key
            Pop(L, 1);
            if (!isSet) Write(L, reply, depth + 1);
            Pop(L, 1);
        }
    }

    /// <summary>Pushes t.name when it has <paramref name="type"/> (true), else pushes nothing (false).</summary>
    private static bool TryField(IntPtr L, ReadOnlySpan<byte> name, int type)
    {
        if (RawGetField(L, -1, name) == type) return true;
        Pop(L, 1);
        return false;
    }

    private static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
