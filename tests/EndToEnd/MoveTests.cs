using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// MOVE key db: replies and errors as redis-server 7.0.15 (checked on both targets), the value and TTL carried,
/// WATCH aborted from either database, move_from/move_to keyspace events, and (HyperCache only) the move replayed
/// from the log after a SIGKILL. Notifications are server-wide, so this shares the notifications collection.
/// </summary>
[Collection(KeyspaceNotificationCollection.Name)]
public sealed class MoveTests(NodeFixture node) : E2ETest(node)
{
    [Fact]
    public void Moves_a_string_with_its_ttl_and_replies_as_Redis()
    {
        using var db1 = Node.Raw();
        Assert.Equal(Resp.Ok, db1.Command("SELECT", "1"));
        Expect(Resp.Int(0), "MOVE", K(), "1");                 // missing
        Expect(Resp.Ok, "SET", K(), "v", "EX", "100");
        Expect(Resp.Int(1), "MOVE", K(), "1");
        Expect(Resp.Int(0), "EXISTS", K());
        Assert.Equal(Resp.Bulk("v"), db1.Command("GET", K()));
        var ttl = Resp.Parse(db1.Command("TTL", K()));
        Assert.InRange((long)ttl!, 95, 100);

        // The target already has it: nothing moves.
        Expect(Resp.Ok, "SET", K(), "other");
        Expect(Resp.Int(0), "MOVE", K(), "1");
        Expect(Resp.Bulk("other"), "GET", K());
        Assert.Equal(Resp.Bulk("v"), db1.Command("GET", K()));
    }

    [Fact]
    public void Moves_collections_and_back()
    {
        using var db2 = Node.Raw();
        Assert.Equal(Resp.Ok, db2.Command("SELECT", "2"));
        Expect(Resp.Int(3), "RPUSH", K("l"), "a", "b", "c");
        Expect(Resp.Int(2), "HSET", K("h"), "f", "1", "g", "2");
        Expect(Resp.Int(1), "MOVE", K("l"), "2");
        Expect(Resp.Int(1), "MOVE", K("h"), "2");
        Assert.Equal(Resp.BulkArray("a", "b", "c"), db2.Command("LRANGE", K("l"), "0", "-1"));
        Assert.Equal(Resp.Int(-1), db2.Command("TTL", K("h")));
        Assert.Equal(Resp.Int(1), db2.Command("MOVE", K("l"), "0"));
        Expect(Resp.BulkArray("a", "b", "c"), "LRANGE", K("l"), "0", "-1");
        Assert.Equal(Resp.Int(0), db2.Command("EXISTS", K("l")));
        Assert.Equal(Resp.Ok, db2.Command("FLUSHDB"));
    }

