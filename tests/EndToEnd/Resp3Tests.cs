using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>HELLO 3 and the RESP3 reply types, byte for byte: maps, sets, nulls, verbatim strings, pushes.</summary>
[Collection(ServerCollection.Name)]
public sealed class Resp3Tests(NodeFixture node) : E2ETest(node)
{
    private string Hello(int proto, string id) =>
        (proto == 3 ? "%7\r\n" : "*14\r\n") + "$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n"
        + $":{proto}\r\n$2\r\nid\r\n:{id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n";

    private string SwitchTo3()
    {
        var id = Cmd("CLIENT", "ID")[1..^2];
        Expect(Hello(3, id), "HELLO", "3");
        return id;
    }

    [Fact]
    public void Hello_3_replies_with_a_map_and_switches_the_connection()
    {
        var id = SwitchTo3();
        Expect(Hello(3, id), "HELLO");
        Expect("_\r\n", "GET", K("missing"));
        Expect(Hello(2, id), "HELLO", "2");
        Expect(Resp.Nil, "GET", K("missing"));
    }

    [Fact]
    public void Hello_3_with_setname_and_auth_for_the_default_user_without_a_password()
    {
        var id = Cmd("CLIENT", "ID")[1..^2];
        Expect(Hello(3, id), "HELLO", "3", "SETNAME", "resp3-client");
        Expect(Resp.Bulk("resp3-client"), "CLIENT", "GETNAME");
        Expect(Hello(3, id), "HELLO", "3", "AUTH", "default", "anything");
        Expect(Resp.Err("WRONGPASS invalid username-password pair or user is disabled."), "HELLO", "3", "AUTH", "nobody", "x");
        Expect(Resp.Err("ERR Syntax error in HELLO option 'AUTH'"), "HELLO", "3", "AUTH", "default");
    }

    [Fact]
    public void Nulls_are_the_resp3_null()
    {
        SwitchTo3();
        Expect(Resp.Ok, "SET", K("v"), "1");
        Expect("*2\r\n_\r\n$1\r\n1\r\n", "MGET", K("missing"), K("v"));
        Expect("_\r\n", "CLIENT", "GETNAME");
    }

    [Fact]
    public void Config_get_is_a_map()
    {
        SwitchTo3();
        Expect("%1\r\n$9\r\ndatabases\r\n$2\r\n16\r\n", "CONFIG", "GET", "databases");
        Expect("%0\r\n", "CONFIG", "GET", "no-such-setting");
    }

    [Fact]
    public void Command_info_flags_are_a_set()
    {
        SwitchTo3();
        Assert.StartsWith("*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~", Cmd("COMMAND", "INFO", "get"));
    }

    [Fact]
    public void Info_and_client_info_are_verbatim_text()
    {
        SwitchTo3();
        var info = Cmd("INFO", "server");
        Assert.Matches(@"^=\d+\r\ntxt:# Server\r\n", info);
        var client = Cmd("CLIENT", "INFO");
        Assert.Matches(@"^=\d+\r\ntxt:id=\d+ .* resp=3\n\r\n$", client);
        var length = int.Parse(client[1..client.IndexOf('\r')]);
        Assert.Equal(client.Length - client.IndexOf('\n') - 3, length);
    }

    [Fact]
    public void Pub_sub_messages_are_pushes_and_the_connection_stays_usable()
    {
        SwitchTo3();
        Expect($">3\r\n$9\r\nsubscribe\r\n{Resp.Bulk(K("ch"))}:1\r\n", "SUBSCRIBE", K("ch"));
        using (var publisher = Node.Raw())
        {
            Assert.Equal(Resp.Int(1), publisher.Command("PUBLISH", K("ch"), "hi"));
        }
        Assert.Equal($">3\r\n$7\r\nmessage\r\n{Resp.Bulk(K("ch"))}$2\r\nhi\r\n", Raw.ReadReply());
        // Under RESP3 a subscriber may run any command, and PING is a plain PONG.
        Expect("_\r\n", "GET", K("missing"));
        Expect(Resp.Pong, "PING");
        // Publishing to itself: the push comes before the PUBLISH reply.
        Raw.Send(RawRespClient.Encode("PUBLISH", K("ch"), "self"));
        Assert.Equal($">3\r\n$7\r\nmessage\r\n{Resp.Bulk(K("ch"))}$4\r\nself\r\n", Raw.ReadReply());
        Assert.Equal(Resp.Int(1), Raw.ReadReply());
        Expect($">3\r\n$11\r\nunsubscribe\r\n{Resp.Bulk(K("ch"))}:0\r\n", "UNSUBSCRIBE");
    }

    [Fact]
    public void An_exec_aborted_by_watch_is_the_resp3_null()
    {
        SwitchTo3();
        Expect(Resp.Ok, "WATCH", K("w"));
        using (var other = Node.Raw())
        {
            Assert.Equal(Resp.Ok, other.Command("SET", K("w"), "x"));
        }
        Expect(Resp.Ok, "MULTI");
        Expect(Resp.Simple("QUEUED"), "GET", K("w"));
        Expect("_\r\n", "EXEC");
    }

    [Fact]
    public void Stack_exchange_redis_speaks_resp3_with_the_server()
    {
        Assert.Equal(StackExchange.Redis.RedisProtocol.Resp3, Node.Server.Protocol);
        var db = Node.Db();
        db.StringSet(K("se"), "v");
        Assert.Equal("v", (string?)db.StringGet(K("se")));
        Assert.Contains("redis_version", Node.Server.InfoRaw("server"));
    }
}
