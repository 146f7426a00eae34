using System.Net.Sockets;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// Malformed input must not crash the server or disturb other clients. After every case: a connection opened
/// before the bad input still works, a fresh connection gets PONG, and a key written before is still readable.
/// Where Redis answers with a protocol error it closes the connection after the error line: the exact line is checked.
/// </summary>
[Collection(ProtocolCollection.Name)]
public sealed class ProtocolRobustnessTests(NodeFixture node) : E2ETest(node)
{
    private const string InvalidBulkLength = "-ERR Protocol error: invalid bulk length\r\n";
    private const string InvalidMultibulkLength = "-ERR Protocol error: invalid multibulk length\r\n";

    /// <summary>Bad input that Redis answers with one protocol error line before closing the connection.</summary>
    private static readonly Dictionary<string, (string Bytes, string Error)> ProtocolErrors = new()
    {
        ["negative bulk length"] = ("*2\r\n$-5\r\n", InvalidBulkLength),
        ["bulk length -1 in a request"] = ("*1\r\n$-1\r\n", InvalidBulkLength),
        ["huge bulk length"] = ("*2\r\n$99999999999\r\n", InvalidBulkLength),
        ["bulk length beyond 64 bits"] = ("*2\r\n$99999999999999999999999\r\n", InvalidBulkLength),
        ["bulk length over 512MB"] = ("*1\r\n$536870913\r\n", InvalidBulkLength),
        ["non-numeric bulk length"] = ("*1\r\n$abc\r\n", InvalidBulkLength),
        ["empty bulk length"] = ("*1\r\n$\r\n", InvalidBulkLength),
        ["bulk length with a sign"] = ("*1\r\n$+4\r\nPING\r\n", InvalidBulkLength),
        ["non-numeric multibulk length"] = ("*abc\r\n", InvalidMultibulkLength),
        ["empty multibulk length"] = ("*\r\n", InvalidMultibulkLength),
        ["huge multibulk length"] = ("*99999999999\r\n", InvalidMultibulkLength),
        ["multibulk length with a sign"] = ("*+1\r\n$4\r\nPING\r\n", InvalidMultibulkLength),
        ["array element that is not a bulk string"] = ("*1\r\nfoo\r\n", "-ERR Protocol error: expected '$', got 'f'\r\n"),
        ["integer element instead of bulk string"] = ("*2\r\n$4\r\nECHO\r\n:1\r\n", "-ERR Protocol error: expected '$', got ':'\r\n"),
        ["unbalanced quotes in an inline command"] = ("SET a \"b\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"),
        ["inline request over 64KB without newline"] = (new string('a', 66_000), "-ERR Protocol error: too big inline request\r\n"),
        ["multibulk count line over 64KB"] = ("*" + new string('1', 66_000), "-ERR Protocol error: too big mbulk count string\r\n"),
        ["bulk count line over 64KB"] = ("*1\r\n$" + new string('1', 66_000), "-ERR Protocol error: too big bulk count string\r\n"),
    };

    public static TheoryData<string> ProtocolErrorCases => new(ProtocolErrors.Keys);

    /// <summary>Incomplete input after which the client disconnects: Redis replies nothing and just drops the client.</summary>
    private static readonly Dictionary<string, string> TruncatedThenDisconnect = new()
    {
        ["multibulk header *1000000 only"] = "*1000000\r\n",
        ["multibulk *1000000 with a few arguments"] = "*1000000\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\n",
        ["half a multibulk header"] = "*3",
        ["half a bulk header"] = "*2\r\n$3\r\nGET\r\n$1",
        ["bulk payload cut short"] = "*2\r\n$4\r\nECHO\r\n$100000\r\nabcdefghij",
        ["bulk payload without its CRLF"] = "*2\r\n$4\r\nECHO\r\n$3\r\nabc",
        ["inline command without newline"] = "PING",
    };

    public static TheoryData<string> TruncatedCases => new(TruncatedThenDisconnect.Keys);

