using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// Scripts over maxmemory, as Redis 7.0 judges them (its scripting tests' "allow-oom shebang flag"): a script with a
/// shebang runs only if it says allow-oom (then it may write) or no-writes, else it is refused before it runs; one
/// without a shebang runs, and only its writes are refused. Each line runs on redis-server and here under
/// maxmemory 1, and the replies must agree.
/// </summary>
[Collection(ServerSettingsCollection.Name)]
public sealed class ScriptOomTests(NodeFixture node) : E2ETest(node)
{
    [RedisServerFact]
    public async Task A_script_is_judged_by_its_flags_over_maxmemory()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        void Both(params string[] command) => SideBySide.Same(reference, Cmd, command);
        string key = K("x");
        Both("SET", key, "123");
        try
        {
            Both("CONFIG", "SET", "maxmemory", "1");
            Both("EVAL", "redis.call('set', KEYS[1], 1) return 1", "1", key);        // no shebang: the write is refused
            Both("EVAL", "return redis.call('get', KEYS[1])", "1", key);             // and a read runs
            Both("EVAL", "#!lua flags=\nreturn 1", "0");                             // a shebang without allow-oom: refused
            Both("EVAL", "#!lua\nreturn 1", "0");
            Both("EVAL", "#!lua flags=allow-oom\nredis.call('set', KEYS[1], 1) return 1", "1", key);
            Both("GET", key);
            Both("EVAL", "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", "1", key);
            Both("EVAL_RO", "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", "1", key);
            Both("EVAL_RO", "return redis.call('get', KEYS[1])", "1", key);
        }
        finally
        {
            Assert.Equal(Resp.Ok, Cmd("CONFIG", "SET", "maxmemory", "0"));
        }
        Both("CONFIG", "SET", "maxmemory", "0");
        Both("EVAL", "#!lua\nreturn 1", "0");
    }
}
