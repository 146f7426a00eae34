using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>PING, ECHO, QUIT, HELLO, CLIENT SETNAME/GETNAME/ID/LIST/INFO.</summary>
[Collection(ServerCollection.Name)]
public sealed partial class ConnectionTests(NodeFixture node) : E2ETest(node)
{
    [Fact]
    public void Ping_without_argument_is_pong()
    {
        Expect(Resp.Pong, "PING");
        Expect(Resp.Pong, "ping");
    }

    [Fact]
    public void Ping_with_argument_echoes_it_as_a_bulk_string()
    {
        Expect(Resp.Bulk("hello"), "PING", "hello");
        Expect(Resp.Bulk("PONG"), "PING", "PONG");
        Expect("$0\r\n\r\n", "PING", "");
        Expect(Resp.Bulk("a\r\nb"), "PING", "a\r\nb");
        Expect(Resp.WrongArity("ping"), "PING", "a", "b");
    }

    [Fact]
    public void Echo_returns_its_argument()
    {
        Expect(Resp.Bulk("Hello World"), "ECHO", "Hello World");
        Expect("$0\r\n\r\n", "ECHO", "");
        Expect(Resp.Bulk("\0\r\n\u00ff"), "ECHO", "\0\r\n\u00ff");
        Expect(Resp.WrongArity("echo"), "ECHO");
        Expect(Resp.WrongArity("echo"), "ECHO", "a", "b");
    }

    [Fact]
    public void Quit_replies_ok_and_closes_the_connection()
    {
        using var c = Node.Raw();
        Assert.Equal(Resp.Pong, c.Command("PING"));
        Assert.Equal(Resp.Ok, c.Command("QUIT"));
        Assert.Equal("", c.ReadUntilClosed());
    }

    [Fact]
    public void Commands_pipelined_after_quit_are_not_executed()
    {
        using (var c = Node.Raw())
        {
            c.Send(RawRespClient.Encode("QUIT") + RawRespClient.Encode("SET", K(), "v"));
            Assert.Equal(Resp.Ok, c.ReadUntilClosed());
        }
        Expect(Resp.Int(0), "EXISTS", K());
    }

    // ---- HELLO ----

    private static Dictionary<string, object?> MapFromFlatArray(object? parsed)
    {
        var list = Assert.IsType<List<object?>>(parsed);
        Assert.True(list.Count % 2 == 0, "HELLO reply must be a map flattened into an array of pairs");
        var map = new Dictionary<string, object?>();
        for (var i = 0; i < list.Count; i += 2)
        {
            map.Add(Assert.IsType<string>(list[i]), list[i + 1]);
        }
        return map;
    }

    [Theory]
    [InlineData("HELLO", "2")]
    [InlineData("HELLO")]
    public void Hello_2_returns_the_server_properties_as_a_flat_array(params string[] command)
    {
        var reply = Cmd(command);
        Assert.StartsWith("*14\r\n", reply);
        var map = MapFromFlatArray(Resp.Parse(reply));
        Assert.Equal(["server", "version", "proto", "id", "mode", "role", "modules"], map.Keys);
        Assert.False(string.IsNullOrEmpty(Assert.IsType<string>(map["server"])));
        Assert.Matches(@"^\d+\.\d+\.\d+", Assert.IsType<string>(map["version"]));
        Assert.Equal(2L, map["proto"]);
        var id = Assert.IsType<long>(map["id"]);
        Assert.Equal(Resp.Int(id), Cmd("CLIENT", "ID"));
        Assert.Equal("standalone", map["mode"]);
        Assert.Equal("master", map["role"]);
        Assert.IsType<List<object?>>(map["modules"]);
        // The connection stays in RESP2.
        Expect(Resp.Nil, "GET", K());
    }

    [Fact]
    public void Hello_2_setname_sets_the_client_name()
    {
        var reply = Cmd("HELLO", "2", "SETNAME", "e2e-hello");
        Assert.StartsWith("*14\r\n", reply);
        Expect(Resp.Bulk("e2e-hello"), "CLIENT", "GETNAME");
    }

