using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>MULTI, EXEC, DISCARD, WATCH, UNWATCH.</summary>
[Collection(KeysCollection.Name)]
public sealed class TransactionTests(NodeFixture node) : E2ETest(node)
{
    private static readonly string Queued = Resp.Simple("QUEUED");

    [Fact]
    public void Multi_queues_commands_and_exec_runs_them_in_order()
    {
        Expect(Resp.Ok, "MULTI");
        Expect(Queued, "SET", K(), "1");
        Expect(Queued, "INCR", K());
        Expect(Queued, "GET", K());
        Expect(Queued, "GET", K("missing"));
        Expect(Resp.Array(Resp.Ok, Resp.Int(2), Resp.Bulk("2"), Resp.Nil), "EXEC");
        Expect(Resp.Bulk("2"), "GET", K());
    }

    [Fact]
    public void Runtime_errors_inside_exec_are_per_command_replies_and_the_rest_still_run()
    {
        Expect(Resp.Ok, "SET", K("text"), "abc");
        Expect(Resp.Ok, "MULTI");
        Expect(Queued, "INCR", K("text"));
        Expect(Queued, "SET", K("after"), "yes");
        Expect(Queued, "SET", K("after"), "v", "EX", "0");
        Expect(Resp.Array(Resp.Err("ERR value is not an integer or out of range"), Resp.Ok, Resp.InvalidExpire("set")), "EXEC");
        Expect(Resp.Bulk("yes"), "GET", K("after"));
    }

    [Fact]
    public void Queuing_errors_abort_the_whole_transaction()
    {
        Expect(Resp.Ok, "MULTI");
        Expect(Queued, "SET", K(), "1");
        Expect(Resp.Err("ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' "), "NOSUCHCOMMAND", "x");
        Expect(Resp.WrongArity("get"), "GET");
        Expect(Resp.Err("EXECABORT Transaction discarded because of previous errors."), "EXEC");
        Expect(Resp.Nil, "GET", K());
        // The transaction is over.
        Expect(Resp.Err("ERR EXEC without MULTI"), "EXEC");
    }

    [Fact]
    public void Save_is_refused_inside_multi_and_dooms_it()
    {
        // Redis flags SAVE (and SHUTDOWN, see ShutdownTests) no_multi
        Expect(Resp.Ok, "MULTI");
        Expect(Queued, "SET", K(), "1");
        Expect(Resp.Err("ERR Command not allowed inside a transaction"), "SAVE");
        Expect(Resp.Err("EXECABORT Transaction discarded because of previous errors."), "EXEC");
        Expect(Resp.Nil, "GET", K());
    }

    [Fact]
    public void Discard_drops_the_queue()
    {
        Expect(Resp.Ok, "MULTI");
        Expect(Queued, "SET", K(), "1");
        Expect(Resp.Ok, "DISCARD");
        Expect(Resp.Nil, "GET", K());
        Expect(Resp.Err("ERR DISCARD without MULTI"), "DISCARD");
    }

    [Fact]
    public void Misplaced_transaction_commands_get_redis_errors()
    {
        Expect(Resp.Err("ERR EXEC without MULTI"), "EXEC");
        Expect(Resp.Err("ERR DISCARD without MULTI"), "DISCARD");
        Expect(Resp.WrongArity("watch"), "WATCH");
        Expect(Resp.WrongArity("unwatch"), "UNWATCH", "x");
        Expect(Resp.Ok, "MULTI");
        Expect(Resp.Err("ERR MULTI calls can not be nested"), "MULTI");
        Expect(Resp.Err("ERR WATCH inside MULTI is not allowed"), "WATCH", K());
        // Neither error dooms the transaction.
        Expect(Queued, "SET", K(), "v");
        Expect(Resp.Array(Resp.Ok), "EXEC");
    }

    [Fact]
    public void A_refused_exec_discards_the_transaction()
    {
        Expect(Resp.Ok, "MULTI");
        Expect(Queued, "SET", K(), "1");
        Expect(Resp.Err("EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command"), "EXEC", "x");
        Expect(Resp.Err("ERR EXEC without MULTI"), "EXEC");
        Expect(Resp.Nil, "GET", K());
    }

    [Fact]
    public void An_empty_transaction_replies_an_empty_array()
    {
        Expect(Resp.Ok, "MULTI");
        Expect(Resp.EmptyArray, "EXEC");
    }

    [Fact]
    public void Watch_aborts_exec_when_another_client_writes_the_key()
    {
        Expect(Resp.Ok, "SET", K(), "0");
        Expect(Resp.Ok, "WATCH", K());
        using (var other = Node.Raw())
        {
            Assert.Equal(Resp.Ok, other.Command("SET", K(), "theirs"));
        }
        Expect(Resp.Ok, "MULTI");
        Expect(Queued, "SET", K(), "mine");
        Expect("*-1\r\n", "EXEC");
        Expect(Resp.Bulk("theirs"), "GET", K());
    }

