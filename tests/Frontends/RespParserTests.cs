using System.Buffers;
using System.Text;
using HyperCache.Frontends.Resp;

namespace HyperCache.Frontends.Tests;

public class RespParserTests
{
    private readonly RespParser _parser = new(new RespLimits { MaxBulkLength = 1000, MaxMultiBulkLength = 100 });
    private readonly CommandArgs _args = new();

    private (ParseStatus Status, int Used, string? Error) Parse(string text)
    {
        var status = _parser.TryParse(Encoding.ASCII.GetBytes(text), _args, out int used, out string? error);
        return (status, used, error);
    }

    private string[] Args() => Enumerable.Range(0, _args.Count).Select(_args.Text).ToArray();

    [Fact]
    public void Parses_a_multibulk_command_and_says_how_much_it_used()
    {
        var (status, used, _) = Parse("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\r\nx!\r\n*1\r\n$4\r\nPING\r\n");
        Assert.Equal(ParseStatus.Complete, status);
        Assert.Equal(31, used);
        Assert.Equal(["SET", "k", "v\r\nx!"], Args());
    }

    [Theory]
    [InlineData("*2\r\n$3\r\nGET\r\n$1\r\nk")]
    [InlineData("*2\r\n$3\r\nGET\r\n$1\r\nk\r")]
    [InlineData("*2\r\n$3\r\nGET\r\n")]
    [InlineData("*2\r")]
    [InlineData("*1\r\n$4\r\nPI")]
    [InlineData("PING")]
    public void Incomplete_input_asks_for_more(string text) => Assert.Equal(ParseStatus.Incomplete, Parse(text).Status);

    [Theory]
    [InlineData("*1\r\n$-1\r\n", "ERR Protocol error: invalid bulk length")]
    [InlineData("*1\r\n$1001\r\n", "ERR Protocol error: invalid bulk length")]
    [InlineData("*1\r\n$abc\r\n", "ERR Protocol error: invalid bulk length")]
    [InlineData("*x\r\n", "ERR Protocol error: invalid multibulk length")]
    [InlineData("*101\r\n", "ERR Protocol error: invalid multibulk length")]
    [InlineData("*1\r\n:1\r\n", "ERR Protocol error: expected '$', got ':'")]
    [InlineData("SET \"unbalanced\r\n", "ERR Protocol error: unbalanced quotes in request")]
    public void Bad_input_gets_redis_protocol_errors(string text, string expected)
    {
        var (status, _, error) = Parse(text);
        Assert.Equal(ParseStatus.Error, status);
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("*0\r\n")]
    [InlineData("*-5\r\n")]
    [InlineData("\r\n")]
    public void Empty_commands_are_skipped(string text)
    {
        var (status, used, _) = Parse(text);
        Assert.Equal(ParseStatus.Empty, status);
        Assert.Equal(text.Length, used);
    }

    [Fact]
    public void Inline_commands_split_on_blanks_and_honour_quotes()
    {
        Assert.Equal(ParseStatus.Complete, Parse("SET  k \"a b\\n\" 'c d'\r\n").Status);
        Assert.Equal(["SET", "k", "a b\n", "c d"], Args());
    }

    /// <summary>As redis-server 7.0.15 reads them (sdssplitargs; checked by hand against it): a quote inside a word
    /// opens a quoted part too, and its closing quote must end the word.</summary>
    [Theory]
    [InlineData("SET a\"b\" c\r\n", "SET|ab|c")]
    [InlineData("ECHO x'y z'\r\n", "ECHO|xy z")]
    [InlineData("RPUSH l \"a\\x41\" 'it\\'s'\r\n", "RPUSH|l|aA|it's")]
    [InlineData("\vECHO a\fb\r\n", "ECHO|a\fb")]
    [InlineData("ECHO \"a\"\v\r\n", "ECHO|a")]
    public void Inline_quotes_open_anywhere_in_a_word(string line, string words)
    {
        Assert.Equal(ParseStatus.Complete, Parse(line).Status);
        Assert.Equal(words.Split('|'), Args());
    }

    [Fact]
    public void An_inline_closing_quote_must_end_its_word()
        => Assert.Equal("ERR Protocol error: unbalanced quotes in request", Parse("ECHO \"a\"b\r\n").Error);

    [Fact]
    public void A_line_without_end_longer_than_the_inline_limit_is_an_error()
    {
        var parser = new RespParser(new RespLimits { MaxInlineLength = 16 });
        var status = parser.TryParse(Encoding.ASCII.GetBytes(new string('a', 17)), _args, out _, out var error);
        Assert.Equal(ParseStatus.Error, status);
        Assert.Equal("ERR Protocol error: too big inline request", error);
    }

    [Fact]
    public void Measure_finds_a_command_split_over_segments_resuming_where_it_stopped()
    {
        byte[] value = Encoding.ASCII.GetBytes(new string('v', 500));
        byte[] command = [.. "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$500\r\n"u8, .. value, .. "\r\n"u8];
        // Feed it in growing prefixes made of 7-byte segments, as a socket might deliver it.
        for (int have = 1; have < command.Length; have += 37)
            Assert.Equal(ParseStatus.Incomplete, _parser.Measure(Segmented(command[..have], 7), out _, out _));
        Assert.Equal(ParseStatus.Complete, _parser.Measure(Segmented(command, 7), out long length, out _));
        Assert.Equal(command.Length, length);
        _parser.ResetMeasure();
    }

    [Fact]
    public void Measure_reports_a_bad_length_in_a_later_segment()
    {
        var input = Segmented(Encoding.ASCII.GetBytes("*2\r\n$3\r\nGET\r\n$-7\r\n"), 5);
        Assert.Equal(ParseStatus.Error, _parser.Measure(input, out _, out var error));
        Assert.Equal("ERR Protocol error: invalid bulk length", error);
    }

    private static ReadOnlySequence<byte> Segmented(byte[] data, int size)
    {
        Segment? first = null, last = null;
        for (int i = 0; i < data.Length; i += size)
        {
            var chunk = data.AsMemory(i, Math.Min(size, data.Length - i));
            if (first is null) first = last = new Segment(chunk, 0);
            else last = last!.Append(chunk);
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long index)
        {
            Memory = memory;
            RunningIndex = index;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
