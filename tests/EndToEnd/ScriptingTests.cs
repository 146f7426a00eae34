using System.Security.Cryptography;
using System.Text;
using HyperCache.EndToEnd.Tests.Infrastructure;
using StackExchange.Redis;

namespace HyperCache.EndToEnd.Tests;

/// <summary>SCRIPT FLUSH empties the whole server's cache: scripting tests get a server of their own.</summary>
[CollectionDefinition(Name)]
public sealed class ScriptingCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "scripting";
}

/// <summary>EVAL, EVALSHA, EVAL_RO, SCRIPT: conversions both ways, errors, atomicity, as Redis 7.0.</summary>
[Collection(ScriptingCollection.Name)]
public sealed class ScriptingTests(NodeFixture node) : E2ETest(node)
{
    private static string Sha1(string script) => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(script)));

    /// <summary>The reply of a script that raised: the error, then where (Redis 7.0's shape).</summary>
    private static string Raised(string message, string script, int line = 1)
        => Resp.Err($"{message} script: {Sha1(script)}, on @user_script:{line}.");

    [Theory]
    [InlineData("return 1", ":1\r\n")]
    [InlineData("return 3.99", ":3\r\n")]
    [InlineData("return -3.99", ":-3\r\n")]
    [InlineData("return 'hello'", "$5\r\nhello\r\n")]
    [InlineData("return true", ":1\r\n")]
    [InlineData("return false", "$-1\r\n")]
    [InlineData("return nil", "$-1\r\n")]
    [InlineData("return {1, 'two', {3}, nil, 5}", "*3\r\n:1\r\n$3\r\ntwo\r\n*1\r\n:3\r\n")]
    [InlineData("return {1, false, 2}", "*3\r\n:1\r\n$-1\r\n:2\r\n")]
    [InlineData("return {}", "*0\r\n")]
    [InlineData("return {ok='fine'}", "+fine\r\n")]
    [InlineData("return {err='MYERR bad'}", "-MYERR bad\r\n")]
    [InlineData("return redis.status_reply('DONE')", "+DONE\r\n")]
    [InlineData("return redis.error_reply('MY bad thing')", "-MY bad thing\r\n")]
    [InlineData("return redis.error_reply('boom')", "-ERR boom\r\n")]
    [InlineData("return redis.sha1hex('')", "$40\r\nda39a3ee5e6b4b0d3255bfef95601890afd80709\r\n")]
    [InlineData("return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}", "*4\r\n:0\r\n:1\r\n:2\r\n:3\r\n")]
    [InlineData("return unpack({7, 8})", ":7\r\n")]
    public void Lua_values_become_replies(string script, string expected) => Expect(expected, "EVAL", script, "0");

    [Fact]
    public void Command_replies_become_lua_values()
    {
        Expect(Resp.Bulk("boolean"), "EVAL", "return type(redis.call('get', KEYS[1]))", "1", K());
        Expect(Resp.Bulk("OK"), "EVAL", "return redis.call('set', KEYS[1], '5').ok", "1", K());
        Expect(Resp.Bulk("string"), "EVAL", "return type(redis.call('get', KEYS[1]))", "1", K());
        Expect(Resp.Bulk("number 6"), "EVAL", "local n = redis.call('incr', KEYS[1]) return type(n) .. ' ' .. n", "1", K());
        Expect(Resp.Int(2), "RPUSH", K("list"), "a", "b");
        Expect(Resp.Bulk("2ab"), "EVAL", "local t = redis.call('lrange', KEYS[1], 0, -1) return #t .. t[1] .. t[2]", "1", K("list"));
        Expect(Resp.Bulk("table"), "EVAL", "return type(redis.call('lrange', KEYS[1], 0, -1))", "1", K("none"));
        // a reply passed straight back is the same reply
        Expect(Resp.BulkArray("a", "b"), "EVAL", "return redis.call('lrange', KEYS[1], 0, -1)", "1", K("list"));
        Expect(Resp.Simple("OK"), "EVAL", "return redis.call('set', KEYS[1], 'x')", "1", K());
        Expect(Resp.Nil, "EVAL", "return redis.call('get', KEYS[1])", "1", K("missing"));
    }

    [Fact]
    public void Numbers_passed_to_commands_are_formatted_as_redis_does()
    {
        Expect(Resp.Bulk("7"), "EVAL", "redis.call('set', KEYS[1], 7) return redis.call('get', KEYS[1])", "1", K());
        Expect(Resp.Bulk("2.5"), "EVAL", "redis.call('set', KEYS[1], 5 / 2) return redis.call('get', KEYS[1])", "1", K());
        Expect(Resp.Bulk("3"), "EVAL", "redis.call('set', KEYS[1], 6 / 2) return redis.call('get', KEYS[1])", "1", K());
    }

    [Fact]
    public void Values_are_binary_safe_both_ways()
    {
        const string binary = "a\0b\r\n\u00ff";
        Expect(Resp.Bulk(binary), "EVAL", "redis.call('set', KEYS[1], ARGV[1]) return redis.call('get', KEYS[1])", "1", K(), binary);
        Expect(Resp.Int(6), "EVAL", "return string.len(ARGV[1])", "0", binary);
    }

    [Fact]
    public void Setresp_3_gives_the_script_resp3_types()
    {
        Expect(Resp.Int(1), "HSET", K("h"), "f", "v");
        Expect(Resp.Int(1), "ZADD", K("z"), "1.5", "m");
        Expect(Resp.BulkArray("f", "v"), "EVAL", "redis.setresp(3) return redis.call('hgetall', KEYS[1])", "1", K("h"));
        Expect(Resp.Bulk("v"), "EVAL", "redis.setresp(3) return redis.call('hgetall', KEYS[1]).map.f", "1", K("h"));
        Expect(Resp.Bulk("1.5"), "EVAL", "redis.setresp(3) return redis.call('zscore', KEYS[1], 'm')", "1", K("z"));
        Expect(Resp.Int(1), "EVAL", "redis.setresp(3) return redis.call('get', KEYS[1]) == nil", "1", K("missing"));
        Expect(Resp.Int(1), "EVAL", "return redis.call('get', KEYS[1]) == false", "1", K("missing"));
        const string bad = "redis.setresp(4)";
        Expect(Raised("ERR RESP version must be 2 or 3.", bad), "EVAL", bad, "0");
    }

    [Fact]
    public void Redis_log_accepts_its_levels_and_refuses_others()
    {
        Expect(Resp.Nil, "EVAL", "redis.log(redis.LOG_WARNING, 'from a script', 1)", "0");
        const string bad = "redis.log(7, 'x')";
        Expect(Raised("ERR Invalid debug level.", bad), "EVAL", bad, "0");
    }

    [Fact]
    public void Keys_and_argv_are_tables_of_strings()
    {
        Expect(Resp.BulkArray(K("a"), K("b"), "x", "y z"), "EVAL", "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2]}", "2", K("a"), K("b"), "x", "y z");
        Expect(Resp.Array(Resp.Int(2), Resp.Int(1)), "EVAL", "return {#KEYS, #ARGV}", "2", "k1", "k2", "a1");
        Expect(Resp.Array(Resp.Int(0), Resp.Int(0)), "EVAL", "return {#KEYS, #ARGV}", "0");
    }

    [Fact]
    public void Numkeys_is_checked()
    {
        Expect(Resp.Err("ERR Number of keys can't be greater than number of args"), "EVAL", "return 1", "2", "a");
        Expect(Resp.Err("ERR Number of keys can't be negative"), "EVAL", "return 1", "-1");
        Expect(Resp.NotInteger, "EVAL", "return 1", "x");
        Expect(Resp.WrongArity("eval"), "EVAL", "return 1");
        Expect(Resp.WrongArity("evalsha"), "EVALSHA", "abc");
    }

    [Fact]
    public void Script_load_exists_evalsha_and_flush()
    {
        const string script = "return 'loaded ' .. ARGV[1]";
        string sha = Sha1(script);
        Expect(Resp.Bulk(sha), "SCRIPT", "LOAD", script);
        Expect(Resp.Bulk("loaded 1"), "EVALSHA", sha, "0", "1");
        Expect(Resp.Bulk("loaded 2"), "EVALSHA", sha.ToUpperInvariant(), "0", "2");
        Expect(Resp.Array(Resp.Int(1), Resp.Int(0)), "SCRIPT", "EXISTS", sha, Sha1("not loaded"));
        // EVAL caches what it runs
        const string other = "return 'other'";
        Expect(Resp.Bulk("other"), "EVAL", other, "0");
        Expect(Resp.Bulk("other"), "EVALSHA", Sha1(other), "0");

        Expect(Resp.Ok, "SCRIPT", "FLUSH");
        Expect(Resp.Array(Resp.Int(0), Resp.Int(0)), "SCRIPT", "EXISTS", sha, Sha1(other));
        Expect(Resp.Err("NOSCRIPT No matching script. Please use EVAL."), "EVALSHA", sha, "0");
        Expect(Resp.Err("NOSCRIPT No matching script. Please use EVAL."), "EVALSHA", "short", "0");
        Expect(Resp.Ok, "SCRIPT", "FLUSH", "ASYNC");
        Expect(Resp.Ok, "SCRIPT", "FLUSH", "sync");
        Expect(Resp.Err("ERR SCRIPT FLUSH only support SYNC|ASYNC option"), "SCRIPT", "FLUSH", "LATER");
        Expect(Resp.WrongArity("script|load"), "SCRIPT", "LOAD");
        Assert.StartsWith("*", Cmd("SCRIPT", "HELP"));
    }

    [Fact]
    public void Eval_knows_a_cached_body_by_every_byte()
    {
        // EVAL finds a body it ran before without hashing it again: bodies one byte apart (also past a NUL) stay two scripts
        const string first = "return 'first' --\0a", second = "return 'first' --\0b";
        Expect(Resp.Bulk("first"), "EVAL", first, "0");
        Expect(Resp.Bulk("first"), "EVAL", second, "0");
        Expect(Resp.Array(Resp.Int(1), Resp.Int(1)), "SCRIPT", "EXISTS", Sha1(first), Sha1(second));
        const string changed = "return 'second'";
        Expect(Resp.Bulk("second"), "EVAL", changed, "0");
        Expect(Resp.Bulk("second"), "EVAL", changed, "0");
        Expect(Resp.Bulk("second"), "EVALSHA", Sha1(changed), "0");
        // after a flush the same body compiles again, under the same name
        Expect(Resp.Ok, "SCRIPT", "FLUSH");
        Expect(Resp.Array(Resp.Int(0)), "SCRIPT", "EXISTS", Sha1(changed));
        Expect(Resp.Bulk("second"), "EVAL", changed, "0");
        Expect(Resp.Array(Resp.Int(1)), "SCRIPT", "EXISTS", Sha1(changed));
    }

    [Fact]
    public void Redis_call_passes_every_argument_on_each_of_many_calls()
    {
        // each call after the first hands its arguments over from the coroutine's yield: none lost or kept from before
        const string script = """
            local total = 0
            for i = 1, 300 do
              redis.call('rpush', KEYS[1], i, i + 1, i + 2)
              if i % 2 == 0 then redis.call('rpush', KEYS[1], 'x') end
              total = total + redis.call('llen', KEYS[1])
            end
            local ok = pcall(redis.call, 'rpush', KEYS[1])
            return {total, redis.call('llen', KEYS[1]), redis.call('lindex', KEYS[1], -1), tostring(ok)}
            """;
        long expected = 0, length = 0;
        for (int i = 1; i <= 300; i++)
        {
            length += 3 + (i % 2 == 0 ? 1 : 0);
            expected += length;
        }
        Expect(Resp.Array(Resp.Int(expected), Resp.Int(length), Resp.Bulk("x"), Resp.Bulk("false")), "EVAL", script, "1", K());
    }

    [Fact]
    public void Pipelined_scripts_with_bad_numkeys_get_their_errors_in_order()
    {
        // the pipeline's look-ahead reads each EVAL's numkeys to fetch its keys: a bad one is still the command's error
        string key = K();
        Expect(Resp.Ok, "SET", key, "v");
        Raw.Send(RawRespClient.Encode("EVAL", "return redis.call('get', KEYS[1])", "1", key)
            + RawRespClient.Encode("EVAL", "return 1", "-1")
            + RawRespClient.Encode("EVAL", "return 1", "x")
            + RawRespClient.Encode("EVAL", "return 1", "99999999999", "a")
            + RawRespClient.Encode("EVAL", "return #KEYS", "3", key, key, key)
            + RawRespClient.Encode("EVALSHA", Sha1("return 1"), "2", key)
            + RawRespClient.Encode("EVAL_RO", "return redis.call('get', KEYS[1])", "1", key));
        Assert.Equal(Resp.Bulk("v"), Raw.ReadReply());
        Assert.Equal(Resp.Err("ERR Number of keys can't be negative"), Raw.ReadReply());
        Assert.Equal(Resp.NotInteger, Raw.ReadReply());
        Assert.Equal(Resp.Err("ERR Number of keys can't be greater than number of args"), Raw.ReadReply());
        Assert.Equal(Resp.Int(3), Raw.ReadReply());
        Assert.Equal(Resp.Err("ERR Number of keys can't be greater than number of args"), Raw.ReadReply());
        Assert.Equal(Resp.Bulk("v"), Raw.ReadReply());
    }

    [Fact]
    public void Pcall_returns_error_tables_and_call_raises_them()
    {
        Expect(Resp.Ok, "SET", K(), "not a number");
        Expect(Resp.Bulk("ERR value is not an integer or out of range"), "EVAL", "return redis.pcall('incr', KEYS[1]).err", "1", K());
        Expect(Resp.NotInteger, "EVAL", "return redis.pcall('incr', KEYS[1])", "1", K());
        Expect(Resp.WrongType, "EVAL", "return redis.pcall('lpush', KEYS[1], 'x')", "1", K());
        const string call = "return redis.call('incr', KEYS[1])";
        Expect(Raised("ERR value is not an integer or out of range", call), "EVAL", call, "1", K());
        const string later = "local a = 1\nlocal b = 2\nredis.call('lpush', KEYS[1], 'x')\nreturn a + b";
        Expect(Raised("WRONGTYPE Operation against a key holding the wrong kind of value", later, 3), "EVAL", later, "1", K());
        // Lua's own pcall gets the error's text (Redis 7 unwraps its error tables there)
        Expect(Resp.Bulk("ERR value is not an integer or out of range"), "EVAL",
            "local ok, e = pcall(redis.call, 'incr', KEYS[1]) return e", "1", K());
        // redis.call keeps working after errors it raised were caught, also through a saved reference
        Expect(Resp.Bulk("not a number"), "EVAL",
            "local call = redis.call pcall(call, 'incr', KEYS[1]) pcall(redis.call, 'incr', KEYS[1]) return call('get', KEYS[1])", "1", K());
    }

    [Theory]
    [InlineData("return redis.call('nosuchcommand')", "ERR Unknown Redis command called from script")]
    [InlineData("return redis.call('get')", "ERR Wrong number of args calling Redis command from script")]
    [InlineData("return redis.call('multi')", "ERR This Redis command is not allowed from script")]
    [InlineData("return redis.call('eval', 'return 1', 0)", "ERR This Redis command is not allowed from script")]
    [InlineData("return redis.call('subscribe', 'ch')", "ERR This Redis command is not allowed from script")]
    [InlineData("return redis.call('client', 'id')", "ERR This Redis command is not allowed from script")]
    [InlineData("return redis.call('script', 'exists', 'a')", "ERR This Redis command is not allowed from script")]
    [InlineData("return redis.call()", "ERR Please specify at least one argument for this redis lib call")]
    [InlineData("return redis.call('get', {})", "ERR Lua redis lib command arguments must be strings or integers")]
    // Redis refuses BLOCK in scripts outright, naming the command as the script typed it.
    [InlineData("return redis.call('xread', 'BLOCK', 0, 'STREAMS', 's', '$')", "ERR xread command is not allowed with BLOCK option from scripts")]
    [InlineData("return redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 's', '>')", "ERR XREADGROUP command is not allowed with BLOCK option from scripts")]
    public void Commands_a_script_may_not_call(string script, string error) => Expect(Raised(error, script), "EVAL", script, "0");

    /// <summary>A read-only script may not call what Redis replicates though it writes nothing (PUBLISH, SPUBLISH,
    /// PFCOUNT), as its pause tests check; a script that may write can.</summary>
    [Theory]
    [InlineData("return redis.call('publish', 'ch', 'm')")]
    [InlineData("return redis.call('spublish', 'ch', 'm')")]
    [InlineData("return redis.call('pfcount', 'h')")]
    public void Read_only_scripts_may_not_call_replicated_reads(string script)
    {
        Expect(Raised("ERR Write commands are not allowed from read-only scripts.", script), "EVAL_RO", script, "0");
        Expect(Resp.Int(0), "EVAL", script, "0");
    }

    /// <summary>A set has no order of its own: SORT BY nosort of a set in a script sorts it (ALPHA), as Redis does so
    /// that the script's result is the same on every node; a list keeps its order.</summary>
    [Fact]
    public void Sort_without_an_order_sorts_a_set_in_a_script()
    {
        Expect(Resp.Int(5), "SADD", K("set"), "c", "aa", "b", "a", "10");
        Expect(Resp.BulkArray("10", "a", "aa", "b", "c"), "EVAL", "return redis.call('sort', KEYS[1], 'BY', 'nosort')", "1", K("set"));
        Expect(Resp.Int(3), "RPUSH", K("list"), "c", "a", "b");
        Expect(Resp.BulkArray("c", "a", "b"), "EVAL", "return redis.call('sort', KEYS[1], 'BY', 'nosort')", "1", K("list"));
    }

    [Fact]
    public void Lua_errors_and_compile_errors()
    {
        const string raise = "error('boom')";
        Expect(Raised("ERR user_script:1: boom", raise), "EVAL", raise, "0");
        const string table = "error({err='MINE custom'})";
        Expect(Raised("MINE custom", table), "EVAL", table, "0");
        Assert.StartsWith("-ERR Error compiling script (new function): user_script:1: ", Cmd("EVAL", "return +", "0"));
        const string global = "return nosuchglobal";
        Expect(Raised("ERR user_script:1: Script attempted to access nonexistent global variable 'nosuchglobal'", global), "EVAL", global, "0");
        const string sandbox = "return type(os)";
        Expect(Raised("ERR user_script:1: Script attempted to access nonexistent global variable 'os'", sandbox), "EVAL", sandbox, "0");
        const string assign = "x = 1";
        Expect(Raised("ERR user_script:1: Attempt to modify a readonly table", assign), "EVAL", assign, "0");
    }

    [Fact]
    public void A_script_that_increments_reads_its_own_write()
    {
        const string script = "local v = redis.call('incr', KEYS[1]) return {v, redis.call('get', KEYS[1])}";
        Expect(Resp.Array(Resp.Int(1), Resp.Bulk("1")), "EVAL", script, "1", K());
        Expect(Resp.Array(Resp.Int(2), Resp.Bulk("2")), "EVAL", script, "1", K());
        Expect(Resp.Bulk("2"), "GET", K());
    }

    [Fact]
    public async Task Concurrent_read_modify_write_scripts_lose_no_update()
    {
        const string script = "local v = tonumber(redis.call('get', KEYS[1]) or '0') redis.call('set', KEYS[1], v + 1) return v + 1";
        string sha = Sha1(script);
        Expect(Resp.Bulk(sha), "SCRIPT", "LOAD", script);
        var clients = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            using var c = Node.Raw();
            for (int i = 0; i < 100; i++) Assert.StartsWith(":", c.Command("EVALSHA", sha, "1", K()));
        })).ToArray();
        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(60));
        Expect(Resp.Bulk("200"), "GET", K());
    }

    [Fact]
    public void Eval_ro_refuses_writes_and_allows_reads()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Bulk("v"), "EVAL_RO", "return redis.call('get', KEYS[1])", "1", K());
        const string write = "return redis.call('set', KEYS[1], 'w')";
        Expect(Raised("ERR Write commands are not allowed from read-only scripts.", write), "EVAL_RO", write, "1", K());
        Expect(Resp.Bulk("v"), "GET", K());
        string sha = Sha1(write);
        Expect(Resp.Bulk(sha), "SCRIPT", "LOAD", write);
        Expect(Raised("ERR Write commands are not allowed from read-only scripts.", write), "EVALSHA_RO", sha, "1", K());
        const string shebang = "#!lua flags=no-writes\nreturn redis.call('set', KEYS[1], 'w')";
        Expect(Raised("ERR Write commands are not allowed from read-only scripts.", shebang, 2), "EVAL", shebang, "1", K());
    }

    [Fact]
    public void Blocking_pops_are_refused_or_do_not_block()
    {
        const string blpop = "return redis.call('blpop', KEYS[1], 0)";
        Expect(Raised("ERR This Redis command is not allowed from script", blpop), "EVAL", blpop, "1", K());
        Expect(Resp.Nil, "EVAL", "return redis.call('blmpop', 0, 1, KEYS[1], 'LEFT')", "1", K());
    }

    [Fact]
    public void Select_inside_a_script_does_not_change_the_callers_database()
    {
        Expect(Resp.Int(1), "EVAL", "redis.call('select', 9) redis.call('set', KEYS[1], 'nine') return 1", "1", K());
        Expect(Resp.Nil, "GET", K());
        Expect(Resp.Ok, "SELECT", "9");
        Expect(Resp.Bulk("nine"), "GET", K());
        Expect(Resp.Int(1), "DEL", K());
    }

    [Fact]
    public void Eval_inside_multi_runs_in_order_with_the_transaction()
    {
        Expect(Resp.Ok, "MULTI");
        Expect(Resp.Simple("QUEUED"), "SET", K(), "10");
        Expect(Resp.Simple("QUEUED"), "EVAL", "return redis.call('incr', KEYS[1])", "1", K());
        Expect(Resp.Simple("QUEUED"), "INCR", K());
        Expect(Resp.Array(Resp.Ok, Resp.Int(11), Resp.Int(12)), "EXEC");
    }

    [Fact]
    public void StackExchange_redis_script_evaluate_and_lock_release()
    {
        var db = Node.Db();
        var result = db.ScriptEvaluate("return redis.call('incrby', KEYS[1], ARGV[1])", [(RedisKey)K("n")], [5]);
        Assert.Equal(5, (long)result);
        Assert.True(db.LockTake(K("lock"), "me", TimeSpan.FromSeconds(30)));
        Assert.False(db.LockTake(K("lock"), "other", TimeSpan.FromSeconds(30)));
        Assert.False(db.LockRelease(K("lock"), "other"));
        Assert.True(db.LockRelease(K("lock"), "me"));
        Assert.False(db.KeyExists(K("lock")));
    }
    /// <summary>Errors of the Lua runtime reach the caller in Lua 5.1's words, as Redis's (the texts are
    /// redis-server 7.0.15's; these pass against it too).</summary>
    [Theory]
    [InlineData("return redis.nope()", "attempt to call field 'nope' (a nil value)")]
    [InlineData("local x; return x.y", "attempt to index local 'x' (a nil value)")]
    [InlineData("local t = {}; return t.a.b", "attempt to index field 'a' (a nil value)")]
    [InlineData("local x; return x .. 'a'", "attempt to concatenate local 'x' (a nil value)")]
    [InlineData("local t = {}; return t:nope()", "attempt to call method 'nope' (a nil value)")]
    [InlineData("local u; local function f() return u() end return f()", "attempt to call upvalue 'u' (a nil value)")]
    [InlineData("return ('x')()", "attempt to call a string value")]
    [InlineData("return -{}", "attempt to perform arithmetic on a table value")]
    [InlineData("for i = 1, 'x' do end", "'for' limit must be a number")]
    [InlineData("for i = 'a', 2 do end", "'for' initial value must be a number")]
    [InlineData("for i = 1, 2, {} do end", "'for' step must be a number")]
    public void Runtime_errors_are_worded_as_Lua_5_1_does(string script, string message)
        => Assert.Equal(Raised("ERR user_script:1: " + message, script), Cmd("EVAL", script, "0"));

    /// <summary>Redis 7.0's read-only tables (Redis's suite, "Try trick global protection"): their metatables can
    /// be neither replaced nor changed, with Redis's error, positioned as Redis positions it.</summary>
    [Theory]
    [InlineData("setmetatable(_G, {})", false)]
    [InlineData("setmetatable(redis, {})", false)]
    [InlineData("setmetatable(cjson, {})", false)]
    [InlineData("local g = getmetatable(_G); g.__index = {}", true)]
    [InlineData("local g = getmetatable(_G); rawset(g, '__index', {})", false)]
    public void Read_only_tables_keep_their_metatables(string script, bool positioned)
        => Assert.Equal(positioned ? Raised("ERR user_script:1: Attempt to modify a readonly table", script)
            : Resp.Err($"ERR Attempt to modify a readonly table script: {Sha1(script)}, on @user_script:1."), Cmd("EVAL", script, "0"));

    [Fact]
    public void Metatables_of_the_sandbox_look_like_Redis_s()
    {
        Assert.Equal(Resp.Array(Resp.Bulk("table"), Resp.Bulk("__index=function")), Cmd("EVAL",
            "local g = getmetatable(_G) local r = {type(g)} for k, v in pairs(g) do r[#r + 1] = k .. '=' .. type(v) end return r", "0"));
        Assert.Equal(Resp.Bulk("nil nil nil table"), Cmd("EVAL",
            "return type(getmetatable(redis)) .. ' ' .. type(getmetatable(cjson)) .. ' ' .. type(getmetatable(string)) .. ' ' .. type(getmetatable(''))", "0"));
        const string locked = "local t = setmetatable({}, {__metatable = 1}); setmetatable(t, {})";
        Assert.Equal(Raised("ERR user_script:1: cannot change a protected metatable", locked), Cmd("EVAL", locked, "0"));
        const string noTable = "setmetatable({})";
        Assert.Equal(Raised("ERR user_script:1: bad argument #2 to 'setmetatable' (nil or table expected)", noTable), Cmd("EVAL", noTable, "0"));
        Assert.Equal(Resp.Bulk("x!"), Cmd("EVAL", "local t = setmetatable({}, {__index = function(t, k) return k .. '!' end}) return t.x", "0"));
    }

    [Fact]
    public void A_function_cannot_register_functions_when_called()
    {
        const string library = "#!lua name=nested\nredis.register_function('outer', function() redis.register_function('inner', function() return 2 end) return 1 end)";
        Assert.Equal(Resp.Bulk("nested"), Cmd("FUNCTION", "LOAD", "REPLACE", library));
        try
        {
            Assert.Equal(Resp.Err("ERR user_function:2: attempt to call field 'register_function' (a nil value) script: outer, on @user_function:2."),
                Cmd("FCALL", "outer", "0"));
        }
        finally
        {
            Cmd("FUNCTION", "DELETE", "nested");
        }
    }

    /// <summary>Caught inside the script, the error keeps Lua 5.4's words (docs/decisions.md).</summary>
    [Fact]
    public void Inside_pcall_a_script_reads_Lua_5_4_s_words()
    {
        if (Node.IsRedis) return; // 5.1's words there
        Assert.Equal(Resp.Bulk("user_script:1: attempt to index a nil value (local 'x')"),
            Cmd("EVAL", "local ok, e = pcall(function() local x; return x.y end) return e", "0"));
    }
}