    [Theory]
    [InlineData("1")]
    [InlineData("4")]
    [InlineData("0")]
    [InlineData("-1")]
    public void Hello_with_an_unsupported_protocol_version_is_noproto(string version)
    {
        Expect("-NOPROTO unsupported protocol version\r\n", "HELLO", version);
        Expect(Resp.Pong, "PING");
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("2.0")]
    [InlineData("")]
    public void Hello_with_a_non_integer_version_is_an_error(string version)
    {
        Expect(Resp.Err("ERR Protocol version is not an integer or out of range"), "HELLO", version);
    }

    // ---- CLIENT ----

    [Fact]
    public void Client_id_is_stable_per_connection_and_unique()
    {
        var id = Cmd("CLIENT", "ID");
        Assert.Matches(@"^:\d+\r\n$", id);
        Assert.Equal(id, Cmd("CLIENT", "ID"));
        using var other = Node.Raw();
        var otherId = other.Command("CLIENT", "ID");
        Assert.Matches(@"^:\d+\r\n$", otherId);
        Assert.NotEqual(id, otherId);
        Expect(Resp.WrongArity("client|id"), "CLIENT", "ID", "x");
    }

    [Fact]
    public void Client_setname_and_getname()
    {
        Expect(Resp.Nil, "CLIENT", "GETNAME");
        Expect(Resp.Ok, "CLIENT", "SETNAME", "e2e-name");
        Expect(Resp.Bulk("e2e-name"), "CLIENT", "GETNAME");
        Expect(Resp.Ok, "CLIENT", "SETNAME", "other-name");
        Expect(Resp.Bulk("other-name"), "CLIENT", "GETNAME");
        // An empty name removes the name.
        Expect(Resp.Ok, "CLIENT", "SETNAME", "");
        Expect(Resp.Nil, "CLIENT", "GETNAME");
    }

    [Fact]
    public void Client_name_belongs_to_its_connection()
    {
        Expect(Resp.Ok, "CLIENT", "SETNAME", "mine");
        using var other = Node.Raw();
        Assert.Equal(Resp.Nil, other.Command("CLIENT", "GETNAME"));
    }

    [Theory]
    [InlineData("a b")]
    [InlineData("a\nb")]
    [InlineData("a\u0001")]
    [InlineData("\u00e9")]
    public void Client_setname_refuses_spaces_newlines_and_special_characters(string name)
    {
        Expect(Resp.Ok, "CLIENT", "SETNAME", "before");
        Expect(Resp.Err("ERR Client names cannot contain spaces, newlines or special characters."), "CLIENT", "SETNAME", name);
        Expect(Resp.Bulk("before"), "CLIENT", "GETNAME");
    }

    [Fact]
    public void Client_command_errors()
    {
        Expect(Resp.WrongArity("client|setname"), "CLIENT", "SETNAME");
        Expect(Resp.WrongArity("client|getname"), "CLIENT", "GETNAME", "x");
        Expect(Resp.Err("ERR unknown subcommand 'FOO'. Try CLIENT HELP."), "CLIENT", "FOO");
        Expect(Resp.WrongArity("client"), "CLIENT");
    }

    [GeneratedRegex(@"^\$(\d+)\r\n(.*)\r\n$", RegexOptions.Singleline)]
    private static partial Regex BulkPattern();

    private static string BulkBody(string reply)
    {
        var m = BulkPattern().Match(reply);
        Assert.True(m.Success, "expected a bulk string, got " + RawRespClient.Escape(reply));
        Assert.Equal(int.Parse(m.Groups[1].Value), RawRespClient.Latin1.GetByteCount(m.Groups[2].Value));
        return m.Groups[2].Value;
    }

