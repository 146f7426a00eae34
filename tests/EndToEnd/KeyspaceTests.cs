using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>DEL, UNLINK, EXISTS, TOUCH, TYPE, RENAME, RENAMENX, COPY, RANDOMKEY, DBSIZE.</summary>
/// <remarks>
/// In the keys collection's server, db 4 is reserved for the SCAN full-iteration test, db 5 for RANDOMKEY, db 6 for DBSIZE, and no test writes to db 7:
/// those tests need a database whose whole content they know.
/// </remarks>
[Collection(KeysCollection.Name)]
public sealed class KeyspaceTests(NodeFixture node) : E2ETest(node)
{
    public const int RandomKeyDb = 5;
    public const int DbSizeDb = 6;
    public const int NeverWrittenDb = 7;

    [Theory]
    [InlineData("DEL")]
    [InlineData("UNLINK")]
    public void Del_and_unlink_count_the_keys_actually_removed(string command)
    {
        Expect(Resp.Ok, "MSET", K("a"), "1", K("b"), "2", K("c"), "3");
        Expect(Resp.Int(1), command, K("a"));
        Expect(Resp.Int(0), command, K("a"));
        // A repeated key is removed once; missing keys count zero.
        Expect(Resp.Int(2), command, K("b"), K("b"), K("missing"), K("c"));
        Expect(Resp.Int(0), "EXISTS", K("a"), K("b"), K("c"));
        Expect(Resp.WrongArity(command.ToLowerInvariant()), command);
    }

    [Fact]
    public void Del_removes_a_key_with_a_ttl()
    {
        Expect(Resp.Ok, "SET", K(), "v", "EX", "100");
        Expect(Resp.Int(1), "DEL", K());
        Expect(Resp.Int(-2), "TTL", K());
        Expect(Resp.Ok, "SET", K(), "w");
        Expect(Resp.Int(-1), "TTL", K());
    }

    [Fact]
    public void Exists_counts_every_occurrence_including_duplicates()
    {
        Expect(Resp.Int(0), "EXISTS", K("a"));
        Expect(Resp.Ok, "MSET", K("a"), "1", K("b"), "2");
        Expect(Resp.Int(1), "EXISTS", K("a"));
        Expect(Resp.Int(2), "EXISTS", K("a"), K("b"));
        Expect(Resp.Int(3), "EXISTS", K("a"), K("a"), K("a"));
        Expect(Resp.Int(4), "EXISTS", K("a"), K("missing"), K("b"), K("a"), K("b"));
        Expect(Resp.WrongArity("exists"), "EXISTS");
    }

    [Fact]
    public void Touch_counts_existing_keys_including_duplicates()
    {
        Expect(Resp.Ok, "MSET", K("a"), "1", K("b"), "2");
        Expect(Resp.Int(3), "TOUCH", K("a"), K("b"), K("missing"), K("a"));
        Expect(Resp.Int(0), "TOUCH", K("missing"));
        Expect(Resp.Int(0), "EXISTS", K("missing"));
        Expect(Resp.WrongArity("touch"), "TOUCH");
    }

