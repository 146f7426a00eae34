using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>FUNCTION FLUSH empties the whole server's libraries: function tests get a server of their own.</summary>
[CollectionDefinition(Name)]
public sealed class FunctionsCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "functions";
}

/// <summary>
/// Redis 7 functions: every FUNCTION subcommand, FCALL and FCALL_RO, their replies and error texts compared byte for
/// byte with redis-server 7.0.15 where it is installed (and asserted as Redis's texts against either target), plus
/// what lies outside a reply: SCRIPT FLUSH and FLUSHALL keep functions, DUMP/RESTORE round trips and policies.
/// </summary>
[Collection(FunctionsCollection.Name)]
public sealed class FunctionTests(NodeFixture node, RedisReference redis) : E2ETest(node), IClassFixture<RedisReference>
{
    private const string MyLib = """
        #!lua name=mylib
        local function helper(x) return string.format('%s!', x) end
        redis.register_function('f1', function(keys, args) return helper(keys[1]) end)
        redis.register_function{function_name='f2', callback=function(keys, args) return redis.call('set', keys[1], args[1]) end, flags={'no-writes'}}
        redis.register_function{function_name='f3', callback=function(keys, args) return redis.call('set', keys[1], args[1]) end}
        redis.register_function{function_name='f4', callback=function(keys, args) return redis.call('nosuch') end, flags={'allow-oom','no-writes'}}
        redis.register_function('f5', function(keys, args) globalx = 1 end)
        redis.register_function('f6', function(keys, args) return #keys .. ':' .. #args .. ':' .. tostring(KEYS) end)
        redis.register_function('f7', function(keys, args) error('boom') end)
        redis.register_function{function_name='f8', callback=function(keys, args) return {keys[1], args[1], args[2]} end, flags={'no-writes'}, description='echo'}
        """;

    private const string Single = "#!lua name=single\nredis.register_function{function_name='one', callback=function() return 1 end, flags={'no-writes', 'allow-stale'}, description='the one'}";

