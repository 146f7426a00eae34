using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>A redis-server 7.0.15 beside the collection's node, for the tests that compare COMMAND's answers.</summary>
public sealed class RedisReference : IAsyncLifetime
{
    private NodeFixture? _redis;

    public NodeFixture Server => _redis ?? throw new InvalidOperationException("redis-server not started");

    public async Task InitializeAsync()
    {
        if (!RedisServerFactAttribute.Available) return;
        _redis = await NodeFixture.StartRedisServerAsync();
    }

    public async Task DisposeAsync()
    {
        if (_redis is not null) await _redis.DisposeAsync();
    }
}

/// <summary>
/// COMMAND, COMMAND INFO, DOCS, COUNT, LIST, GETKEYS and GETKEYSANDFLAGS against redis-server 7.0.15, in RESP2 and
/// RESP3: every command and subcommand this node has must be described exactly as Redis describes it (flags, arity,
/// key positions, ACL categories, tips, key specs, docs), except the differences docs/decisions.md records ("COMMAND
/// INFO and DOCS"), which are spelled out below. Only the order of subcommands, which Redis leaves to its hash
/// table, is not compared.
/// </summary>
[Collection(StringsCollection.Name)]
public sealed class CommandTableTests(NodeFixture node, RedisReference redis) : E2ETest(node), IClassFixture<RedisReference>
{
    /// <summary>Commands and subcommands Redis 7.0.15 lacks: RedisBloom's Cuckoo filters, and Redis 7.2's CLIENT SETINFO.</summary>
    private static readonly string[] OnlyHere =
    [
        "cf.add", "cf.addnx", "cf.count", "cf.del", "cf.exists", "cf.info", "cf.insert", "cf.insertnx", "cf.mexists",
        "cf.reserve", "client|setinfo",
    ];

    /// <summary>Command lines whose keys GETKEYS and GETKEYSANDFLAGS must find as Redis does: the movable-key commands
    /// (key specs by keyword or count, and Redis's own key finders), the plain ones, and the errors.</summary>
    private static readonly string[] KeyLines =
    [
        "GET k", "GET", "GET a b", "SET k v", "SET k v GET", "SET k v EX 10 GET", "MSET a 1 b 2", "MSET a 1 b", "MGET a b c", "DEL a b c",
        "XREAD STREAMS a b 0 0", "XREAD COUNT 2 STREAMS s1 s2 s3 0 0 0", "XREAD STREAMS a b c", "XREAD BLOCK 0 STREAMS a 0", "XREAD a b",
        "XREADGROUP GROUP g c STREAMS a b 0 0", "XREADGROUP GROUP g c COUNT 1 NOACK STREAMS s >", "XREADGROUP GROUP STREAMS c STREAMS s >",
        "XREADGROUP GROUP g c STREAMS s", "EVAL s 2 a b c", "EVAL s 0", "EVAL s 3 a b", "EVAL s abc a", "EVAL s -1 a", "EVAL s 01 a", "EVAL s 1x a", "ZUNIONSTORE d 2x a b", "EVAL s 9 a",
        "EVALSHA x 1 k", "EVAL_RO s 1 k a", "EVALSHA_RO x 2 a b", "FCALL f 2 a b c", "FCALL_RO f 1 k a", "FCALL f 0", "FCALL f 3 a", "ZUNIONSTORE d 2 a b", "ZUNIONSTORE d 2 a b WEIGHTS 1 2",
        "ZUNIONSTORE d 3 a b", "ZUNIONSTORE d x a", "ZINTERSTORE d 1 a", "ZDIFFSTORE d 2 a b", "ZUNION 2 a b",
        "ZINTER 2 a b WITHSCORES", "ZDIFF 1 a", "ZINTERCARD 2 a b LIMIT 1", "ZDIFF 0 a", "SINTERCARD 2 a b", "SINTERCARD 3 a b",
        "SINTER a b", "SUNIONSTORE d a b", "SDIFFSTORE d a", "LMPOP 2 a b LEFT", "LMPOP 1 a RIGHT COUNT 2", "LMPOP 0 a LEFT",
        "BLMPOP 0 2 a b LEFT", "ZMPOP 2 a b MIN", "BZMPOP 1 2 a b MAX", "BLPOP a b 0", "BRPOP a 0", "BLMOVE a b LEFT RIGHT 0",
        "LMOVE a b LEFT LEFT", "RPOPLPUSH a b", "BZPOPMIN a b 0", "SORT k", "SORT k STORE d", "SORT k BY x GET y STORE d",
        "SORT k LIMIT 0 10 STORE d STORE e", "SORT k STORE", "SORT_RO k BY x", "BITFIELD k GET u8 0", "BITFIELD k SET u8 0 1",
        "BITFIELD k OVERFLOW WRAP GET u8 0", "BITFIELD k", "BITFIELD_RO k GET u8 0", "BITOP AND d a b", "PFMERGE d a b",
        "PFCOUNT a b", "RENAME a b", "COPY a b", "SMOVE a b m", "OBJECT ENCODING k", "OBJECT HELP", "OBJECT",
        "XGROUP CREATE s g $", "XGROUP HELP", "XGROUP nosuch a", "XINFO STREAM s", "XINFO GROUPS s", "XINFO CONSUMERS s g",
        "GEORADIUS k 0 0 1 km STORE d", "GEORADIUS k 0 0 1 km", "GEORADIUSBYMEMBER k m 1 km STOREDIST d",
        "GEOSEARCHSTORE d s FROMMEMBER m BYRADIUS 1 km", "ZRANGESTORE d s 0 1", "PING", "PING x", "CONFIG GET x", "COMMAND INFO",
        "NOSUCH a", "WATCH a b", "EXISTS a b", "TOUCH a", "UNLINK a b", "MSETNX a 1 b 2", "GETEX k PERSIST", "XADD s * f v",
        "XACK s g 1", "XCLAIM s g c 0 1", "XAUTOCLAIM s g c 0 0", "XPENDING s g", "XSETID s 1", "SUBSCRIBE a", "PUBLISH c m",
        "DEBUG DIGEST", "HSET h f v", "SCRIPT LOAD x", "CLIENT LIST", "MULTI", "SWAPDB 0 1", "FLUSHALL", "KEYS *", "SCAN 0",
        "TYPE k", "EXPIRE k 1", "SETRANGE k 0 v", "SRANDMEMBER k", "LPOS k e", "ZADD k 1 m", "HRANDFIELD k", "STRLEN k",
        "PFADD k a", "GETDEL k", "SUBSTR k 0 1", "SINTERSTORE d a b", "ZADD k", "BLPOP", "XINFO", "xread streams a 0",
        "MIGRATE h 1 k 0 10", "MIGRATE h 1 k 0 10 KEYS a b", "MIGRATE h 1 k 0 10 AUTH KEYS", "MIGRATE h 1 k 0 10 AUTH2 u KEYS",
        "MIGRATE h 1 k 0 10 COPY REPLACE", "migrate h 1 k 0", "RESTORE-ASKING k 0 x", "ASKING",
    ];