    private sealed class Bystander : IDisposable
    {
        private readonly RawRespClient _client;

        public Bystander(NodeFixture node)
        {
            _client = node.Raw();
            Assert.Equal(Resp.Pong, _client.Command("PING"));
        }

        public void AssertStillWorks() => Assert.Equal(Resp.Bulk("still here"), _client.Command("ECHO", "still here"));

        public void Dispose() => _client.Dispose();
    }

    private string WriteSentinel()
    {
        var value = "sentinel-" + Guid.NewGuid().ToString("N");
        Expect(Resp.Ok, "SET", K("sentinel"), value);
        return value;
    }

    private void AssertServerIsFine(string sentinelValue, Bystander bystander)
    {
        Node.AssertAlive();
        using var fresh = Node.Raw();
        Assert.Equal(Resp.Pong, fresh.Command("PING"));
        Assert.Equal(Resp.Bulk(sentinelValue), fresh.Command("GET", K("sentinel")));
        bystander.AssertStillWorks();
    }

    /// <summary>Sends, tolerating a server that closes (and resets) the connection before it has read everything.</summary>
    private static void SendTolerant(RawRespClient client, string bytes)
    {
        try
        {
            client.Send(bytes);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted)
        {
        }
    }

    [Theory]
    [MemberData(nameof(ProtocolErrorCases))]
    public void Protocol_error_is_replied_then_the_connection_is_closed(string name)
    {
        var (bytes, error) = ProtocolErrors[name];
        var sentinel = WriteSentinel();
        using var bystander = new Bystander(Node);
        using (var bad = Node.Raw())
        {
            SendTolerant(bad, bytes);
            Assert.Equal(error, bad.ReadUntilClosed());
        }
        AssertServerIsFine(sentinel, bystander);
    }

    [Theory]
    [MemberData(nameof(TruncatedCases))]
    public void Truncated_frame_then_disconnect_gets_no_reply_and_harms_nothing(string name)
    {
        var bytes = TruncatedThenDisconnect[name];
        var sentinel = WriteSentinel();
        using var bystander = new Bystander(Node);
        using (var bad = Node.Raw())
        {
            bad.Send(bytes);
            // Half-close: the server sees end-of-stream mid-frame and must drop the connection without replying.
            bad.ShutdownSend();
            Assert.Equal("", bad.ReadUntilClosed());
        }
        AssertServerIsFine(sentinel, bystander);
    }

    [Fact]
    public void Truncated_set_is_not_executed()
    {
        var sentinel = WriteSentinel();
        using var bystander = new Bystander(Node);
        var key = K("truncated");
        var full = RawRespClient.Encode("SET", key, "value");
        using (var bad = Node.Raw())
        {
            bad.Send(full[..^3]);
            bad.ShutdownSend();
            Assert.Equal("", bad.ReadUntilClosed());
        }
        Expect(Resp.Int(0), "EXISTS", key);
        AssertServerIsFine(sentinel, bystander);
    }

    /// <summary>Waits until the server has dropped the given client (uses CLIENT LIST, so the close has been processed).</summary>
    private void WaitUntilDropped(IEnumerable<string> clientIds)
    {
        var ids = clientIds.ToList();
        Eventually.True(() =>
        {
            var list = Cmd("CLIENT", "LIST");
            return ids.All(id => !list.Contains($"id={id} ", StringComparison.Ordinal));
        }, $"server drops {ids.Count} closed connection(s)");
    }

    [Fact]
    public void Truncated_frame_then_abrupt_close_is_harmless()
    {
        var sentinel = WriteSentinel();
        using var bystander = new Bystander(Node);
        var bad = Node.Raw();
        var id = bad.Command("CLIENT", "ID")[1..^2];
        bad.Send("*3\r\n$3\r\nSET\r\n$5\r\nab");
        bad.Dispose();
        WaitUntilDropped([id]);
        AssertServerIsFine(sentinel, bystander);
    }

