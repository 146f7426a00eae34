using System.Text;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>Inline commands, pipelining, fragmented frames, unknown-command and arity errors, on the raw protocol.</summary>
[Collection(ProtocolCollection.Name)]
public sealed class ProtocolTests(NodeFixture node) : E2ETest(node)
{
    private string Read() => Raw.ReadReply();

    // ---- inline commands ----

    [Theory]
    [InlineData("PING\r\n")]
    [InlineData("PING\n")]
    [InlineData("ping\r\n")]
    [InlineData("  PING   \r\n")]
    [InlineData("\r\n\r\nPING\r\n")]
    public void Inline_ping(string request)
    {
        Raw.Send(request);
        Assert.Equal(Resp.Pong, Read());
        // Nothing else was replied (the empty lines are ignored): the next reply is for the next command.
        Expect(Resp.Bulk("next"), "ECHO", "next");
    }

    [Fact]
    public void Inline_set_then_get()
    {
        Raw.Send($"SET {K()} b\r\n");
        Assert.Equal(Resp.Ok, Read());
        Raw.Send($"GET {K()}\r\n");
        Assert.Equal(Resp.Bulk("b"), Read());
        Expect(Resp.Bulk("b"), "GET", K());
    }

    [Fact]
    public void Inline_quoting_rules()
    {
        Raw.Send($"SET {K("dq")} \"b c\"\r\nSET {K("sq")} 'x\\ty'\r\nSET {K("esc")} \"\\x41\\n\\t\"\r\n");
        Assert.Equal(Resp.Ok, Read());
        Assert.Equal(Resp.Ok, Read());
        Assert.Equal(Resp.Ok, Read());
        Expect(Resp.Bulk("b c"), "GET", K("dq"));
        Expect(Resp.Bulk("x\\ty"), "GET", K("sq"));
        Expect(Resp.Bulk("A\n\t"), "GET", K("esc"));
    }

    [Fact]
    public void Inline_and_multibulk_can_be_mixed_in_one_write()
    {
        Raw.Send("PING\r\n" + RawRespClient.Encode("ECHO", "mb") + $"ECHO inline\r\n" + RawRespClient.Encode("PING"));
        Assert.Equal(Resp.Pong, Read());
        Assert.Equal(Resp.Bulk("mb"), Read());
        Assert.Equal(Resp.Bulk("inline"), Read());
        Assert.Equal(Resp.Pong, Read());
    }

    [Fact]
    public void Inline_unknown_command()
    {
        Raw.Send("FOO a b\r\n");
        Assert.Equal("-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n", Read());
        Expect(Resp.Pong, "PING");
    }

    // ---- pipelining ----

    [Fact]
    public void Thousand_pipelined_commands_in_one_write_are_answered_in_order()
    {
        var sb = new StringBuilder();
        for (var i = 0; i < 1000; i++)
        {
            sb.Append((i % 4) switch
            {
                0 => RawRespClient.Encode("INCR", K("counter")),
                1 => RawRespClient.Encode("SET", K($"k{i}"), $"v{i}"),
                2 => RawRespClient.Encode("GET", K($"k{i - 1}")),
                _ => RawRespClient.Encode("ECHO", $"e{i}"),
            });
        }
        Raw.Send(sb.ToString());
        for (var i = 0; i < 1000; i++)
        {
            var expected = (i % 4) switch
            {
                0 => Resp.Int(i / 4 + 1),
                1 => Resp.Ok,
                2 => Resp.Bulk($"v{i - 1}"),
                _ => Resp.Bulk($"e{i}"),
            };
            var actual = Read();
            Assert.True(expected == actual, $"reply #{i}: expected {RawRespClient.Escape(expected)}, got {RawRespClient.Escape(actual)}");
        }
        Expect(Resp.Bulk("250"), "GET", K("counter"));
    }

    [Fact]
    public void Thousand_pipelined_inline_commands_are_answered_in_order()
    {
        var sb = new StringBuilder();
        for (var i = 0; i < 1000; i++)
        {
            sb.Append($"INCR {K()}\r\n");
        }
        Raw.Send(sb.ToString());
        for (var i = 1; i <= 1000; i++)
        {
            Assert.Equal(Resp.Int(i), Read());
        }
    }