    [Fact]
    public void Errors_as_Redis()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Err("ERR source and destination objects are the same"), "MOVE", K(), "0");
        Expect(Resp.Err("ERR source and destination objects are the same"), "MOVE", K("missing"), "0");
        Expect(Resp.Err("ERR DB index is out of range"), "MOVE", K(), "16");
        Expect(Resp.Err("ERR DB index is out of range"), "MOVE", K(), "-1");
        Expect(Resp.Err("ERR value is not an integer or out of range"), "MOVE", K(), "one");
        Expect(Resp.Err("ERR value is out of range, value must between -2147483648 and 2147483647"), "MOVE", K(), "99999999999999");
        Expect(Resp.WrongArity("move"), "MOVE", K());
        Expect(Resp.WrongArity("move"), "MOVE", K(), "1", "2");
        Expect(Resp.Bulk("v"), "GET", K());
    }

    [Fact]
    public void Watch_in_either_database_aborts_EXEC()
    {
        Expect(Resp.Ok, "SET", K(), "v");

        // Watched in the source database.
        Expect(Resp.Ok, "WATCH", K());
        using (var other = Node.Raw()) Assert.Equal(Resp.Int(1), other.Command("MOVE", K(), "3"));
        Expect(Resp.Ok, "MULTI");
        Expect(Resp.Simple("QUEUED"), "PING");
        Expect("*-1\r\n", "EXEC");

        // Watched in the target database: moving it back also touches the key there.
        Expect(Resp.Ok, "SELECT", "3");
        Expect(Resp.Ok, "WATCH", K());
        using (var other = Node.Raw())
        {
            Assert.Equal(Resp.Ok, other.Command("SELECT", "3"));
            Assert.Equal(Resp.Int(1), other.Command("MOVE", K(), "0"));
        }
        Expect(Resp.Ok, "MULTI");
        Expect(Resp.Simple("QUEUED"), "PING");
        Expect("*-1\r\n", "EXEC");
        Expect(Resp.Ok, "SELECT", "0");
        Expect(Resp.Bulk("v"), "GET", K());
    }

    [Fact]
    public void Inside_MULTI_it_moves_and_replies()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Ok, "MULTI");
        Expect(Resp.Simple("QUEUED"), "MOVE", K(), "4");
        Expect(Resp.Simple("QUEUED"), "MOVE", K(), "4");
        Expect(Resp.Array(Resp.Int(1), Resp.Int(0)), "EXEC");
        Expect(Resp.Int(0), "EXISTS", K());
        using var db4 = Node.Raw();
        Assert.Equal(Resp.Ok, db4.Command("SELECT", "4"));
        Assert.Equal(Resp.Bulk("v"), db4.Command("GET", K()));
    }

    [Fact]
    public void Publishes_move_from_and_move_to()
    {
        Expect(Resp.Ok, "CONFIG", "SET", "notify-keyspace-events", "KEg");
        try
        {
            using var listener = Node.Raw();
            string pattern = $"__key*@*__:{Prefix}*";
            Assert.Equal(Resp.Array(Resp.Bulk("psubscribe"), Resp.Bulk(pattern), Resp.Int(1)), listener.Command("PSUBSCRIBE", pattern));
            Expect(Resp.Ok, "SET", K(), "v");
            Expect(Resp.Int(1), "MOVE", K(), "5");
            string Message(string channel, string payload) => Resp.BulkArray("pmessage", pattern, channel, payload);
            var expected = new[]
            {
                Message($"__keyspace@0__:{K()}", "move_from"),
                Message($"__keyevent@0__:move_from", K()),
                Message($"__keyspace@5__:{K()}", "move_to"),
                Message($"__keyevent@5__:move_to", K()),
            };
            // The keyevent channels do not match the key pattern: only keyspace ones arrive.
            Assert.Equal(RawRespClient.Escape(expected[0]), RawRespClient.Escape(listener.ReadReply()));
            Assert.Equal(RawRespClient.Escape(expected[2]), RawRespClient.Escape(listener.ReadReply()));
            using var db5 = Node.Raw();
            Assert.Equal(Resp.Ok, db5.Command("SELECT", "5"));
            Assert.Equal(Resp.Int(1), db5.Command("DEL", K()));
        }
        finally
        {
            Cmd("CONFIG", "SET", "notify-keyspace-events", "");
        }
    }
}

/// <summary>MOVE is one logged entry: after a SIGKILL the replay has the key in the target database only, TTL kept.</summary>
[Collection(CrashCollection.Name)]
public sealed class MoveDurabilityTests
{
    [HyperCacheFact]
    public void A_move_replays_after_SIGKILL()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        string digest;
        using (var c = node.Raw())
        {
            Assert.Equal(Resp.Ok, c.Command("SET", "moved", "v", "EX", "1000"));
            Assert.Equal(Resp.Int(2), c.Command("SADD", "set", "a", "b"));
            Assert.Equal(Resp.Ok, c.Command("SET", "stays", "x"));
            Assert.Equal(Resp.Int(1), c.Command("MOVE", "moved", "7"));
            Assert.Equal(Resp.Int(1), c.Command("MOVE", "set", "7"));
            Assert.Equal(Resp.Ok, c.Command("SELECT", "7"));
            Assert.Equal(Resp.Int(1), c.Command("MOVE", "set", "8"));
            digest = (string)Resp.Parse(c.Command("DEBUG", "DIGEST"))!;
        }
        node.Kill9();
        node.Start();
        using var after = node.Raw();
        Assert.Equal(digest, (string)Resp.Parse(after.Command("DEBUG", "DIGEST"))!);
        Assert.Equal(Resp.Int(0), after.Command("EXISTS", "moved", "set"));
        Assert.Equal(Resp.Bulk("x"), after.Command("GET", "stays"));
        Assert.Equal(Resp.Ok, after.Command("SELECT", "7"));
        Assert.Equal(Resp.Bulk("v"), after.Command("GET", "moved"));
        Assert.InRange((long)Resp.Parse(after.Command("TTL", "moved"))!, 900, 1000);
        Assert.Equal(Resp.Ok, after.Command("SELECT", "8"));
        Assert.Equal(Resp.Int(2), after.Command("SCARD", "set"));
    }
}