    private RawRespClient Reference(int protocol)
    {
        var client = redis.Server.Raw();
        if (protocol == 3) client.Command("HELLO", "3");
        return client;
    }

    private RawRespClient Ours(int protocol)
    {
        var client = Node.Raw();
        if (protocol == 3) client.Command("HELLO", "3");
        return client;
    }

    [RedisServerTheory]
    [InlineData(2)]
    [InlineData(3)]
    public void Command_info_of_every_command_and_subcommand_is_redis_7_0_15s(int protocol)
    {
        using var reference = Reference(protocol);
        using var ours = Ours(protocol);
        var all = RespTree.Parse(ours.Command("COMMAND")).Items!;
        Assert.True(all.Count > 200, $"COMMAND listed {all.Count} commands");
        var failures = new List<string>();
        var missing = new List<string>();
        foreach (var entry in all)
        {
            string name = entry.Items![0].Text!;
            var listed = Subcommands(entry).Select(s => s.Items![0].Text!).ToHashSet();
            Compare(name, listed);
            foreach (var sub in listed) Compare(sub, []);
        }
        Assert.True(failures.Count == 0, $"{failures.Count} COMMAND INFO entries differ from redis-server's:\n" + string.Join("\n", failures));
        if (!Node.IsRedis) Assert.Equal(OnlyHere.Order(), missing.Order());

        // COMMAND INFO name (by its full name for a subcommand) against redis-server's; the container's subcommands
        // narrowed to those this node has
        void Compare(string name, HashSet<string> listed)
        {
            var theirs = RespTree.Parse(reference.Command("COMMAND", "INFO", name)).Items![0];
            var mine = RespTree.Parse(ours.Command("COMMAND", "INFO", name)).Items![0];
            Assert.True(mine.IsAggregate, $"COMMAND INFO {name}: nil from this node although COMMAND lists it");
            if (!theirs.IsAggregate)
            {
                missing.Add(name);
                return;
            }
            var canonical = Canonical(theirs, listed, protocol);
            var expected = (Node.IsRedis ? canonical : Recorded(canonical, protocol)).ToString();
            var actual = Canonical(mine, [.. listed.Except(OnlyHere)], protocol).ToString();
            if (expected != actual)
                failures.Add($"{name}: {Difference(expected, actual)}");
        }
    }