    private static Dictionary<string, string> Fields(string line) =>
        line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(f => f.Split('=', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");

    [Fact]
    public void Client_info_describes_this_connection()
    {
        Expect(Resp.Ok, "CLIENT", "SETNAME", "info-test");
        Expect(Resp.Ok, "SELECT", "3");
        var id = Cmd("CLIENT", "ID")[1..^2];
        var body = BulkBody(Cmd("CLIENT", "INFO"));
        Assert.EndsWith("\n", body);
        Assert.DoesNotContain('\n', body.TrimEnd('\n'));
        var f = Fields(body.TrimEnd('\n'));
        Assert.Equal(id, f["id"]);
        Assert.Equal("info-test", f["name"]);
        Assert.Equal("3", f["db"]);
        Assert.Matches(@"^127\.0\.0\.1:\d+$", f["addr"]);
        Assert.Equal("client|info", f["cmd"]);
        Assert.Equal("2", f["resp"]);
    }

    [Fact]
    public void Client_list_has_one_line_per_connection()
    {
        Expect(Resp.Ok, "CLIENT", "SETNAME", "list-a");
        using var other = Node.Raw();
        Assert.Equal(Resp.Ok, other.Command("CLIENT", "SETNAME", "list-b"));
        var otherId = other.Command("CLIENT", "ID")[1..^2];
        var myId = Cmd("CLIENT", "ID")[1..^2];

        var body = BulkBody(Cmd("CLIENT", "LIST"));
        Assert.EndsWith("\n", body);
        var lines = body.TrimEnd('\n').Split('\n').Select(Fields).ToList();
        Assert.All(lines, l => Assert.True(l.ContainsKey("id") && l.ContainsKey("addr") && l.ContainsKey("name")));
        Assert.Equal(lines.Count, lines.Select(l => l["id"]).Distinct().Count());
        var mine = Assert.Single(lines, l => l["id"] == myId);
        Assert.Equal("list-a", mine["name"]);
        Assert.Equal("client|list", mine["cmd"]);
        var theirs = Assert.Single(lines, l => l["id"] == otherId);
        Assert.Equal("list-b", theirs["name"]);
        Assert.Equal("client|id", theirs["cmd"]);
    }

    [Fact]
    public void Client_list_drops_a_closed_connection()
    {
        string otherId;
        using (var other = Node.Raw())
        {
            otherId = other.Command("CLIENT", "ID")[1..^2];
            Assert.Contains($"id={otherId} ", Cmd("CLIENT", "LIST"));
            Assert.Equal(Resp.Ok, other.Command("QUIT"));
            other.ReadUntilClosed();
        }
        Eventually.True(() => !Cmd("CLIENT", "LIST").Contains($"id={otherId} "), "closed client leaves CLIENT LIST");
    }

    /// <summary>The buffer fields Redis's own suite reads (unit/introspection): qbuf is the input not yet consumed,
    /// the running command's included; argv-mem the asker's running command's arguments; tot-mem their sum with
    /// omem. Passes against redis-server too.</summary>
    [Fact]
    public void Client_info_shows_the_query_buffer_and_the_arguments()
    {
        using var c = Node.Raw();
        Assert.Matches(@" qbuf=26 .* argv-mem=10 ", c.Command("CLIENT", "INFO")); // *2 $6 CLIENT $4 INFO: 26 bytes, 10 of arguments
        c.Send(RawRespClient.Encode("CLIENT", "INFO") + RawRespClient.Encode("PING")); // one read: both in the buffer
        var line = BulkBody(c.ReadReply()).TrimEnd('\n');
        Assert.Equal(Resp.Simple("PONG"), c.ReadReply());
        var f = Fields(line);
        Assert.True(f["qbuf"] is "40" or "26", line); // 40 when both arrived together (as good as always on loopback)
        Assert.Equal("10", f["argv-mem"]);
        Assert.Equal("0", f["omem"]);

        using var idle = Node.Raw();
        string id = idle.Command("CLIENT", "ID")[1..^2];
        idle.Send("*2\r\n$4\r\nECHO\r\n$5\r\nhe"); // half a command, waiting for the rest
        // Buffered: all 20 bytes here (input is parsed once complete); Redis moves the whole arguments out of its
        // query buffer as they arrive (qbuf=2, the "he").
        Eventually.True(() => Fields(BulkBody(c.Command("CLIENT", "LIST", "ID", id)).TrimEnd('\n'))["qbuf"] != "0", "the partial command is buffered");
        if (!Node.IsRedis) Assert.Contains(" qbuf=20 ", c.Command("CLIENT", "LIST", "ID", id));
        idle.Send("llo\r\n");
        Assert.Equal(Resp.Bulk("hello"), idle.ReadReply());
        Eventually.True(() => Fields(BulkBody(c.Command("CLIENT", "LIST", "ID", id)).TrimEnd('\n'))["qbuf"] == "0", "consumed");
    }
}