    /// <summary>Command lines run in order on a server with no libraries; each reply must be redis-server's.</summary>
    private static readonly string[][] Script =
    [
        ["FUNCTION", "LOAD", MyLib],
        ["FUNCTION", "LOAD", MyLib],
        ["FCALL", "f1", "1", "k"],
        ["FCALL", "F1", "1", "k"],                                   // function names are case-insensitive
        ["FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('F1', function() return 2 end)"],
        ["FCALL", "f2", "1", "fn:k", "v"],
        ["FCALL_RO", "f3", "1", "fn:k", "v"],
        ["FCALL", "f3", "1", "fn:k", "v"],
        ["GET", "fn:k"],
        ["FCALL", "f4", "0"],
        ["FCALL", "f5", "0"],
        ["FCALL", "f6", "2", "a", "b", "c"],
        ["FCALL", "f7", "0"],
        ["FCALL", "f8", "1", "a", "b", "c"],
        ["FCALL_RO", "f8", "1", "a", "b"],
        ["FCALL", "nosuch", "0"],
        ["FCALL_RO", "nosuch", "0"],
        ["FCALL", "f1", "-1"],
        ["FCALL", "f1", "5", "a"],
        ["FCALL", "f1", "x"],
        ["FCALL", "f1"],
        ["FCALL_RO", "f1"],
        ["FUNCTION", "LOAD", "return 1"],
        ["FUNCTION", "LOAD", "#!lua"],
        ["FUNCTION", "LOAD", "#!lua name=x foo=bar\nreturn 1"],
        ["FUNCTION", "LOAD", "#!lua name=x name=y\nreturn 1"],
        ["FUNCTION", "LOAD", "#!lua name=\"quoted\"\nredis.register_function('q', function() return 'q' end)"],
        ["FCALL", "q", "0"],
        ["FUNCTION", "LOAD", "#!lua name=\"x\nreturn 1"],
        ["FUNCTION", "LOAD", "#!lua name=late\nlocal lib = redis\nlib.register_function('late1', function() lib.register_function('late2', function() end) end)"],
        ["FCALL", "late1", "0"],
        ["FUNCTION", "LOAD", "#!lua name=x\nreturn 1"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('f1', function() return 1 end)"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.call('ping')"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('bad name', function() return 1 end)"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('a', 1)"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='a', callback=function() end, flags={'bad'}}"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='a', callback=function() end, foo=1}"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('a')"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function()"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{callback=function() end}"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='a'}"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='a', callback=function() end, flags='no-writes'}"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name={}, callback=function() end}"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='a', callback=1}"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function({}, function() end)"],
        ["FUNCTION", "LOAD", "#!lua name=x\nx = 1"],
        ["FUNCTION", "LOAD", "#!lua name=x\nlocal s = string"],
        ["FUNCTION", "LOAD", "#!lua name=x\nlocal s = redis.pcall"],
        ["FUNCTION", "LOAD", "#!lua name=bad-name\nreturn 1"],
        ["FUNCTION", "LOAD", "#!python name=x\nreturn 1"],
        ["FUNCTION", "LOAD", "#!lua name=x\nerror('boom')"],
        ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('a', function() end)\nredis.register_function('a', function() end)"],
        ["FUNCTION", "LOAD", "#!lua\nreturn 1"],
        ["FUNCTION", "LOAD", "#!lua name=mylib\nreturn 1"],
        ["FUNCTION", "LOAD", "FOO", MyLib],
        ["FUNCTION", "LOAD"],
        ["FUNCTION", "LOAD", "#!lua name=x\nwhile true do end"], // Redis's 500 ms limit on a library's top level
        ["FCALL", "f1", "1", "after-timeout"],
        ["FUNCTION", "LOAD", Single],
        ["FUNCTION", "LIST", "LIBRARYNAME", "sin*"],
        ["FUNCTION", "LIST", "LIBRARYNAME", "single", "WITHCODE"],
        ["FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "nomatch"],
        ["FUNCTION", "LIST", "WITHCODE", "WITHCODE"],
        ["FUNCTION", "LIST", "LIBRARYNAME"],
        ["FUNCTION", "LIST", "foo"],
        ["FCALL_RO", "one", "0"],
        ["FUNCTION", "LOAD", "REPLACE", "#!lua name=single\nredis.register_function('one', function() return 2 end)"],
        ["FCALL", "one", "0"],
        ["FUNCTION", "LIST", "LIBRARYNAME", "single"],
        ["FUNCTION", "LOAD", "REPLACE", "#!lua name=other\nredis.register_function('one', function() return 3 end)"],
        ["FUNCTION", "STATS"],
        ["FUNCTION", "STATS", "foo"],
        ["FUNCTION", "KILL"],
        ["FUNCTION", "DELETE", "nosuch"],
        ["FUNCTION", "DELETE"],
        ["FUNCTION", "DELETE", "single"],
        ["FCALL", "one", "0"],
        ["FUNCTION", "FLUSH", "foo"],
        ["FUNCTION", "FLUSH", "SYNC", "x"],
        ["FUNCTION", "RESTORE", "garbage"],
        ["FUNCTION", "RESTORE", "garbage", "foo"],
        ["FUNCTION", "restore", "garbage", "FLUSH", "extra"],
        ["FUNCTION", "DUMP", "x"],
        ["FUNCTION", "HELP"],
        ["FUNCTION", "NOSUCH"],
        ["FUNCTION", "FLUSH", "ASYNC"],
        ["FUNCTION", "LIST"],
        ["FCALL", "f1", "1", "k"],
        ["FUNCTION", "STATS"],
    ];

    [RedisServerFact]
    public void Every_subcommand_and_error_replies_as_redis_7_0_15()
    {
        using var ours = Node.Raw();
        using var theirs = redis.Server.Raw();
        foreach (var c in new[] { ours, theirs }) Assert.Equal(Resp.Ok, c.Command("FUNCTION", "FLUSH"));
        var differences = new List<string>();
        foreach (var line in Script)
        {
            string expected = theirs.Command(line), actual = ours.Command(line);
            if (expected != actual)
                differences.Add($"{string.Join(' ', line.Select(RawRespClient.Escape))}\n  redis: {RawRespClient.Escape(expected)}\n  ours:  {RawRespClient.Escape(actual)}");
        }
        // RESP3: LIST's maps and flag sets, STATS's maps
        foreach (var c in new[] { ours, theirs })
        {
            c.Command("HELLO", "3");
            c.Command("FUNCTION", "LOAD", Single);
        }
        foreach (var line in new[] { new[] { "FUNCTION", "LIST" }, ["FUNCTION", "LIST", "WITHCODE"], ["FUNCTION", "STATS"], ["FCALL", "one", "0"] })
        {
            string expected = theirs.Command(line), actual = ours.Command(line);
            if (expected != actual)
                differences.Add($"RESP3 {string.Join(' ', line)}\n  redis: {RawRespClient.Escape(expected)}\n  ours:  {RawRespClient.Escape(actual)}");
        }
        foreach (var c in new[] { ours, theirs }) c.Command("FUNCTION", "FLUSH");
        Assert.True(differences.Count == 0, $"{differences.Count} replies differ from redis-server's:\n" + string.Join("\n", differences));
    }

    [Fact]
    public void Load_call_list_delete_and_flush()
    {
        using var c = Node.Raw();
        Assert.Equal(Resp.Ok, c.Command("FUNCTION", "FLUSH"));
        Assert.Equal(Resp.Bulk("mylib"), c.Command("FUNCTION", "LOAD", MyLib));
        Assert.Equal(Resp.Err("ERR Library 'mylib' already exists"), c.Command("FUNCTION", "LOAD", MyLib));
        Assert.Equal(Resp.Bulk("k!"), c.Command("FCALL", "f1", "1", "k"));
        Assert.Equal(Resp.Ok, c.Command("FCALL", "f3", "1", K(), "v"));
        Assert.Equal(Resp.Bulk("v"), c.Command("GET", K()));
        Assert.Equal(Resp.Err("ERR Write commands are not allowed from read-only scripts. script: f2, on @user_function:4."),
            c.Command("FCALL", "f2", "1", K(), "w"));
        Assert.Equal(Resp.Err("ERR Can not execute a script with write flag using *_ro command."), c.Command("FCALL_RO", "f3", "1", K(), "w"));
        Assert.Equal(Resp.BulkArray("a", "b", "c"), c.Command("FCALL_RO", "f8", "1", "a", "b", "c"));
        Assert.Equal(Resp.Err("ERR user_function:9: boom script: f7, on @user_function:9."), c.Command("FCALL", "f7", "0"));
        var list = c.Command("FUNCTION", "LIST", "WITHCODE");
        Assert.Contains(Resp.Bulk("library_code") + Resp.Bulk(MyLib), list);
        Assert.Contains(Resp.Bulk("description") + Resp.Bulk("echo"), list);
        Assert.Equal(Resp.Ok, c.Command("FUNCTION", "DELETE", "mylib"));
        Assert.Equal(Resp.Err("ERR Function not found"), c.Command("FCALL", "f1", "1", "k"));
        Assert.Equal("*0\r\n", c.Command("FUNCTION", "LIST"));
        Assert.Equal(Resp.Bulk("single"), c.Command("FUNCTION", "LOAD", Single));
        Assert.Equal(Resp.Ok, c.Command("FUNCTION", "FLUSH", "SYNC"));
        Assert.Equal(Resp.Err("ERR Function not found"), c.Command("FCALL", "one", "0"));
    }

    [Fact]
    public void Info_memory_counts_cached_scripts_functions_and_libraries()
    {
        using var c = Node.Raw();
        c.Command("FUNCTION", "FLUSH");
        c.Command("SCRIPT", "FLUSH");
        Assert.Equal(Resp.Bulk("mylib"), c.Command("FUNCTION", "LOAD", MyLib));
        Assert.Equal(Resp.Bulk("single"), c.Command("FUNCTION", "LOAD", Single));
        c.Command("SCRIPT", "LOAD", "return 1");
        c.Command("SCRIPT", "LOAD", "return 2");
        c.Command("SCRIPT", "LOAD", "return 3");
        string info = c.Command("INFO", "memory");
        Assert.Contains("number_of_cached_scripts:3\r\n", info);
        Assert.Contains("number_of_functions:9\r\n", info); // mylib's f1..f8 and single's one
        Assert.Contains("number_of_libraries:2\r\n", info);
        c.Command("FUNCTION", "FLUSH");
        c.Command("SCRIPT", "FLUSH");
        info = c.Command("INFO", "memory");
        Assert.Contains("number_of_cached_scripts:0\r\n", info);
        Assert.Contains("number_of_functions:0\r\n", info);
        Assert.Contains("number_of_libraries:0\r\n", info);
    }

    [Fact]
    public void Info_memory_reports_the_lua_heaps_and_what_scripts_and_libraries_hold() => ScriptMemoryFields(Node);

    [RedisServerFact]
    public void Info_memory_script_fields_are_redis_7_0_15s() => ScriptMemoryFields(redis.Server);

    /// <summary>Redis 7.0's scripting sizes: the heaps of the EVAL and functions Lua states (with the old name
    /// used_memory_lua), what cached scripts and libraries hold, and the sums; SCRIPT FLUSH and FUNCTION FLUSH
    /// empty the cache's and the libraries' parts.</summary>
    private static void ScriptMemoryFields(NodeFixture server)
    {
        using var c = server.Raw();
        c.Command("FUNCTION", "FLUSH");
        c.Command("SCRIPT", "FLUSH");
        c.Command("SCRIPT", "LOAD", "return 'a script body of some length'");
        Assert.Equal(Resp.Bulk("mylib"), c.Command("FUNCTION", "LOAD", MyLib));
        var info = InfoFields(c.Command("INFO", "memory"));
        long Field(string name) => long.Parse(info[name]);
        Assert.True(Field("used_memory_vm_eval") > 0);
        Assert.Equal(Field("used_memory_vm_eval"), Field("used_memory_lua"));
        Assert.True(Field("used_memory_vm_functions") > 0);
        Assert.Equal(Field("used_memory_vm_eval") + Field("used_memory_vm_functions"), Field("used_memory_vm_total"));
        Assert.True(Field("used_memory_scripts_eval") > "return 'a script body of some length'".Length);
        Assert.True(Field("used_memory_functions") > MyLib.Length);
        Assert.Equal(Field("used_memory_scripts_eval") + Field("used_memory_functions"), Field("used_memory_scripts"));
        foreach (var human in new[] { "used_memory_lua_human", "used_memory_vm_total_human", "used_memory_scripts_human" })
            Assert.Matches(@"^\d+(B|\.\d\dK)$", info[human]);

        c.Command("SCRIPT", "FLUSH");
        c.Command("FUNCTION", "FLUSH");
        info = InfoFields(c.Command("INFO", "memory"));
        Assert.Equal(0, Field("used_memory_scripts_eval"));
        Assert.True(Field("used_memory_functions") < MyLib.Length); // Redis keeps an empty library table's overhead
    }

    private static Dictionary<string, string> InfoFields(string bulk) =>
        bulk.Split("\r\n").Where(l => l.Contains(':') && !l.StartsWith('$')).ToDictionary(l => l[..l.IndexOf(':')], l => l[(l.IndexOf(':') + 1)..]);

    [Fact]
    public void Script_flush_and_flushall_keep_functions()
    {
        using var c = Node.Raw();
        c.Command("FUNCTION", "FLUSH");
        Assert.Equal(Resp.Bulk("single"), c.Command("FUNCTION", "LOAD", Single));
        Assert.Equal(Resp.Ok, c.Command("SCRIPT", "FLUSH"));
        Assert.Equal(Resp.Int(1), c.Command("FCALL", "one", "0"));
        Assert.Equal(Resp.Ok, c.Command("FLUSHALL"));
        Assert.Equal(Resp.Int(1), c.Command("FCALL", "one", "0"));
        Assert.Equal(Resp.Int(1), c.Command("EVAL", "return 1", "0")); // scripts still work beside functions
        c.Command("FUNCTION", "FLUSH");
    }

    [Fact]
    public void Functions_run_inside_multi_and_their_writes_join_the_transaction()
    {
        using var c = Node.Raw();
        c.Command("FUNCTION", "FLUSH");
        Assert.Equal(Resp.Bulk("mylib"), c.Command("FUNCTION", "LOAD", MyLib));
        Assert.Equal(Resp.Ok, c.Command("MULTI"));
        Assert.Equal(Resp.Simple("QUEUED"), c.Command("FCALL", "f3", "1", K(), "in-multi"));
        Assert.Equal(Resp.Simple("QUEUED"), c.Command("GET", K()));
        Assert.Equal("*2\r\n+OK\r\n" + Resp.Bulk("in-multi"), c.Command("EXEC"));
        c.Command("FUNCTION", "FLUSH");
    }

    [Fact]
    public void Dump_and_restore_round_trip_with_each_policy()
    {
        using var c = Node.Raw();
        c.Command("FUNCTION", "FLUSH");
        c.Command("FUNCTION", "LOAD", MyLib);
        c.Command("FUNCTION", "LOAD", Single);
        string listed = c.Command("FUNCTION", "LIST", "WITHCODE");
        var dump = c.Command("FUNCTION", "DUMP");
        Assert.StartsWith("$", dump);
        string payload = (string)Resp.Parse(dump)!;

        // the first library of the payload that exists is named (payload order is the server's)
        Assert.Matches("^-ERR Library (mylib|single) already exists\r\n$", c.Command("FUNCTION", "RESTORE", payload));
        Assert.Matches("^-ERR Library (mylib|single) already exists\r\n$", c.Command("FUNCTION", "RESTORE", payload, "APPEND"));
        Assert.Equal(Resp.Ok, c.Command("FUNCTION", "RESTORE", payload, "REPLACE"));
        Assert.Equal(listed, c.Command("FUNCTION", "LIST", "WITHCODE"));

        Assert.Equal(Resp.Ok, c.Command("FUNCTION", "FLUSH"));
        Assert.Equal(Resp.Ok, c.Command("FUNCTION", "RESTORE", payload));
        Assert.Equal(listed, c.Command("FUNCTION", "LIST", "WITHCODE"));
        Assert.Equal(Resp.Int(1), c.Command("FCALL", "one", "0"));

        // FLUSH drops what is there first; a library whose function name clashes is refused under APPEND/REPLACE
        c.Command("FUNCTION", "FLUSH");
        Assert.Equal(Resp.Bulk("clash"), c.Command("FUNCTION", "LOAD", "#!lua name=clash\nredis.register_function('one', function() return 9 end)"));
        Assert.Equal(Resp.Err("ERR Function one already exists"), c.Command("FUNCTION", "RESTORE", payload, "REPLACE"));
        Assert.Equal(Resp.Int(9), c.Command("FCALL", "one", "0"));
        Assert.Equal(Resp.Ok, c.Command("FUNCTION", "RESTORE", payload, "FLUSH"));
        Assert.Equal(listed, c.Command("FUNCTION", "LIST", "WITHCODE"));
        Assert.Equal(Resp.Int(1), c.Command("FCALL", "one", "0"));

        // an empty dump restores nothing; a damaged one is refused
        c.Command("FUNCTION", "FLUSH");
        string empty = (string)Resp.Parse(c.Command("FUNCTION", "DUMP"))!;
        Assert.Equal(Resp.Ok, c.Command("FUNCTION", "RESTORE", empty));
        Assert.Equal("*0\r\n", c.Command("FUNCTION", "LIST"));
        var damaged = payload.ToCharArray();
        damaged[damaged.Length / 2] ^= (char)1;
        Assert.Equal(Resp.Err("ERR DUMP payload version or checksum are wrong"), c.Command("FUNCTION", "RESTORE", new string(damaged)));
        Assert.Equal(Resp.Err("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."),
            c.Command("FUNCTION", "RESTORE", payload, "MERGE"));
    }

    [RedisServerFact]
    public void Dump_payloads_move_between_redis_server_and_this_node_either_way()
    {
        using var ours = Node.Raw();
        using var theirs = redis.Server.Raw();
        foreach (var c in new[] { ours, theirs }) Assert.Equal(Resp.Ok, c.Command("FUNCTION", "FLUSH"));
        Assert.Equal(Resp.Bulk("mylib"), theirs.Command("FUNCTION", "LOAD", MyLib));
        Assert.Equal(Resp.Bulk("single"), ours.Command("FUNCTION", "LOAD", Single));

        string fromRedis = (string)Resp.Parse(theirs.Command("FUNCTION", "DUMP"))!;
        string fromUs = (string)Resp.Parse(ours.Command("FUNCTION", "DUMP"))!;
        Assert.Equal(Resp.Ok, ours.Command("FUNCTION", "RESTORE", fromRedis));
        Assert.Equal(Resp.Ok, theirs.Command("FUNCTION", "RESTORE", fromUs));
        // each now holds both libraries, code and all (the order of a library's functions is each server's own)
        foreach (var c in new[] { ours, theirs })
        {
            Assert.Contains(Resp.Bulk("library_code") + Resp.Bulk(MyLib), c.Command("FUNCTION", "LIST", "LIBRARYNAME", "mylib", "WITHCODE"));
            Assert.Contains(Resp.Bulk("library_code") + Resp.Bulk(Single), c.Command("FUNCTION", "LIST", "LIBRARYNAME", "single", "WITHCODE"));
        }
        Assert.Equal(theirs.Command("FCALL", "f8", "1", "k", "a", "b"), ours.Command("FCALL", "f8", "1", "k", "a", "b"));
        Assert.Equal(Resp.Int(1), theirs.Command("FCALL", "one", "0"));

        // a key's payload has a good footer but is not a library: the same error from both
        ours.Command("SET", K("dumped"), "v");
        string keyPayload = (string)Resp.Parse(ours.Command("DUMP", K("dumped")))!;
        Assert.Equal(Resp.Err("ERR given type is not a function"), theirs.Command("FUNCTION", "RESTORE", keyPayload));
        Assert.Equal(Resp.Err("ERR given type is not a function"), ours.Command("FUNCTION", "RESTORE", keyPayload));
        foreach (var c in new[] { ours, theirs }) c.Command("FUNCTION", "FLUSH");
    }

    [Fact]
    public void A_busy_function_shows_in_stats_and_function_kill_stops_it()
    {
        using var c = Node.Raw(TimeSpan.FromSeconds(30));
        using var other = Node.Raw(TimeSpan.FromSeconds(10));
        c.Command("FUNCTION", "FLUSH");
        Assert.Equal(Resp.Bulk("spin"), c.Command("FUNCTION", "LOAD",
            "#!lua name=spin\nredis.register_function{function_name='spin', callback=function() while true do end end, flags={'no-writes'}}"));
        Assert.Equal(Resp.Ok, c.Command("CONFIG", "SET", "busy-reply-threshold", "100"));
        bool answered = false;
        try
        {
            c.Send(RawRespClient.Encode("FCALL", "spin", "0"));
            Eventually.True(() => other.Command("FUNCTION", "STATS").Contains(Resp.Bulk("spin")), "FUNCTION STATS shows the running function",
                TimeSpan.FromSeconds(10));
            var stats = other.Command("FUNCTION", "STATS");
            // once busy: other commands are told to use FUNCTION KILL, and SCRIPT KILL does not stop a function
            Eventually.True(() => other.Command("GET", K()).StartsWith("-BUSY"), "the node is busy", TimeSpan.FromSeconds(10));
            const string busy = "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n";
            Assert.Equal(busy, other.Command("GET", K()));
            Assert.Equal(busy, other.Command("SCRIPT", "KILL"));
            Assert.Contains(Resp.Bulk("command") + Resp.BulkArray("FCALL", "spin", "0"), stats);
            Assert.Contains(Resp.Bulk("duration_ms"), stats);
            // STATS shows the function from its start; KILL answers NOTBUSY until the threshold has passed
            Eventually.True(() => other.Command("FUNCTION", "KILL") == Resp.Ok, "FUNCTION KILL stops the busy function", TimeSpan.FromSeconds(10));
            string killed = c.ReadReply();
            answered = true;
            Assert.StartsWith("-ERR Script killed by user with", killed);
            Assert.Contains(Resp.Bulk("running_script") + Resp.Nil, other.Command("FUNCTION", "STATS"));
        }
        finally
        {
            if (!answered)
            {
                // whatever failed, the node must not stay busy for the next tests
                Eventually.True(() => other.Command("FUNCTION", "KILL") != Resp.Err("NOTBUSY No scripts in execution right now."),
                    "FUNCTION KILL reaches the busy function", TimeSpan.FromSeconds(10));
                c.ReadReply();
            }
            c.Command("CONFIG", "SET", "busy-reply-threshold", "5000");
            c.Command("FUNCTION", "FLUSH");
        }
    }
}
