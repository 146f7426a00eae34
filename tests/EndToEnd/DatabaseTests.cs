using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>SELECT, FLUSHDB, FLUSHALL, SWAPDB. These wipe whole databases, so they have a server of their own.</summary>
[Collection(DatabasesCollection.Name)]
public sealed class DatabaseTests(NodeFixture node) : E2ETest(node)
{
    private void FlushAll() => Expect(Resp.Ok, "FLUSHALL");

    private string In(int db, params string[] command)
    {
        using var c = Node.Raw();
        var selected = c.Command("SELECT", db.ToString());
        Assert.Equal(Resp.Ok, selected);
        return c.Command(command);
    }

    [Fact]
    public void Select_accepts_databases_0_to_15()
    {
        for (var db = 0; db < 16; db++)
        {
            Expect(Resp.Ok, "SELECT", db.ToString());
        }
    }

    [Theory]
    [InlineData("16", "ERR DB index is out of range")]
    [InlineData("-1", "ERR DB index is out of range")]
    [InlineData("1000000", "ERR DB index is out of range")]
    [InlineData("abc", "ERR value is not an integer or out of range")]
    [InlineData("1.5", "ERR value is not an integer or out of range")]
    [InlineData("", "ERR value is not an integer or out of range")]
    public void Select_errors_keep_the_current_database(string index, string error)
    {
        Expect(Resp.Ok, "SELECT", "3");
        Expect(Resp.Ok, "SET", K(), "in3");
        Expect(Resp.Err(error), "SELECT", index);
        Expect(Resp.Bulk("in3"), "GET", K());
    }

    [Fact]
    public void Select_with_wrong_arity()
    {
        Expect(Resp.WrongArity("select"), "SELECT");
        Expect(Resp.WrongArity("select"), "SELECT", "1", "2");
    }

    [Fact]
    public void Databases_are_separate_keyspaces()
    {
        Expect(Resp.Ok, "SET", K(), "zero");
        Expect(Resp.Ok, "SELECT", "1");
        Expect(Resp.Nil, "GET", K());
        Expect(Resp.Ok, "SET", K(), "one");
        Expect(Resp.Ok, "SELECT", "15");
        Expect(Resp.Int(0), "EXISTS", K());
        Expect(Resp.Ok, "SELECT", "0");
        Expect(Resp.Bulk("zero"), "GET", K());
        Assert.Equal(Resp.Bulk("one"), In(1, "GET", K()));
    }

    [Fact]
    public void Selected_database_belongs_to_the_connection()
    {
        Expect(Resp.Ok, "SELECT", "2");
        Expect(Resp.Ok, "SET", K(), "two");
        using var other = Node.Raw();
        Assert.Equal(Resp.Nil, other.Command("GET", K()));
        Expect(Resp.Bulk("two"), "GET", K());
    }

    [Fact]
    public void Client_library_addresses_databases_by_number()
    {
        var db7 = Node.Db(7);
        var db8 = Node.Db(8);
        db7.StringSet(K(), "seven");
        db8.StringSet(K(), "eight");
        Assert.Equal("seven", (string?)db7.StringGet(K()));
        Assert.Equal("eight", (string?)db8.StringGet(K()));
        Assert.Equal(Resp.Bulk("seven"), In(7, "GET", K()));
    }

    [Theory]
    [InlineData]
    [InlineData("SYNC")]
    [InlineData("ASYNC")]
    [InlineData("async")]
    public void Flushdb_empties_only_the_selected_database(params string[] options)
    {
        FlushAll();
        Expect(Resp.Ok, "MSET", K("a"), "1", K("b"), "2");
        Expect(Resp.Ok, "SET", K("ttl"), "1", "EX", "100");
        Assert.Equal(Resp.Ok, In(1, "SET", K(), "kept"));
        Expect(Resp.Ok, ["FLUSHDB", .. options]);
        Expect(Resp.Int(0), "DBSIZE");
        Expect(Resp.Int(0), "EXISTS", K("a"), K("b"), K("ttl"));
        Assert.Equal(Resp.Bulk("kept"), In(1, "GET", K()));
        Assert.Equal(Resp.Int(1), In(1, "DBSIZE"));
    }

    [Theory]
    [InlineData]
    [InlineData("SYNC")]
    [InlineData("ASYNC")]
    public void Flushall_empties_every_database(params string[] options)
    {
        Expect(Resp.Ok, "SET", K(), "0");
        Assert.Equal(Resp.Ok, In(1, "SET", K(), "1"));
        Assert.Equal(Resp.Ok, In(15, "SET", K(), "15", "PX", "100000"));
        Expect(Resp.Ok, ["FLUSHALL", .. options]);
        for (var db = 0; db < 16; db++)
        {
            Assert.Equal(Resp.Int(0), In(db, "DBSIZE"));
        }
        Expect(Resp.Nil, "RANDOMKEY");
    }

