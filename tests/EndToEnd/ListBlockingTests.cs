using System.Diagnostics;
using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// BLPOP, BRPOP, BLMPOP, BLMOVE, BRPOPLPUSH: served at once when they can, otherwise woken by a push from another
/// connection, first blocked first served, nil on timeout. A test knows a client is blocked when INFO clients
/// counts it (no sleeps).
/// </summary>
[Collection(ListsCollection.Name)]
public sealed partial class ListBlockingTests(NodeFixture node) : E2ETest(node)
{
    private const string NullArray = "*-1\r\n";

    [Fact]
    public void Blocking_pops_answer_at_once_when_a_list_has_elements()
    {
        Expect(Resp.Int(3), "RPUSH", K("b"), "1", "2", "3");
        Expect(Resp.BulkArray(K("b"), "1"), "BLPOP", K("a"), K("b"), "0");
        Expect(Resp.BulkArray(K("b"), "3"), "BRPOP", K("a"), K("b"), "1");
        Expect(Resp.Array(Resp.Bulk(K("b")), Resp.BulkArray("2")), "BLMPOP", "0", "2", K("a"), K("b"), "LEFT", "COUNT", "9");
        Expect(Resp.Int(2), "RPUSH", K("src"), "x", "y");
        Expect(Resp.Bulk("x"), "BLMOVE", K("src"), K("dst"), "LEFT", "RIGHT", "0");
        Expect(Resp.Bulk("y"), "BRPOPLPUSH", K("src"), K("dst"), "0");
        Expect(Resp.BulkArray("y", "x"), "LRANGE", K("dst"), "0", "-1");
    }

    [Fact]
    public void Timeouts_reply_a_null_array()
    {
        var clock = Stopwatch.StartNew();
        Expect(NullArray, "BLPOP", K("a"), K("b"), "0.2");
        Assert.True(clock.ElapsedMilliseconds >= 150, $"BLPOP returned after {clock.ElapsedMilliseconds} ms");
        Expect(NullArray, "BRPOP", K(), "0.01");
        Expect(NullArray, "BLMPOP", "0.01", "1", K(), "RIGHT");
        Expect(NullArray, "BLMOVE", K(), K("d"), "LEFT", "LEFT", "0.01");
        Expect(NullArray, "BRPOPLPUSH", K(), K("d"), "0.01");
        Expect(Resp.Int(0), "EXISTS", K("d"));
        Expect(Resp.Pong, "PING");
    }

    [Fact]
    public void Timeout_argument_errors()
    {
        const string notFloat = "ERR timeout is not a float or out of range", negative = "ERR timeout is negative";
        Expect(Resp.Err(notFloat), "BLPOP", K(), "x");
        Expect(Resp.Err(notFloat), "BLPOP", K(), "");
        Expect(Resp.Err(notFloat), "BLPOP", K(), " 1");
        Expect(Resp.Err(notFloat), "BLPOP", K(), "nan");
        Expect(Resp.Err(negative), "BLPOP", K(), "-1");
        Expect(Resp.Err(negative), "BRPOP", K(), "inf");
        Expect(Resp.Err(negative), "BRPOP", K(), "9223372036854775807");
        Expect(Resp.Err(notFloat), "BLMPOP", "x", "1", K(), "LEFT");
        Expect(Resp.Err("ERR numkeys should be greater than 0"), "BLMPOP", "0", "0", K(), "LEFT");
        Expect(Resp.Err(notFloat), "BLMOVE", K(), K("d"), "LEFT", "LEFT", "x");
        Expect(Resp.SyntaxError, "BLMOVE", K(), K("d"), "UP", "LEFT", "x");
        Expect(Resp.Err(notFloat), "BRPOPLPUSH", K(), K("d"), "x");
    }