    [Fact]
    public void Watch_aborts_on_a_delete_and_on_an_expire_by_another_client()
    {
        foreach (var write in new[] { new[] { "DEL", K() }, new[] { "EXPIRE", K(), "100" } })
        {
            Expect(Resp.Ok, "SET", K(), "0");
            Expect(Resp.Ok, "WATCH", K());
            using (var other = Node.Raw())
            {
                other.Command(write);
            }
            Expect(Resp.Ok, "MULTI");
            Expect(Queued, "GET", K());
            Expect("*-1\r\n", "EXEC");
        }
    }

    /// <summary>Redis signals SMOVE's destination only when the member was added to it (its set tests' "SMOVE only
    /// notify dstset when the addition is successful").</summary>
    [Fact]
    public void Smove_aborts_a_watch_on_its_destination_only_when_it_adds_the_member()
    {
        Expect(Resp.Int(2), "SADD", K("src"), "a", "b");
        Expect(Resp.Int(1), "SADD", K("dst"), "a");
        Expect(Resp.Ok, "WATCH", K("dst"));
        using (var other = Node.Raw())
            Assert.Equal(Resp.Int(1), other.Command("SMOVE", K("src"), K("dst"), "a"));
        Expect(Resp.Ok, "MULTI");
        Expect(Queued, "SADD", K("dst"), "c");
        Expect("*1\r\n:1\r\n", "EXEC");
        Expect(Resp.Int(1), "SISMEMBER", K("src"), "b");
        Expect(Resp.Int(0), "SISMEMBER", K("src"), "a");

        Expect(Resp.Ok, "WATCH", K("dst"));
        using (var other = Node.Raw())
            Assert.Equal(Resp.Int(1), other.Command("SMOVE", K("src"), K("dst"), "b"));
        Expect(Resp.Ok, "MULTI");
        Expect(Queued, "SCARD", K("dst"));
        Expect("*-1\r\n", "EXEC");
        Expect(Resp.Int(3), "SCARD", K("dst")); // a, c, b
    }

    [Fact]
    public void Bitop_aborts_a_watch_on_its_destination_but_not_on_its_sources()
    {
        Expect(Resp.Int(0), "SETBIT", K("src"), "9", "1");
        Expect(Resp.Ok, "WATCH", K("src"));
        using (var other = Node.Raw())
        {
            Assert.Equal(Resp.Int(2), other.Command("BITOP", "OR", K("dst"), K("src"), K("missing")));
        }
        Expect(Resp.Ok, "MULTI");
        Expect(Queued, "GET", K("dst"));
        Expect(Resp.Array(Resp.Bulk("\0@")), "EXEC"); // the sources were read, not written: as Redis
        Expect(Resp.Ok, "WATCH", K("dst"));
        using (var other = Node.Raw())
        {
            Assert.Equal(Resp.Int(2), other.Command("BITOP", "NOT", K("dst"), K("src")));
        }
        Expect(Resp.Ok, "MULTI");
        Expect(Queued, "GET", K("dst"));
        Expect("*-1\r\n", "EXEC");
    }

    [Fact]
    public void Watch_sees_the_destination_of_set_stores_not_their_sources()
    {
        Expect(Resp.Int(2), "SADD", K("s1"), "a", "b");
        Expect(Resp.Int(1), "ZADD", K("z1"), "1", "a");
        Expect(Resp.Ok, "WATCH", K("s1"), K("z1"));
        using (var other = Node.Raw())
        {
            Assert.Equal(Resp.Int(2), other.Command("SUNIONSTORE", K("dst"), K("s1"), K("missing")));
            Assert.Equal(Resp.Int(2), other.Command("ZUNIONSTORE", K("zdst"), "2", K("z1"), K("s1"), "AGGREGATE", "MAX"));
        }
        Expect(Resp.Ok, "MULTI");
        Expect(Queued, "SCARD", K("dst"));
        Expect(Resp.Array(Resp.Int(2)), "EXEC"); // the sources were read, not written: as Redis
        foreach (var store in new[] { new[] { "SINTERSTORE", K("dst"), K("s1"), K("s1") }, ["ZINTERSTORE", K("zdst"), "2", K("z1"), K("s1")] })
        {
            Expect(Resp.Ok, "WATCH", store[1]);
            using (var other = Node.Raw())
            {
                other.Command(store);
            }
            Expect(Resp.Ok, "MULTI");
            Expect(Queued, "PING");
            Expect("*-1\r\n", "EXEC");
        }
    }

