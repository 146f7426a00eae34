using System.Text;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>SYNC as <c>redis-cli --rdb</c> sends it: an RDB file of the whole keyspace that a real redis-server
/// 7.0.15 loads with every type, TTL, database and function library; the same offline from a data directory
/// (<c>hypercache replay --out-rdb</c>); and the way in, redis-server's dump.rdb as a snapshot a new node starts from
/// (<c>hypercache snapshot from-rdb</c>). PSYNC (a Redis replica) is refused.</summary>
[Collection(DifferentialCollection.Name)]
public sealed class RdbExportTests(NodeFixture node) : E2ETest(node)
{
    private const string Library = "#!lua name=rdbexport\nredis.register_function('rdbexport_f', function() return 1 end)";

    [RedisServerFact]
    public async Task Sync_sends_an_rdb_file_that_redis_server_loads_whole()
    {
        var keys = MigrateTests.BuildEachType(Raw, K, "list", "zset");
        var contents = keys.Select(k => DumpRestoreDifferentialTests.Content(Raw, k)).ToArray();
        using (var db3 = Node.Raw())
        {
            Assert.Equal(Resp.Ok, db3.Command("SELECT", "3"));
            Assert.Equal(Resp.Ok, db3.Command("SET", K("in-db3"), "three"));
        }
        Expect(Resp.Int(1), "CF.ADD", K("cuckoo"), "x");
        var big = string.Concat(Enumerable.Range(0, 300_000).Select(i => (char)('a' + i % 26))) + new string('z', 2_700_000); // sent in several chunks
        Expect(Resp.Ok, "SET", K("big"), big);
        Expect(Resp.Bulk("rdbexport"), "FUNCTION", "LOAD", "REPLACE", Library);
        try
        {
            byte[] rdb = Sync();
            Assert.Equal("REDIS0010", Encoding.ASCII.GetString(rdb, 0, 9));
            Expect(Resp.Pong, "PING"); // the node goes on serving

            await using var redis = await NodeFixture.StartRedisServerAsync();
            using var reference = redis.Raw();
            LoadInto(reference, rdb);

            for (int i = 0; i < keys.Length; i++) Assert.Equal(contents[i], DumpRestoreDifferentialTests.Content(reference, keys[i]));
            Assert.InRange(long.Parse(reference.Command("PTTL", K("list"))[1..^2]), 90_000, 100_000);
            Assert.Equal(Resp.Int(-1), reference.Command("PTTL", K("string")));
            Assert.Equal(Cmd("DEBUG", "DIGEST-VALUE", K("big")), reference.Command("DEBUG", "DIGEST-VALUE", K("big")));
            Assert.Equal(Resp.Int(0), reference.Command("EXISTS", K("cuckoo"))); // RedisBloom's type: left out
            Assert.Equal(Resp.Ok, reference.Command("SELECT", "3"));
            Assert.Equal(Resp.Bulk("three"), reference.Command("GET", K("in-db3")));
            Assert.Contains("rdbexport_f", reference.Command("FUNCTION", "LIST", "LIBRARYNAME", "rdbexport"));
        }
        finally
        {
            Cmd("FUNCTION", "DELETE", "rdbexport");
        }
    }

    /// <summary>The same file offline, from a stopped node's data directory (<c>hypercache replay --out-rdb</c>).</summary>
    [RedisServerFact]
    public async Task Replay_out_rdb_writes_a_stopped_node_s_data_as_a_file_redis_server_loads()
    {
        using var stopped = new NodeProcess(appendFsync: "always");
        stopped.Start();
        string[] keys, contents;
        using (var c = stopped.Raw())
        {
            keys = MigrateTests.BuildEachType(c, name => "cli:" + name, "zset");
            contents = keys.Select(k => DumpRestoreDifferentialTests.Content(c, k)).ToArray();
        }
        Assert.Equal(0, stopped.Terminate());
        string file = Path.Combine(stopped.DataDir, "export.rdb");
        var replay = HyperCacheCli.Run("replay", "--data-dir", stopped.DataDir, "--out-rdb", file, "--json");
        Assert.True(replay.Exit == 0, replay.ToString());
        Assert.Equal(keys.Length, replay.Json["out_rdb_keys"]!.GetValue<long>());

        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        LoadInto(reference, File.ReadAllBytes(file));
        for (int i = 0; i < keys.Length; i++) Assert.Equal(contents[i], DumpRestoreDifferentialTests.Content(reference, keys[i]));
        Assert.InRange(long.Parse(reference.Command("PTTL", "cli:zset")[1..^2]), 1, 100_000);
    }

    /// <summary>The way in: redis-server's own dump.rdb (its compact encodings: listpacks, an intset, a quicklist)
    /// through <c>hypercache snapshot from-rdb</c>, and a new node started from that snapshot.</summary>
    [RedisServerFact]
    public async Task A_redis_server_dump_becomes_a_snapshot_a_new_node_starts_from()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        var keys = MigrateTests.BuildEachType(reference, name => "in:" + name, "hash").Append("in:intset").ToArray();
        reference.Command("SADD", "in:intset", "1", "2", "3");
        using (var db3 = redis.Raw())
        {
            db3.Command("SELECT", "3");
            db3.Command("SET", "in:db3", "three");
        }
        Assert.Equal(Resp.Bulk("rdbimport"), reference.Command("FUNCTION", "LOAD", Library.Replace("rdbexport", "rdbimport")));
        var contents = keys.Select(k => DumpRestoreDifferentialTests.Content(reference, k)).ToArray();
        Assert.Equal(Resp.Ok, reference.Command("SAVE"));
        var dir = Resp.ParseFlatArray(reference.Command("CONFIG", "GET", "dir"))[1]!;
        var dump = Path.Combine(dir, Resp.ParseFlatArray(reference.Command("CONFIG", "GET", "dbfilename"))[1]!);