    [Fact]
    public void Blpop_is_woken_by_a_push_from_another_connection()
    {
        using var blocked = Block("BLPOP", K("other"), K(), "0");
        Expect(Resp.Int(2), "RPUSH", K(), "first", "second");
        Assert.Equal(Resp.BulkArray(K(), "first"), blocked.ReadReply());
        Expect(Resp.BulkArray("second"), "LRANGE", K(), "0", "-1");
        Expect(Resp.Int(0), "EXISTS", K("other"));
    }

    [Fact]
    public void Blocked_clients_are_served_first_come_first_served()
    {
        using var first = Block("BRPOP", K(), "0");
        using var second = Block("BLPOP", K(), "0");
        Expect(Resp.Int(1), "LPUSH", K(), "one");
        Assert.Equal(Resp.BulkArray(K(), "one"), first.ReadReply());
        Eventually.True(() => BlockedClients() == 1, "the second client is still blocked");
        Expect(Resp.Int(0), "EXISTS", K());
        Expect(Resp.Int(1), "LPUSH", K(), "two");
        Assert.Equal(Resp.BulkArray(K(), "two"), second.ReadReply());
    }

    [Fact]
    public void One_push_of_several_elements_serves_several_blocked_clients_in_order()
    {
        using var first = Block("BLPOP", K(), "0");
        using var second = Block("BLMPOP", "0", "1", K(), "LEFT", "COUNT", "5");
        Expect(Resp.Int(3), "RPUSH", K(), "a", "b", "c");
        Assert.Equal(Resp.BulkArray(K(), "a"), first.ReadReply());
        Assert.Equal(Resp.Array(Resp.Bulk(K()), Resp.BulkArray("b", "c")), second.ReadReply());
        Eventually.True(() => Cmd("EXISTS", K()) == Resp.Int(0), "the list was emptied by the blocked clients");
    }

    [Fact]
    public void Blmove_is_woken_by_a_push_and_moves_the_element()
    {
        using var blocked = Block("BLMOVE", K("src"), K("dst"), "RIGHT", "LEFT", "0");
        Expect(Resp.Int(1), "RPUSH", K("dst"), "old");
        Expect(Resp.Int(2), "RPUSH", K("src"), "a", "b");
        Assert.Equal(Resp.Bulk("b"), blocked.ReadReply());
        Expect(Resp.BulkArray("b", "old"), "LRANGE", K("dst"), "0", "-1");
        Expect(Resp.BulkArray("a"), "LRANGE", K("src"), "0", "-1");
    }

    [Fact]
    public void Blmove_whose_destination_became_a_string_is_woken_with_wrongtype_and_moves_nothing()
    {
        using var blocked = Block("BLMOVE", K("src"), K("dst"), "LEFT", "LEFT", "0");
        Expect(Resp.Ok, "SET", K("dst"), "string");
        Expect(Resp.Int(1), "RPUSH", K("src"), "x");
        Assert.Equal(Resp.WrongType, blocked.ReadReply());
        Expect(Resp.BulkArray("x"), "LRANGE", K("src"), "0", "-1");
        Expect(Resp.Bulk("string"), "GET", K("dst"));
    }

    [Fact]
    public void Brpoplpush_is_woken_by_an_element_moved_in_by_another_client()
    {
        using var blocked = Block("BRPOPLPUSH", K("wait"), K("dst"), "5");
        Expect(Resp.Int(1), "RPUSH", K("feed"), "v");
        Expect(Resp.Bulk("v"), "LMOVE", K("feed"), K("wait"), "LEFT", "LEFT");
        Assert.Equal(Resp.Bulk("v"), blocked.ReadReply());
        Expect(Resp.BulkArray("v"), "LRANGE", K("dst"), "0", "-1");
        Expect(Resp.Int(0), "EXISTS", K("wait"));
    }

    [Fact]
    public void The_blocked_client_gets_the_element_before_the_pushers_next_command()
    {
        using var blocked = Block("BLPOP", K(), "0");
        Raw.Send(RawRespClient.Encode("RPUSH", K(), "v") + RawRespClient.Encode("LPOP", K()));
        Assert.Equal(Resp.Int(1), Raw.ReadReply());
        Assert.Equal(Resp.Nil, Raw.ReadReply());
        Assert.Equal(Resp.BulkArray(K(), "v"), blocked.ReadReply());
    }