    [Fact]
    public void Errors_in_a_pipeline_do_not_disturb_the_other_replies()
    {
        Raw.Send(RawRespClient.Encode("SET", K(), "1")
            + RawRespClient.Encode("NOSUCHCMD")
            + RawRespClient.Encode("INCR", K())
            + RawRespClient.Encode("GET")
            + RawRespClient.Encode("SET", K(), "x", "NX", "XX")
            + RawRespClient.Encode("GET", K()));
        Assert.Equal(Resp.Ok, Read());
        Assert.Equal("-ERR unknown command 'NOSUCHCMD', with args beginning with: \r\n", Read());
        Assert.Equal(Resp.Int(2), Read());
        Assert.Equal(Resp.WrongArity("get"), Read());
        Assert.Equal(Resp.SyntaxError, Read());
        Assert.Equal(Resp.Bulk("2"), Read());
    }

    [Fact]
    public void A_command_sent_one_byte_at_a_time_is_executed_once()
    {
        var bytes = RawRespClient.Latin1.GetBytes(RawRespClient.Encode("SET", K(), "hello") + RawRespClient.Encode("INCR", K("n")));
        foreach (var b in bytes)
        {
            Raw.Send([b]);
        }
        Assert.Equal(Resp.Ok, Read());
        Assert.Equal(Resp.Int(1), Read());
        Expect(Resp.Bulk("hello"), "GET", K());
    }

    [Fact]
    public void Large_bulk_argument_split_over_many_writes()
    {
        var value = new string('x', 300_000);
        var frame = RawRespClient.Latin1.GetBytes(RawRespClient.Encode("SET", K(), value));
        for (var offset = 0; offset < frame.Length; offset += 7_001)
        {
            Raw.Send(frame[offset..Math.Min(frame.Length, offset + 7_001)]);
        }
        Assert.Equal(Resp.Ok, Read());
        Expect(Resp.Int(300_000), "STRLEN", K());
    }

    // ---- unknown command / arity ----

    [Fact]
    public void Unknown_command_error_lists_its_arguments()
    {
        Expect("-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n", "FOO", "a", "b");
        Expect("-ERR unknown command 'FOO', with args beginning with: \r\n", "FOO");
        Expect("-ERR unknown command 'foo', with args beginning with: 'X' \r\n", "foo", "X");
        Expect("-ERR unknown command '', with args beginning with: \r\n", "");
    }

    [Fact]
    public void Unknown_command_error_is_a_single_line_and_bounded()
    {
        // Newlines inside arguments are replaced by spaces so the error stays one line.
        Expect("-ERR unknown command 'FOO', with args beginning with: 'a  b' 'c' \r\n", "FOO", "a\r\nb", "c");
        // The name is cut at 128 bytes; arguments are listed until 128 bytes of them are shown.
        var longArg = new string('x', 200);
        Expect($"-ERR unknown command 'FOO', with args beginning with: '{new string('x', 128)}' \r\n", "FOO", longArg);
        Expect($"-ERR unknown command '{new string('F', 128)}', with args beginning with: \r\n", new string('F', 200));
        var d = new string('d', 130);
        Expect($"-ERR unknown command 'FOO', with args beginning with: 'a' 'b' 'c' '{d[..116]}' \r\n", "FOO", "a", "b", "c", d, "e");
    }

    [Theory]
    [InlineData("get", "GET")]
    [InlineData("get", "GET", "a", "b")]
    [InlineData("get", "gEt", "a", "b")]
    [InlineData("set", "SET", "a")]
    [InlineData("del", "DEL")]
    [InlineData("incr", "INCR")]
    [InlineData("expire", "EXPIRE", "a")]
    [InlineData("echo", "ECHO")]
    [InlineData("dbsize", "DBSIZE", "x")]
    [InlineData("config|get", "CONFIG", "GET")]
    public void Wrong_arity_error_names_the_command_in_lower_case(string name, params string[] command)
    {
        Expect($"-ERR wrong number of arguments for '{name}' command\r\n", command);
    }

    [Fact]
    public void Commands_are_case_insensitive()
    {
        Expect(Resp.Ok, "sEt", K(), "v");
        Expect(Resp.Bulk("v"), "get", K());
        Expect(Resp.Int(1), "Exists", K());
    }

    [Fact]
    public void Connection_stays_usable_after_command_errors()
    {
        Expect("-ERR unknown command 'FOO', with args beginning with: \r\n", "FOO");
        Expect(Resp.WrongArity("get"), "GET");
        Expect(Resp.Pong, "PING");
    }
}