    [Theory]
    [InlineData("*-5\r\n")]
    [InlineData("*-1\r\n")]
    [InlineData("*0\r\n")]
    [InlineData("*-5\r\n*0\r\n*-1\r\n")]
    public void Empty_or_negative_multibulk_is_ignored_and_the_connection_goes_on(string prefix)
    {
        var sentinel = WriteSentinel();
        using var bystander = new Bystander(Node);
        using (var c = Node.Raw())
        {
            c.Send(prefix + RawRespClient.Encode("PING") + RawRespClient.Encode("ECHO", "after"));
            Assert.Equal(Resp.Pong, c.ReadReply());
            Assert.Equal(Resp.Bulk("after"), c.ReadReply());
        }
        AssertServerIsFine(sentinel, bystander);
    }

    [Fact]
    public void Empty_command_name_is_an_unknown_command_not_a_crash()
    {
        var sentinel = WriteSentinel();
        using var bystander = new Bystander(Node);
        using (var c = Node.Raw())
        {
            c.Send("*1\r\n$0\r\n\r\n");
            Assert.Equal("-ERR unknown command '', with args beginning with: \r\n", c.ReadReply());
            Assert.Equal(Resp.Pong, c.Command("PING"));
        }
        AssertServerIsFine(sentinel, bystander);
    }

    [Fact]
    public void Protocol_error_after_valid_pipelined_commands_answers_them_first()
    {
        var sentinel = WriteSentinel();
        using var bystander = new Bystander(Node);
        using (var c = Node.Raw())
        {
            c.Send(RawRespClient.Encode("SET", K("before-error"), "1") + RawRespClient.Encode("PING") + "*1\r\n$-5\r\n" + RawRespClient.Encode("SET", K("after-error"), "1"));
            Assert.Equal(Resp.Ok + Resp.Pong + InvalidBulkLength, c.ReadUntilClosed());
        }
        Expect(Resp.Int(1), "EXISTS", K("before-error"));
        Expect(Resp.Int(0), "EXISTS", K("after-error"));
        AssertServerIsFine(sentinel, bystander);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Random_bytes_do_not_crash_the_server(int seed)
    {
        var sentinel = WriteSentinel();
        using var bystander = new Bystander(Node);
        var noise = new byte[4096];
        new Random(seed).NextBytes(noise);
        using (var bad = Node.Raw())
        {
            try
            {
                bad.Send(noise);
                bad.ShutdownSend();
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted)
            {
                // The server already gave up on this connection: fine.
            }
            // Whatever the server replied, it must end the connection once the client has finished sending.
            bad.ReadUntilClosed();
        }
        AssertServerIsFine(sentinel, bystander);
    }

    [Fact]
    public void Random_bytes_inside_a_valid_bulk_string_are_just_data()
    {
        var sentinel = WriteSentinel();
        using var bystander = new Bystander(Node);
        var noise = new byte[2048];
        new Random(99).NextBytes(noise);
        using (var bad = Node.Raw())
        {
            var key = K("noise");
            bad.Send($"*3\r\n$3\r\nSET\r\n${key.Length}\r\n{key}\r\n$2048\r\n");
            bad.Send(noise);
            bad.Send("\r\n");
            Assert.Equal(Resp.Ok, bad.ReadReply());
            Assert.Equal("$2048\r\n" + RawRespClient.Latin1.GetString(noise) + "\r\n", bad.Command("GET", key));
        }
        AssertServerIsFine(sentinel, bystander);
    }

    [Fact]
    public void Many_connections_opened_and_dropped_mid_frame()
    {
        var sentinel = WriteSentinel();
        using var bystander = new Bystander(Node);
        var ids = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            using var c = Node.Raw();
            ids.Add(c.Command("CLIENT", "ID")[1..^2]);
            c.Send($"*2\r\n$4\r\nECHO\r\n${1000 + i}\r\npartial");
        }
        WaitUntilDropped(ids);
        AssertServerIsFine(sentinel, bystander);
    }
}