    /// <summary>Where two replies part, with some bytes before and after.</summary>
    private static string Difference(string expected, string actual)
    {
        int at = 0;
        while (at < expected.Length && at < actual.Length && expected[at] == actual[at]) at++;
        int from = Math.Max(0, at - 120);
        string Around(string s) => RawRespClient.Escape(s[from..Math.Min(s.Length, at + 120)]);
        return $"from byte {at}:\n  redis-server: ...{Around(expected)}...\n  this node:    ...{Around(actual)}...";
    }

    private static IEnumerable<RespTree> Subcommands(RespTree entry) => entry.Items![9].Items ?? [];

    /// <summary>The entry with its subcommands (those in <paramref name="keep"/>, or all) in name order; Redis writes an
    /// empty subcommand list as a set.</summary>
    private static RespTree Canonical(RespTree entry, HashSet<string>? keep, int protocol)
    {
        var subs = Subcommands(entry)
            .Where(s => keep is null || keep.Contains(s.Items![0].Text!))
            .Select(s => Canonical(s, null, protocol))
            .OrderBy(s => s.Items![0].Text, StringComparer.Ordinal)
            .ToList();
        entry.Items![9] = subs.Count > 0 ? new RespTree { Type = '*', Items = subs } : new RespTree { Type = protocol == 3 ? '~' : '*', Items = [] };
        return entry;
    }

    /// <summary>The differences docs/decisions.md records, applied to redis-server's entry.</summary>
    private static RespTree Recorded(RespTree entry, int protocol)
    {
        var items = entry.Items!;
        switch (items[0].Text)
        {
            case "zrank" or "zrevrank": // WITHSCORE, as Redis 7.2
                items[1] = new RespTree { Type = ':', Text = "-3" };
                break;
        }
        foreach (var sub in Subcommands(entry)) Recorded(sub, protocol);
        return entry;
    }