    [Fact]
    public void A_blocked_client_times_out_with_a_null_array_and_leaves_no_waiter()
    {
        using var blocked = Block("BLPOP", K(), "0.3");
        Assert.Equal(NullArray, blocked.ReadReply());
        Expect(Resp.Int(1), "RPUSH", K(), "kept");
        Expect(Resp.BulkArray("kept"), "LRANGE", K(), "0", "-1");
        Assert.Equal(Resp.Pong, blocked.Command("PING"));
    }

    [Fact]
    public void A_client_that_disconnects_while_blocked_takes_nothing()
    {
        int before = BlockedClients();
        var blocked = Block("BLPOP", K(), "0");
        blocked.Dispose();
        Eventually.True(() => BlockedClients() == before, "the closed client is no longer blocked");
        Expect(Resp.Int(1), "RPUSH", K(), "kept");
        Expect(Resp.Int(1), "LLEN", K());
    }

    [Fact]
    public void Replies_before_a_blocking_command_are_sent_and_commands_after_it_wait_for_it()
    {
        using var client = Node.Raw();
        int before = BlockedClients();
        client.Send(RawRespClient.Encode("RPUSH", K("side"), "1") + RawRespClient.Encode("BLPOP", K(), "0") + RawRespClient.Encode("PING"));
        Assert.Equal(Resp.Int(1), client.ReadReply());
        Eventually.True(() => BlockedClients() > before, "BLPOP is blocked");
        Expect(Resp.Int(1), "RPUSH", K(), "x");
        Assert.Equal(Resp.BulkArray(K(), "x"), client.ReadReply());
        Assert.Equal(Resp.Pong, client.ReadReply());
    }

    [Fact]
    public void A_killed_blocked_client_takes_nothing()
    {
        int before = BlockedClients();
        using var blocked = Node.Raw();
        var info = (string?)Resp.Parse(blocked.Command("CLIENT", "INFO")) ?? "";
        var address = Regex.Match(info, @"\baddr=(\S+)").Groups[1].Value;
        blocked.Send(RawRespClient.Encode("BLPOP", K(), "0"));
        Eventually.True(() => BlockedClients() > before, "BLPOP is blocked");
        Expect(Resp.Ok, "CLIENT", "KILL", address);
        Eventually.True(() => BlockedClients() == before, "the killed client is no longer blocked");
        Expect(Resp.Int(1), "RPUSH", K(), "kept");
        Expect(Resp.Int(1), "LLEN", K());
    }

    [Fact]
    public void A_list_renamed_onto_the_key_wakes_the_blocked_client()
    {
        using var blocked = Block("BLPOP", K(), "0");
        Expect(Resp.Int(2), "RPUSH", K("other"), "a", "b");
        Expect(Resp.Ok, "RENAME", K("other"), K());
        Assert.Equal(Resp.BulkArray(K(), "a"), blocked.ReadReply());
        Expect(Resp.BulkArray("b"), "LRANGE", K(), "0", "-1");
    }

    [Fact]
    public void A_blocked_client_waits_in_its_own_database()
    {
        using var blocked = Node.Raw();
        Assert.Equal(Resp.Ok, blocked.Command("SELECT", "3"));
        int before = BlockedClients();
        blocked.Send(RawRespClient.Encode("BLPOP", K(), "0"));
        Eventually.True(() => BlockedClients() > before, "BLPOP in db 3 is blocked");
        Expect(Resp.Int(1), "RPUSH", K(), "db0");
        Expect(Resp.Ok, "SELECT", "3");
        Expect(Resp.Int(1), "RPUSH", K(), "db3");
        Assert.Equal(Resp.BulkArray(K(), "db3"), blocked.ReadReply());
        Expect(Resp.Ok, "SELECT", "0");
        Expect(Resp.BulkArray("db0"), "LRANGE", K(), "0", "-1");
    }
}