        string snapshot = Path.Combine(dir, "from-rdb.hcs");
        var import = HyperCacheCli.Run("snapshot", "from-rdb", dump, "--out", snapshot, "--json");
        Assert.True(import.Exit == 0, import.ToString());
        Assert.Equal(keys.Length + 1, import.Json["keys"]!.GetValue<long>());
        Assert.Equal(1, import.Json["libraries"]!.GetValue<int>());

        using var node = new NodeProcess(extraArgs: ["--from-snapshot", snapshot]);
        node.Start();
        using var c = node.Raw();
        for (int i = 0; i < keys.Length; i++) Assert.Equal(contents[i], DumpRestoreDifferentialTests.Content(c, keys[i]));
        Assert.InRange(long.Parse(c.Command("PTTL", "in:hash")[1..^2]), 1, 100_000);
        Assert.Equal(Resp.Int(1), c.Command("FCALL", "rdbimport_f", "0"));
        Assert.Equal(Resp.Ok, c.Command("SELECT", "3"));
        Assert.Equal(Resp.Bulk("three"), c.Command("GET", "in:db3"));
    }

    [Fact]
    public void A_damaged_rdb_file_is_refused_with_exit_code_1()
    {
        string dir = Directory.CreateTempSubdirectory("hc-rdb-").FullName;
        try
        {
            string file = Path.Combine(dir, "dump.rdb");
            using (var c = Node.Raw())
            {
                c.Command("SET", K("damaged"), "v");
            }
            byte[] rdb = Sync();
            rdb[rdb.Length / 2] ^= 0x55;
            File.WriteAllBytes(file, rdb);
            var import = HyperCacheCli.Run("snapshot", "from-rdb", file, "--out", Path.Combine(dir, "x.hcs"));
            Assert.Equal(1, import.Exit);
            Assert.Contains("error:", import.Err);
            Assert.False(File.Exists(Path.Combine(dir, "x.hcs")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Makes redis-server load <paramref name="rdb"/> as its dump file.</summary>
    private static void LoadInto(RawRespClient reference, byte[] rdb)
    {
        var dir = Resp.ParseFlatArray(reference.Command("CONFIG", "GET", "dir"))[1]!;
        var file = Resp.ParseFlatArray(reference.Command("CONFIG", "GET", "dbfilename"))[1]!;
        File.WriteAllBytes(Path.Combine(dir, file), rdb);
        Assert.Equal(Resp.Ok, reference.Command("DEBUG", "RELOAD", "NOSAVE"));
    }

    /// <summary>redis-cli --functions-rdb: REPLCONF rdb-filter-only functions, then SYNC: the libraries alone.</summary>
    [RedisServerFact]
    public async Task A_functions_only_file_holds_the_libraries_and_no_key()
    {
        Cmd("SET", K("not-in-it"), "v");
        Expect(Resp.Bulk("rdbexport"), "FUNCTION", "LOAD", "REPLACE", Library);
        try
        {
            byte[] rdb = Sync(functionsOnly: true);
            await using var redis = await NodeFixture.StartRedisServerAsync();
            using var reference = redis.Raw();
            LoadInto(reference, rdb);
            Assert.Equal(Resp.Int(0), reference.Command("DBSIZE"));
            Assert.Contains("rdbexport_f", reference.Command("FUNCTION", "LIST", "LIBRARYNAME", "rdbexport"));
            Assert.True(Sync().Length > rdb.Length, "a plain SYNC on another connection still holds the keys");
        }
        finally
        {
            Cmd("FUNCTION", "DELETE", "rdbexport");
        }
    }

    [Fact]
    public void Psync_is_refused_with_a_clear_error_and_sync_in_multi_too()
    {
        Assert.StartsWith("-ERR PSYNC is not supported", Cmd("PSYNC", "?", "-1"));
        Expect(Resp.Ok, "MULTI");
        Assert.StartsWith("-ERR", Cmd("SYNC"));
        Cmd("DISCARD");
    }

    /// <summary>SYNC as redis-cli sends it (inline), the reply read as Redis sends a full sync's payload: $length,
    /// CRLF, the bytes, nothing after them; then the node closes the connection.</summary>
    private byte[] Sync(bool functionsOnly = false)
    {
        using var c = Node.Raw(TimeSpan.FromSeconds(30));
        if (functionsOnly) Assert.Equal(Resp.Ok, c.Command("REPLCONF", "rdb-filter-only", "functions")); // as redis-cli --functions-rdb
        c.Send("SYNC\r\n");
        string reply = c.ReadUntilClosed(TimeSpan.FromSeconds(30));
        int header = reply.IndexOf("\r\n", StringComparison.Ordinal);
        Assert.True(reply.StartsWith('$') && header > 1, $"SYNC: {RawRespClient.Escape(reply[..Math.Min(80, reply.Length)])}");
        int length = int.Parse(reply[1..header]);
        var payload = Encoding.Latin1.GetBytes(reply[(header + 2)..]);
        Assert.Equal(length, payload.Length);
        return payload;
    }
}