    [RedisServerTheory]
    [InlineData(2)]
    [InlineData(3)]
    public void Command_docs_of_every_command_are_redis_7_0_15s(int protocol)
    {
        using var reference = Reference(protocol);
        using var ours = Ours(protocol);
        var all = RespTree.Parse(ours.Command("COMMAND")).Items!;
        var failures = new List<string>();
        foreach (var entry in all)
        {
            string name = entry.Items![0].Text!;
            var listed = Subcommands(entry).Select(s => s.Items![0].Text!).ToHashSet();
            var theirs = RespTree.Parse(reference.Command("COMMAND", "DOCS", name));
            var mine = RespTree.Parse(ours.Command("COMMAND", "DOCS", name));
            Assert.Equal(2, mine.Items!.Count);
            Assert.Equal(name, mine.Items[0].Text);
            if (theirs.Items!.Count == 0)
            {
                Assert.Contains(name, OnlyHere);
                Assert.NotNull(mine.Items[1].Get("summary"));
                continue;
            }
            var expected = CanonicalDocs(theirs, listed).ToString();
            var actual = CanonicalDocs(mine, [.. listed.Except(OnlyHere)]).ToString();
            if (expected != actual)
                failures.Add($"{name}: {Difference(expected, actual)}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} COMMAND DOCS replies differ from redis-server's:\n" + string.Join("\n", failures));

        // a subcommand asked by its full name (with our summary, first), and unknown names left out
        var docs = RespTree.Parse(ours.Command("COMMAND", "DOCS", "xgroup|create", "nosuchcommand"));
        Assert.Equal("summary", docs.Items![1].Items![0].Text);
        Assert.Equal(CanonicalDocs(RespTree.Parse(reference.Command("COMMAND", "DOCS", "xgroup|create", "nosuchcommand")), null).ToString(),
            CanonicalDocs(docs, null).ToString());
    }

    /// <summary>COMMAND DOCS's map with its "subcommands" narrowed to <paramref name="keep"/> (none left: the field
    /// goes) and in name order, and without Redis's prose, which HyperCache does not carry (docs/decisions.md).</summary>
    private static RespTree CanonicalDocs(RespTree reply, HashSet<string>? keep)
    {
        var docs = reply.Items![1].Items!;
        WithoutProse(docs);
        for (int i = 0; i + 1 < docs.Count; i += 2)
        {
            if (docs[i].Text != "subcommands") continue;
            var pairs = docs[i + 1].Items!.Chunk(2)
                .Where(p => keep is null || keep.Contains(p[0].Text!))
                .OrderBy(p => p[0].Text, StringComparer.Ordinal)
                .ToList();
            if (pairs.Count == 0)
            {
                docs.RemoveRange(i, 2);
                break;
            }
            docs[i + 1].Items = pairs.SelectMany(p => p).ToList();
        }
        return reply;
    }

    private static readonly HashSet<string> Prose = ["summary", "complexity", "history"];

    /// <summary>Drops the prose fields from a docs map (flattened key, value, ...) and from its subcommands' maps.</summary>
    private static void WithoutProse(List<RespTree> docs)
    {
        for (int i = docs.Count - 2; i >= 0; i -= 2)
        {
            if (Prose.Contains(docs[i].Text!)) docs.RemoveRange(i, 2);
            else if (docs[i].Text == "subcommands")
                for (int j = 1; j < docs[i + 1].Items!.Count; j += 2) WithoutProse(docs[i + 1].Items![j].Items!);
        }
    }

    [RedisServerTheory]
    [InlineData(2)]
    [InlineData(3)]
    public void Command_getkeys_finds_the_keys_redis_7_0_15_finds(int protocol)
    {
        using var reference = Reference(protocol);
        using var ours = Ours(protocol);
        var failures = new List<string>();
        foreach (var line in KeyLines)
        {
            var words = line.Split(' ');
            foreach (var sub in new[] { "GETKEYS", "GETKEYSANDFLAGS" })
            {
                string[] args = ["COMMAND", sub, .. words];
                var expected = reference.Command(args);
                var actual = ours.Command(args);
                if (expected != actual)
                    failures.Add($"COMMAND {sub} {line}: {Difference(expected, actual)}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {2 * KeyLines.Length} differ:\n" + string.Join("\n", failures));
    }

    [RedisServerFact]
    public void Command_count_and_list_name_every_command_and_subcommand()
    {
        using var reference = Reference(2);
        var all = RespTree.Parse(Cmd("COMMAND")).Items!;
        var names = all.SelectMany(e => new[] { e.Items![0].Text! }.Concat(Subcommands(e).Select(s => s.Items![0].Text!))).ToHashSet();
        Expect(Resp.Int(all.Count), "COMMAND", "COUNT");
        var list = Resp.ParseFlatArray(Cmd("COMMAND", "LIST")).Select(n => n!).ToList();
        Assert.True(names.SetEquals(list) && list.Count == names.Count,
            $"COMMAND LIST: missing {string.Join(' ', names.Except(list))}; extra {string.Join(' ', list.Except(names))}");
        foreach (var filter in new[] { "ACLCAT string", "ACLCAT Admin", "ACLCAT stream", "ACLCAT nosuch", "PATTERN x*", "PATTERN XGROUP*", "PATTERN *|*", "MODULE x" })
        {
            string[] args = ["COMMAND", "LIST", "FILTERBY", .. filter.Split(' ')];
            var theirs = Resp.ParseFlatArray(reference.Command(args)).Where(n => names.Contains(n!)).Order();
            Assert.Equal(theirs, Resp.ParseFlatArray(Cmd(args)).Where(n => !OnlyHere.Contains(n)).Order());
        }
        foreach (var bad in new[] { "COMMAND LIST FILTERBY", "COMMAND LIST FILTERBY PATTERN", "COMMAND LIST FILTERBY X Y", "COMMAND LIST X" })
            Expect(reference.Command(bad.Split(' ')), bad.Split(' '));
        Expect(reference.Command("COMMAND", "HELP"), "COMMAND", "HELP");
        Expect(reference.Command("COMMAND", "INFO", "xgroup|nosuch", "get|x", "XGROUP|CREATE"), "COMMAND", "INFO", "xgroup|nosuch", "get|x", "XGROUP|CREATE");
    }
}

/// <summary>A theory that needs redis-server on the PATH (skipped, saying so, without it).</summary>
public sealed class RedisServerTheoryAttribute : TheoryAttribute
{
    public RedisServerTheoryAttribute()
    {
        if (!RedisServerFactAttribute.Available) Skip = RedisServerFactAttribute.Missing;
    }
}
