using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>INFO, COMMAND (COUNT, INFO, DOCS), CONFIG GET/SET, TIME.</summary>
[Collection(ServerCollection.Name)]
public sealed class ServerTests(NodeFixture node) : E2ETest(node)
{
    /// <summary>Only this class writes to db 9 of the server collection's server.</summary>
    private const int KeyspaceDb = 9;

    private string Info(params string[] sections)
    {
        var parsed = Resp.Parse(Cmd(["INFO", .. sections]));
        return Assert.IsType<string>(parsed);
    }

    /// <summary>Parses INFO text into sections: "# Name" headers, "field:value" lines, CRLF line ends.</summary>
    private static Dictionary<string, Dictionary<string, string>> Sections(string info)
    {
        var result = new Dictionary<string, Dictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
        Dictionary<string, string>? current = null;
        foreach (var line in info.Split("\r\n"))
        {
            Assert.DoesNotContain('\n', line);
            if (line.Length == 0)
            {
                continue;
            }
            if (line.StartsWith("# ", StringComparison.Ordinal))
            {
                current = new Dictionary<string, string>();
                result.Add(line[2..], current);
                continue;
            }
            Assert.True(current is not null, "INFO field before any section header: " + line);
            var colon = line.IndexOf(':');
            Assert.True(colon > 0, "INFO line without ':' " + line);
            current![line[..colon]] = line[(colon + 1)..];
        }
        return result;
    }

    [Fact]
    public void Info_default_has_the_main_sections()
    {
        var info = Info();
        Assert.EndsWith("\r\n", info);
        var s = Sections(info);
        foreach (var name in new[] { "Server", "Clients", "Memory", "Persistence", "Stats", "Keyspace" })
        {
            Assert.True(s.ContainsKey(name), $"INFO lacks section {name}; has {string.Join(", ", s.Keys)}");
        }
    }

    [Fact]
    public void Info_server_section()
    {
        var s = Sections(Info("server"));
        var server = Assert.Single(s).Value;
        Assert.Equal("Server", s.Keys.Single());
        Assert.Matches(@"^\d+\.\d+\.\d+", server["redis_version"]);
        Assert.Equal("standalone", server["redis_mode"]);
        Assert.Equal(Node.Port.ToString(), server["tcp_port"]);
        Assert.Matches(@"^\d+$", server["process_id"]);
        Assert.Matches(@"^\d+$", server["uptime_in_seconds"]);
        Assert.Equal("64", server["arch_bits"]);
    }

    [Fact]
    public void Info_clients_section_counts_connections()
    {
        long Connected() => long.Parse(Sections(Info("clients"))["Clients"]["connected_clients"]);
        int Listed() => Assert.IsType<string>(Resp.Parse(Cmd("CLIENT", "LIST"))).TrimEnd('\n').Split('\n').Length;

        // Connections closed by earlier tests may still be going away: compare with CLIENT LIST until both agree.
        Eventually.True(() => Connected() == Listed(), "connected_clients equals the number of CLIENT LIST lines");
        var withOther = 0L;
        using (var other = Node.Raw())
        {
            Assert.Equal(Resp.Pong, other.Command("PING"));
            Eventually.True(() => Connected() == Listed(), "connected_clients equals the number of CLIENT LIST lines");
            withOther = Connected();
            Assert.True(withOther >= 2);
        }
        Eventually.True(() => Connected() < withOther, "connected_clients drops when a connection closes");
        var clients = Sections(Info("clients"))["Clients"];
        Assert.Matches(@"^\d+$", clients["maxclients"]);
        Assert.Matches(@"^\d+$", clients["blocked_clients"]);
    }