    [Fact]
    public void Watch_does_not_abort_for_other_keys_and_ends_with_exec()
    {
        Expect(Resp.Ok, "WATCH", K("a"), K("b"));
        using (var other = Node.Raw())
        {
            Assert.Equal(Resp.Ok, other.Command("SET", K("unrelated"), "x"));
        }
        Expect(Resp.Ok, "MULTI");
        Expect(Queued, "SET", K("a"), "1");
        Expect(Resp.Array(Resp.Ok), "EXEC");
        // EXEC forgot the watches: a later write does not affect the next transaction.
        using (var other = Node.Raw())
        {
            Assert.Equal(Resp.Ok, other.Command("SET", K("a"), "2"));
        }
        Expect(Resp.Ok, "MULTI");
        Expect(Queued, "GET", K("a"));
        Expect(Resp.Array(Resp.Bulk("2")), "EXEC");
    }

    [Fact]
    public void Unwatch_and_discard_forget_the_watched_keys()
    {
        Expect(Resp.Ok, "WATCH", K());
        Expect(Resp.Ok, "UNWATCH");
        using (var other = Node.Raw())
        {
            Assert.Equal(Resp.Ok, other.Command("SET", K(), "x"));
        }
        Expect(Resp.Ok, "MULTI");
        Expect(Resp.Array(), "EXEC");

        Expect(Resp.Ok, "WATCH", K());
        Expect(Resp.Ok, "MULTI");
        Expect(Resp.Ok, "DISCARD");
        using (var other = Node.Raw())
        {
            Assert.Equal(Resp.Ok, other.Command("SET", K(), "y"));
        }
        Expect(Resp.Ok, "MULTI");
        Expect(Resp.Array(), "EXEC");
    }

    [Fact]
    public void A_watched_key_that_expires_before_exec_aborts_it()
    {
        // The key must still be there when WATCH runs (on a loaded machine 50 ms can pass between SET and WATCH;
        // a key already gone when watched is no change): try again, a bounded number of times, until it was.
        for (int attempt = 0; ; attempt++)
        {
            Expect(Resp.Ok, "SET", K(), "v", "PX", "100");
            Expect(Resp.Ok, "WATCH", K());
            if (Cmd("PTTL", K()) is var ttl && !ttl.StartsWith(":-", StringComparison.Ordinal)) break;
            Assert.True(attempt < 20, "the key expired before WATCH every time");
            Expect(Resp.Ok, "UNWATCH");
        }
        Eventually.True(() => Cmd("PTTL", K()) == Resp.Int(-2), "key expired");
        Expect(Resp.Ok, "MULTI");
        Expect(Queued, "SET", K(), "new");
        Expect("*-1\r\n", "EXEC");
    }

    [Fact]
    public void Exec_is_atomic_for_other_clients()
    {
        // A reader (itself reading both keys in one transaction) never sees one write of a transaction without the other.
        using var reader = Node.Raw();
        for (var round = 0; round < 100; round++)
        {
            Raw.Send(RawRespClient.Encode("MULTI") + RawRespClient.Encode("SET", K("a"), round.ToString())
                + RawRespClient.Encode("SET", K("b"), round.ToString()) + RawRespClient.Encode("EXEC"));
            reader.Send(RawRespClient.Encode("MULTI") + RawRespClient.Encode("GET", K("a"))
                + RawRespClient.Encode("GET", K("b")) + RawRespClient.Encode("EXEC"));
            Assert.Equal(Resp.Ok, reader.ReadReply());
            Assert.Equal(Queued, reader.ReadReply());
            Assert.Equal(Queued, reader.ReadReply());
            var pair = Assert.IsType<List<object?>>(Resp.Parse(reader.ReadReply()));
            Assert.Equal(pair[0], pair[1]);
            Assert.Equal(Resp.Ok, Raw.ReadReply());
            Assert.Equal(Queued, Raw.ReadReply());
            Assert.Equal(Queued, Raw.ReadReply());
            Assert.Equal(Resp.Array(Resp.Ok, Resp.Ok), Raw.ReadReply());
        }
    }

    [Fact]
    public void Stack_exchange_redis_transaction_with_a_condition()
    {
        var db = Node.Db();
        db.StringSet(K("guard"), "open");
        var tx = db.CreateTransaction();
        tx.AddCondition(StackExchange.Redis.Condition.StringEqual(K("guard"), "open"));
        _ = tx.StringSetAsync(K("value"), "first");
        _ = tx.StringSetAsync(K("guard"), "closed");
        Assert.True(tx.Execute());
        var again = db.CreateTransaction();
        again.AddCondition(StackExchange.Redis.Condition.StringEqual(K("guard"), "open"));
        _ = again.StringSetAsync(K("value"), "second");
        Assert.False(again.Execute());
        Assert.Equal("first", (string?)db.StringGet(K("value")));
    }
}