    [Fact]
    public void Flush_commands_reject_unknown_options()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.SyntaxError, "FLUSHDB", "FOO");
        Expect(Resp.SyntaxError, "FLUSHALL", "FOO");
        Expect(Resp.SyntaxError, "FLUSHDB", "SYNC", "ASYNC");
        Expect(Resp.SyntaxError, "FLUSHALL", "ASYNC", "x");
        Expect(Resp.Bulk("v"), "GET", K());
    }

    [Fact]
    public void Database_is_usable_right_after_a_flush()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Ok, "FLUSHDB");
        Expect(Resp.Ok, "SET", K(), "w");
        Expect(Resp.Bulk("w"), "GET", K());
        Expect(Resp.Int(1), "DBSIZE");
    }

    [Fact]
    public void Swapdb_swaps_contents_and_ttls()
    {
        FlushAll();
        Assert.Equal(Resp.Ok, In(1, "MSET", K("a"), "from1", K("only1"), "x"));
        Assert.Equal(Resp.Ok, In(1, "SET", K("ttl"), "t", "EX", "100"));
        Assert.Equal(Resp.Ok, In(2, "SET", K("a"), "from2"));
        Expect(Resp.Ok, "SWAPDB", "1", "2");
        Assert.Equal(Resp.Bulk("from2"), In(1, "GET", K("a")));
        Assert.Equal(Resp.Int(0), In(1, "EXISTS", K("only1"), K("ttl")));
        Assert.Equal(Resp.Bulk("from1"), In(2, "GET", K("a")));
        Assert.Equal(Resp.Bulk("x"), In(2, "GET", K("only1")));
        Assert.NotEqual(Resp.Int(-1), In(2, "TTL", K("ttl")));
        Assert.Equal(Resp.Int(1), In(1, "DBSIZE"));
        Assert.Equal(Resp.Int(3), In(2, "DBSIZE"));
    }

    [Fact]
    public void Swapdb_is_seen_by_a_connection_that_has_the_database_selected()
    {
        FlushAll();
        Expect(Resp.Ok, "SELECT", "3");
        Expect(Resp.Ok, "SET", K(), "three");
        using var other = Node.Raw();
        Assert.Equal(Resp.Ok, other.Command("SWAPDB", "3", "4"));
        // This connection still has db 3 selected, which now holds what db 4 held (nothing).
        Expect(Resp.Nil, "GET", K());
        Expect(Resp.Ok, "SELECT", "4");
        Expect(Resp.Bulk("three"), "GET", K());
    }

    /// <summary>As in Redis (its list tests' "SWAPDB awakes blocked client"): the swap brings the waited-on key in.</summary>
    [Fact]
    public void Swapdb_serves_a_client_blocked_on_a_key_the_swap_brings_in()
    {
        FlushAll();
        Assert.Equal(Resp.Int(1), In(8, "RPUSH", K(), "hello"));
        using var blocked = Node.Raw();
        Assert.Equal(Resp.Ok, blocked.Command("SELECT", "9"));
        int before = BlockedClients();
        blocked.Send(RawRespClient.Encode("BRPOP", K(), "0"));
        Eventually.True(() => BlockedClients() > before, "BRPOP in db 9 is blocked");
        Expect(Resp.Ok, "SWAPDB", "8", "9");
        Assert.Equal(Resp.BulkArray(K(), "hello"), blocked.ReadReply());
        Assert.Equal(Resp.Int(0), In(9, "EXISTS", K()));
    }

    /// <summary>As Redis (its stream tests' "Blocking XREADGROUP: flushed DB"): a flush takes the stream away.</summary>
    [Fact]
    public void Flushdb_unblocks_an_xreadgroup_on_a_stream_it_removes()
    {
        FlushAll();
        Assert.Equal(Resp.Ok, In(8, "XGROUP", "CREATE", K(), "g", "$", "MKSTREAM"));
        using var blocked = Node.Raw();
        Assert.Equal(Resp.Ok, blocked.Command("SELECT", "8"));
        int before = BlockedClients();
        blocked.Send(RawRespClient.Encode("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", K(), ">"));
        Eventually.True(() => BlockedClients() > before, "XREADGROUP in db 8 is blocked");
        Assert.Equal(Resp.Ok, In(8, "FLUSHDB"));
        Assert.Equal(Resp.Err("UNBLOCKED the stream key no longer exists"), blocked.ReadReply());
    }

    [Fact]
    public void Swapdb_with_itself_is_ok_and_changes_nothing()
    {
        Expect(Resp.Ok, "SELECT", "5");
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Ok, "SWAPDB", "5", "5");
        Expect(Resp.Bulk("v"), "GET", K());
    }

    [Theory]
    [InlineData("ERR DB index is out of range", "0", "16")]
    [InlineData("ERR DB index is out of range", "16", "0")]
    [InlineData("ERR DB index is out of range", "-1", "0")]
    [InlineData("ERR invalid first DB index", "abc", "0")]
    [InlineData("ERR invalid second DB index", "0", "abc")]
    [InlineData("ERR invalid first DB index", "1.5", "0")]
    public void Swapdb_errors(string error, string a, string b)
    {
        Expect(Resp.Err(error), "SWAPDB", a, b);
    }

    [Fact]
    public void Swapdb_with_wrong_arity()
    {
        Expect(Resp.WrongArity("swapdb"), "SWAPDB", "0");
        Expect(Resp.WrongArity("swapdb"), "SWAPDB", "0", "1", "2");
    }
}