    [Fact]
    public void Type_of_string_and_missing_key()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Simple("string"), "TYPE", K());
        Expect(Resp.Ok, "SET", K("n"), "12");
        Expect(Resp.Simple("string"), "TYPE", K("n"));
        Expect(Resp.Simple("none"), "TYPE", K("missing"));
        Expect(Resp.WrongArity("type"), "TYPE");
    }

    // ---- RENAME / RENAMENX ----

    [Fact]
    public void Rename_moves_the_value_and_the_ttl()
    {
        Expect(Resp.Ok, "SET", K("src"), "v", "EX", "100");
        Expect(Resp.Ok, "RENAME", K("src"), K("dst"));
        Expect(Resp.Int(0), "EXISTS", K("src"));
        Expect(Resp.Bulk("v"), "GET", K("dst"));
        Assert.NotEqual(Resp.Int(-1), Cmd("TTL", K("dst")));
    }

    [Fact]
    public void Rename_overwrites_the_destination_and_its_ttl()
    {
        Expect(Resp.Ok, "SET", K("src"), "new");
        Expect(Resp.Ok, "SET", K("dst"), "old", "EX", "100");
        Expect(Resp.Ok, "RENAME", K("src"), K("dst"));
        Expect(Resp.Bulk("new"), "GET", K("dst"));
        Expect(Resp.Int(-1), "TTL", K("dst"));
    }

    [Fact]
    public void Rename_of_a_missing_key_is_an_error()
    {
        Expect(Resp.Err("ERR no such key"), "RENAME", K("missing"), K("dst"));
        Expect(Resp.Err("ERR no such key"), "RENAME", K("missing"), K("missing"));
        Expect(Resp.Int(0), "EXISTS", K("dst"));
    }

    [Fact]
    public void Rename_to_itself_is_ok()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Ok, "RENAME", K(), K());
        Expect(Resp.Bulk("v"), "GET", K());
        Expect(Resp.WrongArity("rename"), "RENAME", K());
    }

    [Fact]
    public void Renamenx_only_renames_to_a_missing_key()
    {
        Expect(Resp.Ok, "MSET", K("a"), "1", K("b"), "2");
        Expect(Resp.Int(0), "RENAMENX", K("a"), K("b"));
        Expect(Resp.BulkArray("1", "2"), "MGET", K("a"), K("b"));
        Expect(Resp.Int(1), "RENAMENX", K("a"), K("c"));
        Expect(Resp.BulkArray(null, "1"), "MGET", K("a"), K("c"));
        Expect(Resp.Int(0), "RENAMENX", K("c"), K("c"));
        Expect(Resp.Err("ERR no such key"), "RENAMENX", K("missing"), K("d"));
        Expect(Resp.WrongArity("renamenx"), "RENAMENX", K("c"));
    }

    // ---- COPY ----

    [Fact]
    public void Copy_duplicates_value_and_ttl()
    {
        Expect(Resp.Ok, "SET", K("src"), "v", "EX", "100");
        Expect(Resp.Int(1), "COPY", K("src"), K("dst"));
        Expect(Resp.BulkArray("v", "v"), "MGET", K("src"), K("dst"));
        Assert.NotEqual(Resp.Int(-1), Cmd("TTL", K("dst")));
        // Independent copies.
        Expect(Resp.Int(2), "APPEND", K("dst"), "w");
        Expect(Resp.Bulk("v"), "GET", K("src"));
    }

    [Fact]
    public void Copy_does_not_overwrite_without_replace()
    {
        Expect(Resp.Ok, "MSET", K("src"), "new", K("dst"), "old");
        Expect(Resp.Int(0), "COPY", K("src"), K("dst"));
        Expect(Resp.Bulk("old"), "GET", K("dst"));
        Expect(Resp.Int(1), "COPY", K("src"), K("dst"), "REPLACE");
        Expect(Resp.Bulk("new"), "GET", K("dst"));
    }

    [Fact]
    public void Copy_of_a_missing_key_returns_zero()
    {
        Expect(Resp.Int(0), "COPY", K("missing"), K("dst"));
        Expect(Resp.Int(0), "COPY", K("missing"), K("dst"), "REPLACE");
        Expect(Resp.Int(0), "EXISTS", K("dst"));
    }

    [Fact]
    public void Copy_to_itself_is_an_error()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Err("ERR source and destination objects are the same"), "COPY", K(), K());
        Expect(Resp.Err("ERR source and destination objects are the same"), "COPY", K(), K(), "REPLACE");
    }

    [Fact]
    public void Copy_to_another_database()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Int(1), "COPY", K(), K(), "DB", "1");
        Expect(Resp.Int(0), "COPY", K(), K(), "DB", "1");
        Expect(Resp.Ok, "SET", K(), "w");
        Expect(Resp.Int(1), "COPY", K(), K(), "DB", "1", "REPLACE");
        Expect(Resp.Ok, "SELECT", "1");
        Expect(Resp.Bulk("w"), "GET", K());
        Expect(Resp.Int(1), "DEL", K());
        Expect(Resp.Ok, "SELECT", "0");
        Expect(Resp.Bulk("w"), "GET", K());
    }

    [Fact]
    public void Copy_to_another_database_through_the_client_library()
    {
        var db0 = Node.Db(0);
        var db2 = Node.Db(2);
        db0.StringSet(K(), "v", TimeSpan.FromSeconds(100));
        Assert.True(db0.KeyCopy(K(), K("copy"), destinationDatabase: 2));
        Assert.Equal("v", (string?)db2.StringGet(K("copy")));
        Assert.NotNull(db2.KeyTimeToLive(K("copy")));
        Assert.False(db0.KeyExists(K("copy")));
        db2.KeyDelete(K("copy"));
    }

    [Theory]
    [InlineData("ERR DB index is out of range", "DB", "16")]
    [InlineData("ERR DB index is out of range", "DB", "-1")]
    [InlineData("ERR value is not an integer or out of range", "DB", "abc")]
    [InlineData("ERR syntax error", "FOO")]
    [InlineData("ERR syntax error", "DB")]
    public void Copy_option_errors(string error, params string[] options)
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Err(error), ["COPY", K(), K("dst"), .. options]);
        Expect(Resp.Int(0), "EXISTS", K("dst"));
    }

    [Fact]
    public void Copy_with_wrong_arity()
    {
        Expect(Resp.WrongArity("copy"), "COPY", K());
    }

    // ---- RANDOMKEY / DBSIZE (dedicated databases) ----

    [Fact]
    public void Randomkey_returns_nil_on_an_empty_database_and_a_key_otherwise()
    {
        Expect(Resp.Ok, "SELECT", RandomKeyDb.ToString());
        Expect(Resp.Nil, "RANDOMKEY");
        Expect(Resp.Ok, "SET", K("only"), "v");
        Expect(Resp.Bulk(K("only")), "RANDOMKEY");
        Expect(Resp.Ok, "SET", K("other"), "v");
        var seen = new HashSet<string>();
        for (var i = 0; i < 200 && seen.Count < 2; i++)
        {
            seen.Add(Cmd("RANDOMKEY"));
        }
        Assert.Equal(new[] { Resp.Bulk(K("only")), Resp.Bulk(K("other")) }.Order(), seen.Order());
        Expect(Resp.Int(2), "DEL", K("only"), K("other"));
        Expect(Resp.Nil, "RANDOMKEY");
        Expect(Resp.WrongArity("randomkey"), "RANDOMKEY", "x");
    }

    [Fact]
    public void Randomkey_never_returns_an_expired_key()
    {
        Expect(Resp.Ok, "SELECT", RandomKeyDb.ToString());
        Expect(Resp.Ok, "SET", K("gone"), "v", "PX", "20");
        Eventually.True(() => Cmd("RANDOMKEY") == Resp.Nil, "RANDOMKEY on a db whose only key expired is nil");
    }

    [Fact]
    public void Dbsize_counts_the_keys_of_the_selected_database()
    {
        Expect(Resp.Ok, "SELECT", DbSizeDb.ToString());
        Expect(Resp.Int(0), "DBSIZE");
        Expect(Resp.Ok, "MSET", K("a"), "1", K("b"), "2", K("c"), "3");
        Expect(Resp.Int(3), "DBSIZE");
        Expect(Resp.Int(1), "DEL", K("a"));
        Expect(Resp.Int(2), "DBSIZE");
        Expect(Resp.Ok, "SELECT", NeverWrittenDb.ToString());
        Expect(Resp.Int(0), "DBSIZE");
        Expect(Resp.Ok, "SELECT", DbSizeDb.ToString());
        Expect(Resp.Int(2), "DEL", K("b"), K("c"));
        Expect(Resp.Int(0), "DBSIZE");
        Expect(Resp.WrongArity("dbsize"), "DBSIZE", "x");
    }

    [Fact]
    public void Dbsize_through_the_client_library()
    {
        var server = Node.Server;
        var db = Node.Db(DbSizeDb);
        var before = server.DatabaseSize(DbSizeDb);
        db.StringSet(K("x"), "1");
        Assert.Equal(before + 1, server.DatabaseSize(DbSizeDb));
        db.KeyDelete(K("x"));
        Assert.Equal(before, server.DatabaseSize(DbSizeDb));
    }
}
