using System.Diagnostics;
using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// BZPOPMIN, BZPOPMAX, BZMPOP: served at once when a key holds members, otherwise woken by a ZADD (or a
/// ZUNIONSTORE) from another connection, first blocked first served, nil on timeout, never blocking inside EXEC.
/// A test knows a client is blocked when INFO clients counts it (no sleeps).
/// </summary>
[Collection(SortedSetsCollection.Name)]
public sealed partial class SortedSetBlockingTests(NodeFixture node) : E2ETest(node)
{
    private const string NullArray = "*-1\r\n";

    [Fact]
    public void Blocking_pops_answer_at_once_when_a_key_has_members()
    {
        Expect(Resp.Int(3), "ZADD", K("b"), "1", "one", "2", "two", "3", "three");
        Expect(Resp.BulkArray(K("b"), "one", "1"), "BZPOPMIN", K("a"), K("b"), "0");
        Expect(Resp.BulkArray(K("b"), "three", "3"), "BZPOPMAX", K("a"), K("b"), "1");
        Expect(Resp.Array(Resp.Bulk(K("b")), Resp.Array(Resp.BulkArray("two", "2"))), "BZMPOP", "0", "2", K("a"), K("b"), "MIN", "COUNT", "5");
        Expect(Resp.Int(0), "EXISTS", K("b"));
    }

    [Fact]
    public void Timeouts_reply_a_null_array()
    {
        var clock = Stopwatch.StartNew();
        Expect(NullArray, "BZPOPMIN", K("a"), K("b"), "0.2");
        Assert.True(clock.ElapsedMilliseconds >= 150, $"BZPOPMIN returned after {clock.ElapsedMilliseconds} ms");
        Expect(NullArray, "BZPOPMAX", K(), "0.01");
        Expect(NullArray, "BZMPOP", "0.01", "1", K(), "MAX");
        Expect(Resp.Pong, "PING");
    }

    [Fact]
    public void Argument_and_type_errors()
    {
        Expect(Resp.Err("ERR timeout is not a float or out of range"), "BZPOPMIN", K(), "x");
        Expect(Resp.Err("ERR timeout is negative"), "BZPOPMAX", K(), "-1");
        Expect(Resp.Err("ERR numkeys should be greater than 0"), "BZMPOP", "0", "0", K(), "MIN");
        Expect(Resp.SyntaxError, "BZMPOP", "0", "1", K(), "UP");
        Expect(Resp.SyntaxError, "BZMPOP", "0", "3", K(), "MIN");
        Expect(Resp.Err("ERR count should be greater than 0"), "BZMPOP", "0", "1", K(), "MIN", "COUNT", "0");
        Expect(Resp.WrongArity("bzpopmin"), "BZPOPMIN", K());
        Expect(Resp.WrongArity("bzmpop"), "BZMPOP", "0", "1", K());
        Expect(Resp.Ok, "SET", K("s"), "x");
        Expect(Resp.WrongType, "BZPOPMIN", K("s"), "0");
    }

    [Fact]
    public void Bzpopmin_is_woken_by_a_zadd_from_another_connection()
    {
        using var blocked = Block("BZPOPMIN", K("other"), K(), "0");
        Expect(Resp.Int(2), "ZADD", K(), "5", "five", "4", "four");
        Assert.Equal(Resp.BulkArray(K(), "four", "4"), blocked.ReadReply());
        Expect(Resp.BulkArray("five"), "ZRANGE", K(), "0", "-1");
        Expect(Resp.Int(0), "EXISTS", K("other"));
    }

    [Fact]
    public void Blocked_clients_are_served_first_come_first_served()
    {
        using var first = Block("BZPOPMAX", K(), "0");
        using var second = Block("BZPOPMAX", K(), "0");
        Expect(Resp.Int(1), "ZADD", K(), "1", "a");
        Assert.Equal(Resp.BulkArray(K(), "a", "1"), first.ReadReply());
        Expect(Resp.Int(1), "ZADD", K(), "2", "b");
        Assert.Equal(Resp.BulkArray(K(), "b", "2"), second.ReadReply());
    }

    [Fact]
    public void Bzmpop_is_woken_by_a_zunionstore_and_takes_up_to_count()
    {
        Expect(Resp.Int(3), "ZADD", K("src"), "1", "x", "2", "y", "3", "z");
        using var blocked = Block("BZMPOP", "0", "1", K(), "MAX", "COUNT", "2");
        Expect(Resp.Int(3), "ZUNIONSTORE", K(), "1", K("src"));
        Assert.Equal(Resp.Array(Resp.Bulk(K()), Resp.Array(Resp.BulkArray("z", "3"), Resp.BulkArray("y", "2"))), blocked.ReadReply());
        Expect(Resp.BulkArray("x"), "ZRANGE", K(), "0", "-1");
    }

    [Fact]
    public void Inside_exec_a_blocking_pop_answers_at_once()
    {
        using var c = Node.Raw();
        Assert.Equal(Resp.Ok, c.Command("MULTI"));
        Assert.Equal("+QUEUED\r\n", c.Command("BZPOPMIN", K(), "0"));
        Assert.Equal("*1\r\n" + NullArray, c.Command("EXEC"));
    }
}
