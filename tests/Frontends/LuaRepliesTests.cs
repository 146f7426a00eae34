using System.Text;
using HyperCache.Frontends.Resp;
using HyperCache.Frontends.Scripting;
using static HyperCache.Frontends.Scripting.LuaNative;

namespace HyperCache.Frontends.Tests;

/// <summary>RESP reply → Lua value → reply, on a bare Lua state (no node, no store).</summary>
public sealed class LuaRepliesTests : IDisposable
{
    private readonly IntPtr _lua = luaL_newstate();

    public void Dispose() => lua_close(_lua);

    private string RoundTrip(string reply, int protocol = 2)
    {
        LuaReplies.Push(_lua, Encoding.Latin1.GetBytes(reply));
        Assert.Equal(1, lua_gettop(_lua));
        var buffer = new ReplyBuffer();
        var writer = new RespWriter { Protocol = protocol };
        writer.Attach(buffer);
        LuaReplies.Write(_lua, writer);
        writer.Commit();
        Assert.Equal(1, lua_gettop(_lua)); // Write leaves the stack as it was
        lua_settop(_lua, 0);
        return Encoding.Latin1.GetString(buffer.Written);
    }

    [Theory]
    [InlineData(":5\r\n")]
    [InlineData(":-9223372036854775808\r\n")]
    [InlineData("$3\r\nabc\r\n")]
    [InlineData("$0\r\n\r\n")]
    [InlineData("$4\r\n\0\r\n\xff\r\n")]
    [InlineData("+OK\r\n")]
    [InlineData("-ERR value is not an integer or out of range\r\n")]
    [InlineData("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")]
    [InlineData("*0\r\n")]
    [InlineData("*3\r\n:1\r\n$-1\r\n*1\r\n$1\r\nx\r\n")]
    [InlineData("$-1\r\n")]
    public void Replies_survive_the_round_trip(string reply) => Assert.Equal(reply, RoundTrip(reply));

    [Theory]
    [InlineData("*-1\r\n", "$-1\r\n")]                   // nil array → false → nil
    [InlineData("-OOPS\r\n", "-ERR OOPS\r\n")]           // a single word gets the code ERR (luaPushErrorBuff)
    [InlineData("#t\r\n", ":1\r\n")]                     // RESP3 booleans → Lua booleans → 1 / nil
    [InlineData("#f\r\n", "$-1\r\n")]
    [InlineData("_\r\n", "$-1\r\n")]
    [InlineData(",2.5\r\n", "$3\r\n2.5\r\n")]           // {double=2.5} → a double (bulk under RESP2)
    [InlineData("%1\r\n$1\r\na\r\n:1\r\n", "*2\r\n$1\r\na\r\n:1\r\n")] // {map=...} → a map (flat array under RESP2)
    public void Replies_convert_as_redis_does(string reply, string expected) => Assert.Equal(expected, RoundTrip(reply));

    [Fact]
    public void A_double_stays_a_double_under_resp3() => Assert.Equal(",2.5\r\n", RoundTrip(",2.5\r\n", protocol: 3));

    [Fact]
    public void Error_texts_take_redis_normal_form()
    {
        Assert.Equal("ERR bad thing", Encoding.ASCII.GetString(LuaReplies.ErrorText("bad thing"u8, coded: false)));
        Assert.Equal("MY bad thing", Encoding.ASCII.GetString(LuaReplies.ErrorText("MY bad thing\r\n"u8, coded: true)));
        Assert.Equal("ERR word", Encoding.ASCII.GetString(LuaReplies.ErrorText("word"u8, coded: true)));
    }
}