    [Fact]
    public void Info_commandstats_counts_calls_failures_and_rejections()
    {
        Dictionary<string, long> Stat(string command)
        {
            var stats = Sections(Info("commandstats")).GetValueOrDefault("Commandstats") ?? [];
            var fields = new Dictionary<string, long> { ["calls"] = 0, ["rejected_calls"] = 0, ["failed_calls"] = 0 };
            if (stats.TryGetValue("cmdstat_" + command, out var line))
                foreach (var field in line.Split(',')) if (field.Split('=') is [var name, var value] && fields.ContainsKey(name)) fields[name] = long.Parse(value);
            return fields;
        }
        var before = Stat("incr");
        Expect(Resp.Ok, "SET", K("text"), "abc");
        Expect(Resp.Int(1), "INCR", K("n"));
        Expect(Resp.NotInteger, "INCR", K("text")); // ran and failed
        Expect(Resp.WrongArity("incr"), "INCR");      // refused before running
        var after = Stat("incr");
        Assert.Equal(before["calls"] + 2, after["calls"]);
        Assert.Equal(before["failed_calls"] + 1, after["failed_calls"]);
        Assert.Equal(before["rejected_calls"] + 1, after["rejected_calls"]);
        Assert.Matches(@"^calls=\d+,usec=\d+,usec_per_call=\d+\.\d{2},rejected_calls=\d+,failed_calls=\d+$", Sections(Info("commandstats"))["Commandstats"]["cmdstat_incr"]);
        Assert.DoesNotContain("Commandstats", Sections(Info()).Keys); // as Redis: not a default section
        Assert.Contains("Commandstats", Sections(Info("all")).Keys);
    }

