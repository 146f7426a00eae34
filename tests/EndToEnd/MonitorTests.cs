using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>MONITOR, as Redis 7.0: every command after it ran, escaped, with its db and client; admin commands hidden,
/// AUTH redacted; a monitoring client may not touch the keyspace; RESET ends it. A script's line comes as it starts,
/// then each command it calls as <c>[db lua]</c>.</summary>
[Collection(ServerCollection.Name)]
public sealed class MonitorTests(NodeFixture node) : E2ETest(node)
{
    [Fact]
    public void A_monitor_sees_each_command_as_redis_shows_it()
    {
        using var monitor = Node.Raw();
        Assert.Equal(Resp.Ok, monitor.Command("MONITOR"));
        Assert.Equal(Resp.Err("ERR Replica can't interact with the keyspace"), monitor.Command("GET", K()));
        Assert.Equal(Resp.Pong, monitor.Command("PING"));
        Assert.Matches(@"^\+\d+\.\d{6} \[0 [^\]]+\] ""PING""\r\n$", monitor.ReadReply());

        using var c = Node.Raw();
        string address = Regex.Match(c.Command("CLIENT", "INFO"), @"\baddr=(\S+)").Groups[1].Value;
        c.Command("SET", K("k\n"), "v\"\\\u0001a");
        c.Command("AUTH", "secret");          // fails (no password set), still shown, redacted
        c.Command("CONFIG", "GET", "save");   // admin: not shown
        c.Command("SELECT", "2");
        c.Command("GET", K());
        c.Command("SELECT", "0");

        string Line() => monitor.ReadReply();
        string Prefix(int db) => $@"^\+\d+\.\d{{6}} \[{db} {Regex.Escape(address)}\] ";
        Assert.Matches(@"^\+\d+\.\d{6} \[0 [^\]]+\] ""CLIENT"" ""INFO""\r\n$", Line());
        Assert.Matches(Prefix(0) + Regex.Escape($"\"SET\" \"{K("k")}\\n\" \"v\\\"\\\\\\x01a\"") + "\r\n$", Line());
        Assert.Matches(Prefix(0) + Regex.Escape("\"AUTH\" \"(redacted)\"") + "\r\n$", Line());
        Assert.Matches(Prefix(2) + Regex.Escape("\"SELECT\" \"2\"") + "\r\n$", Line());
        Assert.Matches(Prefix(2) + Regex.Escape($"\"GET\" \"{K()}\"") + "\r\n$", Line());
        Assert.Matches(Prefix(0) + Regex.Escape("\"SELECT\" \"0\"") + "\r\n$", Line());

        Assert.Equal("+RESET\r\n", monitor.Command("RESET"));
        c.Command("SET", K(), "after");
        Assert.Equal(Resp.Pong, monitor.Command("PING")); // no feed line in between: not a monitor any more
        Assert.Equal(Resp.Nil, monitor.Command("GET", K("missing")));
    }

    [Fact]
    public void A_monitor_sees_the_commands_a_script_calls_after_the_script()
    {
        using var monitor = Node.Raw();
        Assert.Equal(Resp.Ok, monitor.Command("MONITOR"));
        using var c = Node.Raw();
        string address = Regex.Match(c.Command("CLIENT", "INFO"), @"\baddr=(\S+)").Groups[1].Value;
        string library = "monitor_" + Guid.NewGuid().ToString("N")[..8];

        // set and a failing incr shown; slowlog (admin) hidden; an unknown command (refused by the script layer) not
        // shown; select moves the db the next lines show; EVAL's own line first, with the caller's db
        const string Script = "redis.call('set', KEYS[1], 'v\\n'); redis.pcall('incr', KEYS[1]); redis.call('slowlog', 'len'); "
            + "redis.pcall('nosuch'); redis.call('select', '3'); redis.call('get', KEYS[1]); return redis.call('ping')";
        Assert.Equal("+PONG\r\n", c.Command("EVAL", Script, "1", K()));
        Assert.StartsWith("-NOSCRIPT", c.Command("EVALSHA", new string('0', 40), "0")); // shown, though it runs nothing
        c.Command("SELECT", "2");
        Assert.Equal("$" + library.Length + "\r\n" + library + "\r\n",
            c.Command("FUNCTION", "LOAD", $"#!lua name={library}\nredis.register_function('{library}_f', function(keys) return redis.call('exists', keys[1]) end)"));
        Assert.Equal(":0\r\n", c.Command("FCALL", library + "_f", "1", K()));
        c.Command("MULTI");
        c.Command("EVAL_RO", "return redis.call('strlen', KEYS[1])", "1", K());
        Assert.Equal("*1\r\n:0\r\n", c.Command("EXEC"));
        Assert.Equal(Resp.Ok, c.Command("FUNCTION", "DELETE", library));
        c.Command("SELECT", "0");

        string Line() => monitor.ReadReply();
        string Client(int db) => $@"^\+\d+\.\d{{6}} \[{db} {Regex.Escape(address)}\] ";
        string Lua(int db) => $@"^\+\d+\.\d{{6}} \[{db} lua\] ";
        string Is(string text) => Regex.Escape(text) + "\r\n$";
        Assert.Matches(Client(0) + Regex.Escape("\"CLIENT\" \"INFO\"") + "\r\n$", Line());
        Assert.Matches(Client(0) + Is($"\"EVAL\" \"{Script.Replace("\\", "\\\\")}\" \"1\" \"{K()}\""), Line());
        Assert.Matches(Lua(0) + Is($"\"set\" \"{K()}\" \"v\\n\""), Line());
        Assert.Matches(Lua(0) + Is($"\"incr\" \"{K()}\""), Line());
        Assert.Matches(Lua(3) + Is("\"select\" \"3\""), Line());
        Assert.Matches(Lua(3) + Is($"\"get\" \"{K()}\""), Line());
        Assert.Matches(Lua(3) + Is("\"ping\""), Line());
        Assert.Matches(Client(0) + Is($"\"EVALSHA\" \"{new string('0', 40)}\" \"0\""), Line());
        Assert.Matches(Client(2) + Is("\"SELECT\" \"2\""), Line());
        Assert.Matches(Client(2) + "\"FUNCTION\" \"LOAD\" ", Line());
        Assert.Matches(Client(2) + Is($"\"FCALL\" \"{library}_f\" \"1\" \"{K()}\""), Line());
        Assert.Matches(Lua(2) + Is($"\"exists\" \"{K()}\""), Line());
        Assert.Matches(Client(2) + Is("\"MULTI\""), Line());
        Assert.Matches(Client(2) + Is($"\"EVAL_RO\" \"return redis.call('strlen', KEYS[1])\" \"1\" \"{K()}\""), Line());
        Assert.Matches(Lua(2) + Is($"\"strlen\" \"{K()}\""), Line());
        Assert.Matches(Client(2) + Is("\"EXEC\""), Line());
        Assert.Matches(Client(2) + Is($"\"FUNCTION\" \"DELETE\" \"{library}\""), Line());
        Assert.Matches(Client(0) + Is("\"SELECT\" \"0\""), Line());
        c.Command("DEL", K());
        Assert.Matches(Client(0) + Is($"\"DEL\" \"{K()}\""), Line()); // nothing else came in between
    }
}