/// <summary>A script's writes are in the log: a restart replays them to the same state, a replica applies them.</summary>
[Collection(CrashCollection.Name)]
public sealed class ScriptingRestartTests
{
    [HyperCacheFact]
    public void Script_writes_survive_a_restart_with_the_same_digest()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        string digest;
        const string script = """
            redis.call('set', KEYS[1], ARGV[1])
            redis.call('incrby', KEYS[2], 5)
            redis.call('rpush', KEYS[3], 'a', 'b', 'c')
            redis.call('hset', KEYS[4], 'f', 'v')
            redis.call('pexpire', KEYS[4], 600000)
            redis.call('lpop', KEYS[3])
            return redis.call('get', KEYS[2])
            """;
        using (var c = node.Raw())
        {
            Assert.Equal(Resp.Bulk("5"), c.Command("EVAL", script, "4", "s", "n", "l", "h", "value"));
            Assert.Equal(Resp.Bulk("10"), c.Command("EVAL", script, "4", "s", "n", "l", "h", "value2"));
            c.Command("MULTI");
            c.Command("SET", "n", "100");
            c.Command("EVAL", "return redis.call('incr', KEYS[1])", "1", "n");
            Assert.Equal(Resp.Array(Resp.Ok, Resp.Int(101)), c.Command("EXEC"));
            digest = c.Command("DEBUG", "DIGEST");
        }
        node.Kill9();
        node.Start();
        using (var c = node.Raw())
        {
            Assert.Equal(digest, c.Command("DEBUG", "DIGEST"));
            Assert.Equal(Resp.Bulk("value2"), c.Command("GET", "s"));
            Assert.Equal(Resp.Bulk("101"), c.Command("GET", "n"));
            Assert.Equal(Resp.BulkArray("c", "a", "b", "c"), c.Command("LRANGE", "l", "0", "-1"));
            Assert.NotEqual(Resp.Int(-1), c.Command("PTTL", "h"));
        }
    }

    [HyperCacheFact]
    public void A_replica_applies_a_scripts_writes_and_refuses_writes_from_its_own_scripts()
    {
        using var primary = ReplicationNodes.Create();
        primary.Start();
        using var replica = ReplicationNodes.Create("everysec", "--replicaof", $"127.0.0.1 {primary.Port}");
        replica.Start();
        Eventually.True(() => ReplicationNodes.Info(replica, "master_link_status") == "up", "replica linked", ReplicationNodes.Converge);
        using (var c = primary.Raw())
        {
            for (int i = 0; i < 20; i++)
                Assert.Equal(Resp.Int(i + 1), c.Command("EVAL", "redis.call('rpush', KEYS[2], ARGV[1]) return redis.call('incr', KEYS[1])", "2", "n", "l", "v" + i));
        }
        ReplicationNodes.WaitConverged(primary, replica);
        using var r = replica.Raw();
        Assert.Equal(Resp.Bulk("20"), r.Command("EVAL_RO", "return redis.call('get', KEYS[1])", "1", "n"));
        const string write = "return redis.call('incr', KEYS[1])";
        string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(Encoding.UTF8.GetBytes(write)));
        Assert.Equal(Resp.Err($"READONLY You can't write against a read only replica. script: {sha}, on @user_script:1."), r.Command("EVAL", write, "1", "n"));
        Assert.Equal(Resp.Bulk("20"), r.Command("GET", "n"));
    }

}