    [Fact]
    public void Info_errorstats_counts_error_replies_by_code()
    {
        long Count(string code)
            => (Sections(Info("errorstats")).GetValueOrDefault("Errorstats") ?? []).TryGetValue("errorstat_" + code, out var v)
                ? long.Parse(v["count=".Length..]) : 0;
        long Total() => long.Parse(Sections(Info("stats"))["Stats"]["total_error_replies"]);
        long err = Count("ERR"), wrongType = Count("WRONGTYPE"), total = Total();
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.WrongType, "LPUSH", K(), "x");
        Expect(Resp.WrongArity("get"), "GET");
        Assert.Equal(wrongType + 1, Count("WRONGTYPE"));
        Assert.Equal(err + 1, Count("ERR"));
        Assert.Equal(total + 2, Total());
        Assert.Contains("Errorstats", Sections(Info()).Keys); // a default section, as in Redis 7
    }

    [Fact]
    public void Info_memory_section()
    {
        Expect(Resp.Ok, "SET", K("memory"), "v"); // used_memory counts the data: an empty node may hold none
        var memory = Sections(Info("memory"))["Memory"];
        Assert.True(long.Parse(memory["used_memory"]) > 0);
        Assert.False(string.IsNullOrEmpty(memory["used_memory_human"]));
        Assert.Matches(@"^\d+$", memory["used_memory_peak"]);
        Assert.Matches(@"^\d+$", memory["maxmemory"]);
        Assert.False(string.IsNullOrEmpty(memory["maxmemory_policy"]));
    }

    [Fact]
    public void Info_persistence_section()
    {
        var persistence = Sections(Info("persistence"))["Persistence"];
        Assert.Contains(persistence["aof_enabled"], new[] { "0", "1" });
        Assert.Contains(persistence["loading"], new[] { "0", "1" });
        Assert.Matches(@"^\d+$", persistence["rdb_changes_since_last_save"]);
    }

    [Fact]
    public void Info_stats_section_counts_commands()
    {
        long Processed() => long.Parse(Sections(Info("stats"))["Stats"]["total_commands_processed"]);
        var before = Processed();
        for (var i = 0; i < 10; i++)
        {
            Expect(Resp.Pong, "PING");
        }
        var after = Processed();
        // The 10 PINGs and the first INFO; other collections use other servers, but the client library may add a few.
        Assert.InRange(after - before, 11, 100);
        var stats = Sections(Info("stats"))["Stats"];
        Assert.Matches(@"^\d+$", stats["total_connections_received"]);
        Assert.Matches(@"^\d+$", stats["keyspace_hits"]);
        Assert.Matches(@"^\d+$", stats["keyspace_misses"]);
        Assert.Matches(@"^\d+$", stats["expired_keys"]);
    }

    [Fact]
    public void Info_keyspace_section_lists_databases_with_keys()
    {
        Expect(Resp.Ok, "SELECT", KeyspaceDb.ToString());
        Expect(Resp.Ok, "MSET", K("a"), "1", K("b"), "2");
        Expect(Resp.Ok, "SET", K("c"), "3", "EX", "1000");
        var keyspace = Sections(Info("keyspace"))["Keyspace"];
        Assert.Matches(@"^keys=3,expires=1,avg_ttl=\d+$", keyspace[$"db{KeyspaceDb}"]);
        Expect(Resp.Int(3), "DEL", K("a"), K("b"), K("c"));
        keyspace = Sections(Info("keyspace"))["Keyspace"];
        Assert.False(keyspace.ContainsKey($"db{KeyspaceDb}"), "an empty database is not listed");
        Expect(Resp.Ok, "SELECT", "0");
        Expect(Resp.Ok, "SET", K(), "v");
        Assert.Matches(@"^keys=\d+,expires=\d+,avg_ttl=\d+$", Sections(Info("keyspace"))["Keyspace"]["db0"]);
    }

    [Fact]
    public void Info_with_several_sections_returns_just_those()
    {
        var s = Sections(Info("server", "clients"));
        Assert.Equal(new[] { "Clients", "Server" }, s.Keys.Order());
    }

    [Fact]
    public void Info_section_names_are_case_insensitive()
    {
        Assert.Contains("redis_version:", Info("SERVER"));
    }

    [Fact]
    public void Info_of_an_unknown_section_is_empty()
    {
        Expect("$0\r\n\r\n", "INFO", "nosuchsection");
    }

    // ---- COMMAND ----

    [Fact]
    public void Command_count_matches_the_command_table()
    {
        var count = Assert.IsType<long>(Resp.Parse(Cmd("COMMAND", "COUNT")));
        var all = Assert.IsType<List<object?>>(Resp.Parse(Cmd("COMMAND")));
        Assert.Equal(count, all.Count);
        var names = all.Select(e => Assert.IsType<string>(Assert.IsType<List<object?>>(e)[0])).ToHashSet();
        foreach (var name in new[] { "get", "set", "del", "expire", "scan", "ping", "info", "command", "client", "config" })
        {
            Assert.Contains(name, names);
        }
        Expect(Resp.WrongArity("command|count"), "COMMAND", "COUNT", "x");
    }

    [Fact]
    public void Command_info_get()
    {
        var reply = Assert.IsType<List<object?>>(Resp.Parse(Cmd("COMMAND", "INFO", "get")));
        var get = Assert.IsType<List<object?>>(Assert.Single(reply));
        Assert.True(get.Count >= 6, "COMMAND INFO entry has at least name, arity, flags, first, last, step");
        Assert.Equal("get", get[0]);
        Assert.Equal(2L, get[1]);
        var flags = Assert.IsType<List<object?>>(get[2]);
        Assert.Contains("readonly", flags);
        Assert.Contains("fast", flags);
        Assert.Equal(1L, get[3]);
        Assert.Equal(1L, get[4]);
        Assert.Equal(1L, get[5]);
    }

    [Fact]
    public void Command_info_several_and_unknown_commands()
    {
        var reply = Assert.IsType<List<object?>>(Resp.Parse(Cmd("COMMAND", "INFO", "set", "nosuchcommand", "GET")));
        Assert.Equal(3, reply.Count);
        var set = Assert.IsType<List<object?>>(reply[0]);
        Assert.Equal("set", set[0]);
        Assert.Equal(-3L, set[1]);
        Assert.Null(reply[1]);
        Assert.Equal("get", Assert.IsType<List<object?>>(reply[2])[0]);
        Expect("*1\r\n$-1\r\n", "COMMAND", "INFO", "nosuchcommand");
    }

    [Fact]
    public void Command_docs_get_replies_without_error()
    {
        var reply = Cmd("COMMAND", "DOCS", "get");
        var parsed = Assert.IsType<List<object?>>(Resp.Parse(reply));
        Assert.Contains("get", parsed.OfType<string>());
    }

    // ---- CONFIG ----

    private List<string?> ConfigGet(params string[] patterns)
    {
        var items = Resp.ParseFlatArray(Cmd(["CONFIG", "GET", .. patterns]));
        Assert.True(items.Count % 2 == 0, "CONFIG GET replies name/value pairs");
        return items;
    }

    [Fact]
    public void Config_get_maxclients()
    {
        var items = ConfigGet("maxclients");
        Assert.Equal(2, items.Count);
        Assert.Equal("maxclients", items[0]);
        Assert.True(long.Parse(items[1]!) > 0);
    }

    [Fact]
    public void Config_get_appendfsync()
    {
        var items = ConfigGet("appendfsync");
        Assert.Equal(2, items.Count);
        Assert.Equal("appendfsync", items[0]);
        Assert.Contains(items[1], new[] { "always", "everysec", "no" });
    }

    [Fact]
    public void Config_get_glob_returns_only_matching_parameters()
    {
        var items = ConfigGet("*max*");
        var names = items.Where((_, i) => i % 2 == 0).Select(n => n!).ToList();
        Assert.Contains("maxclients", names);
        Assert.Contains("maxmemory", names);
        Assert.All(names, n => Assert.Contains("max", n));
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Fact]
    public void Config_get_several_parameters_and_unknown_ones()
    {
        var items = ConfigGet("maxclients", "appendfsync");
        Assert.Equal(4, items.Count);
        Assert.Equal(new[] { "appendfsync", "maxclients" }, items.Where((_, i) => i % 2 == 0).Order());
        Expect(Resp.EmptyArray, "CONFIG", "GET", "nosuchparameter");
        Expect(Resp.WrongArity("config|get"), "CONFIG", "GET");
    }

    [Fact]
    public void Config_set_maxclients_takes_effect_in_config_get()
    {
        var original = ConfigGet("maxclients")[1]!;
        try
        {
            Expect(Resp.Ok, "CONFIG", "SET", "maxclients", "4321");
            Assert.Equal("4321", ConfigGet("maxclients")[1]);
            Assert.Equal("4321", Sections(Info("clients"))["Clients"]["maxclients"]);
        }
        finally
        {
            Expect(Resp.Ok, "CONFIG", "SET", "maxclients", original);
        }
        Assert.Equal(original, ConfigGet("maxclients")[1]);
    }

    [Fact]
    public void Config_set_appendfsync_round_trips()
    {
        var original = ConfigGet("appendfsync")[1]!;
        var other = original == "everysec" ? "always" : "everysec";
        try
        {
            Expect(Resp.Ok, "CONFIG", "SET", "appendfsync", other);
            Assert.Equal(other, ConfigGet("appendfsync")[1]);
        }
        finally
        {
            Expect(Resp.Ok, "CONFIG", "SET", "appendfsync", original);
        }
        Assert.Equal(original, ConfigGet("appendfsync")[1]);
    }

    [Fact]
    public void Config_set_errors()
    {
        var original = ConfigGet("maxclients")[1]!;
        Expect(Resp.Err("ERR Unknown option or number of arguments for CONFIG SET - 'nosuchparameter'"),
            "CONFIG", "SET", "nosuchparameter", "1");
        Expect(Resp.Err("ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer"),
            "CONFIG", "SET", "maxclients", "abc");
        Expect(Resp.WrongArity("config|set"), "CONFIG", "SET", "maxclients");
        Assert.Equal(original, ConfigGet("maxclients")[1]);
        Expect(Resp.Err("ERR unknown subcommand 'FOO'. Try CONFIG HELP."), "CONFIG", "FOO");
    }

    // ---- TIME ----

    [Fact]
    public void Time_returns_unix_seconds_and_microseconds()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var reply = Cmd("TIME");
        var after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.Matches(new Regex(@"^\*2\r\n\$\d+\r\n\d+\r\n\$\d+\r\n\d+\r\n$"), reply);
        var items = Resp.ParseFlatArray(reply);
        var seconds = long.Parse(items[0]!);
        var micros = long.Parse(items[1]!);
        Assert.InRange(seconds, before - 1, after + 1);
        Assert.InRange(micros, 0, 999_999);
        Expect(Resp.WrongArity("time"), "TIME", "x");
    }

    [Fact]
    public void Time_moves_forward()
    {
        static (long S, long Us) Read(string reply)
        {
            var items = Resp.ParseFlatArray(reply);
            return (long.Parse(items[0]!), long.Parse(items[1]!));
        }
        var first = Read(Cmd("TIME"));
        Eventually.True(() => Read(Cmd("TIME")).CompareTo(first) > 0, "TIME advances");
    }
}
