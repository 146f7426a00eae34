using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>MONITOR, as Redis 7.0: every command after it ran, escaped, with its db and client; admin commands hidden,
/// AUTH redacted; a monitoring client may not touch the keyspace; RESET ends it.</summary>
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
}
