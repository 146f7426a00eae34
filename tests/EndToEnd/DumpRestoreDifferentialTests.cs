using System.Buffers.Binary;
using System.Text;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// DUMP and RESTORE against a real redis-server 7.0.15, both ways: values Redis dumps in each of its encodings
/// restore here to the same content, values this node dumps restore into Redis to the same content (and the same
/// DEBUG DIGEST-VALUE as Redis's own value), streams with their consumer groups included, and RESTORE's errors are
/// Redis's, byte for byte.
/// </summary>
[Collection(KeysCollection.Name)]
public sealed class DumpRestoreDifferentialTests(NodeFixture node) : E2ETest(node)
{
    /// <summary>A value to build with commands, and the RDB type byte redis-server's DUMP of it starts with.</summary>
    private sealed record Sample(string Name, byte RedisType, string[][] Build, Func<string, bool>? Check = null);

    private const byte RdbString = 0, RdbSet = 2, RdbHash = 4, RdbZSet2 = 5, RdbIntset = 11, RdbHashListpack = 16,
        RdbZSetListpack = 17, RdbQuicklist2 = 18;

    private static string Latin1(byte[] bytes) => RawRespClient.Latin1.GetString(bytes);

    private static IEnumerable<Sample> Samples(Random random)
    {
        string Text(int length) => new([.. Enumerable.Range(0, length).Select(_ => (char)random.Next(32, 127))]);
        string Binary(int length)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            return Latin1(bytes);
        }
        string[] Many(int n, Func<int, string> element) => [.. Enumerable.Range(0, n).Select(element)];
        static bool Second(string payload, int b) => payload[1] == b;
        static bool IntsetWidth(string payload, int width) => payload[2] == width; // [type][length][u32 width]...

        yield return new("str-raw", RdbString, [["SET", "{0}", Text(15)]]);
        yield return new("str-empty", RdbString, [["SET", "{0}", ""]]);
        yield return new("str-int8", RdbString, [["SET", "{0}", "-100"]], p => Second(p, 0xC0));
        yield return new("str-int16", RdbString, [["SET", "{0}", "30000"]], p => Second(p, 0xC1));
        yield return new("str-int32", RdbString, [["SET", "{0}", "-2000000000"]], p => Second(p, 0xC2));
        yield return new("str-int64", RdbString, [["SET", "{0}", "9000000000000"]]);
        yield return new("str-lzf", RdbString, [["SET", "{0}", string.Concat(Enumerable.Repeat(Text(40), 5000))]], p => Second(p, 0xC3));
        yield return new("str-binary-big", RdbString, [["SET", "{0}", Binary(300_000)]]);
        yield return new("list-small", RdbQuicklist2, [["RPUSH", "{0}", "a", "7", "-300", "70000", "5000000000", Text(100), ""]]);
        yield return new("list-many-nodes", RdbQuicklist2, [["RPUSH", "{0}", .. Many(20_000, i => i % 3 == 0 ? i.ToString() : Text(random.Next(1, 40)))]]);
        yield return new("list-big-elements", RdbQuicklist2, [["RPUSH", "{0}", "x", Text(9000), Binary(20_000), "y"]]);
        yield return new("set-int16", RdbIntset, [["SADD", "{0}", "1", "-3", "200", "32767"]], p => IntsetWidth(p, 2));
        yield return new("set-int32", RdbIntset, [["SADD", "{0}", "1", "100000", "-2147483648"]], p => IntsetWidth(p, 4));
        yield return new("set-int64", RdbIntset, [["SADD", "{0}", "-9223372036854775808"]], p => IntsetWidth(p, 8));
        // Over 20 bytes, Redis LZF-compresses the intset itself.
        yield return new("set-int64-compressed", RdbIntset, [["SADD", "{0}", .. Many(300, i => (i * 100_000_000_000L).ToString())]], p => Second(p, 0xC3));
        yield return new("set-strings", RdbSet, [["SADD", "{0}", .. Many(50, i => Text(random.Next(1, 30)) + i)]]);
        yield return new("set-many-ints", RdbSet, [["SADD", "{0}", .. Many(2000, i => (i * 7919 - 5000).ToString())]]);
        yield return new("hash-small", RdbHashListpack, [["HSET", "{0}", "f", "v", "n", "12", "neg", "-5", "e", ""]]);
        yield return new("hash-many-fields", RdbHash, [["HSET", "{0}", .. Many(1500, i => i % 2 == 0 ? "f" + i : Text(random.Next(0, 60)))]]);
        yield return new("hash-long-value", RdbHash, [["HSET", "{0}", "f", Text(100), "g", "1"]]);
        yield return new("zset-small", RdbZSetListpack, [["ZADD", "{0}", "1", "a", "2.5", "b", "-inf", "c", "inf", "d", "-0.125", "e", "12345678901", "f"]]);
        yield return new("zset-skiplist", RdbZSet2, [["ZADD", "{0}", .. Many(600, i => i % 2 == 0 ? (random.NextDouble() * 1e6 - 5e5).ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "m" + i)]]);
        yield return new("zset-long-member", RdbZSet2, [["ZADD", "{0}", "1", Text(80), "2", "b"]]);
    }

    private static string[] Bind(string[] command, string key) => [.. command.Select(a => a == "{0}" ? key : a)];

    [RedisServerFact]
    public async Task Values_dumped_by_redis_server_restore_here_and_go_back_with_the_same_digest()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        // Elements over 4 KB get plain quicklist nodes of their own (the default threshold is 1 GB).
        Assert.Equal(Resp.Ok, reference.Command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "4096"));
        foreach (var sample in Samples(new Random(7001)))
        {
            string key = K(sample.Name), back = key + ":back";
            foreach (var command in sample.Build) Assert.False(reference.Command(Bind(command, key)).StartsWith('-'), sample.Name);
            var payload = Payload(reference, key);
            Assert.True(payload[0] == sample.RedisType, $"{sample.Name}: redis-server wrote type {(int)payload[0]}");
            if (sample.Check is { } check) Assert.True(check(payload), $"{sample.Name}: not the encoding the sample is meant to cover");

            Assert.Equal(Resp.Ok, Cmd("RESTORE", key, "0", payload));
            Assert.True(Content(reference, key) == Content(Raw, key), $"{sample.Name}: restored here with other content");

            Assert.Equal(Resp.Ok, reference.Command("RESTORE", back, "0", Payload(Raw, key)));
            Assert.Equal(reference.Command("DEBUG", "DIGEST-VALUE", key), reference.Command("DEBUG", "DIGEST-VALUE", back));
            Assert.Equal(reference.Command("OBJECT", "ENCODING", key), reference.Command("OBJECT", "ENCODING", back));
        }
        // A list with plain nodes was among them: container 1 (plain), then the 20000-byte element's length.
        Assert.Contains("\x01\x80\x00\x00\x4E\x20", Payload(reference, K("list-big-elements")));
    }

    [RedisServerFact]
    public async Task Values_built_here_restore_into_redis_server_with_the_same_content_and_encoding()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        Assert.Equal(Resp.Ok, reference.Command("CONFIG", "SET", "sanitize-dump-payload", "yes")); // Redis's deep checks
        foreach (var sample in Samples(new Random(7002)))
        {
            string key = K(sample.Name);
            foreach (var command in sample.Build) Assert.False(Cmd(Bind(command, key)).StartsWith('-'), sample.Name);
            Assert.Equal(Resp.Ok, reference.Command("RESTORE", key, "0", Payload(Raw, key)));
            Assert.True(Content(reference, key) == Content(Raw, key), $"{sample.Name}: restored into redis-server with other content");
            Assert.Equal(Cmd("OBJECT", "ENCODING", key), reference.Command("OBJECT", "ENCODING", key));
            // And back: Redis's DUMP of it restores here under another name with the same digest as ours.
            Assert.Equal(Resp.Ok, Cmd("RESTORE", key + ":back", "0", Payload(reference, key)));
            Assert.True(Content(Raw, key) == Content(Raw, key + ":back"), $"{sample.Name}: back here with other content");
        }
    }

    [RedisServerFact]
    public async Task Older_encodings_restore_as_on_redis_server()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        var ziplist = Ziplist("a", "bb", "7", "300", "-70000", "12", new string('z', 70));
        var pairs = Ziplist("f1", "v1", "f2", "12", "f3", "");
        var scored = Ziplist("b", "-3", "a", "1.5", "c", "inf"); // in score order, as Redis wrote them
        byte[] zipmap = [2, 2, (byte)'f', (byte)'1', 2, 1, (byte)'v', (byte)'1', 0, 1, (byte)'g', 0, 0, 0xFF];
        var payloads = new Dictionary<string, byte[]>
        {
            ["list-ziplist"] = [10, .. StringOf(ziplist)],
            ["list-quicklist-v1"] = [14, 2, .. StringOf(ziplist), .. StringOf(Ziplist("x", "y"))],
            ["hash-ziplist"] = [13, .. StringOf(pairs)],
            ["hash-zipmap"] = [9, .. StringOf(zipmap)],
            ["zset-ziplist"] = [12, .. StringOf(scored)],
            ["zset-text-scores"] = [3, 3, 1, (byte)'a', 3, (byte)'1', (byte)'.', (byte)'5', 1, (byte)'b', 254, 1, (byte)'c', 255],
            ["list-plain"] = [1, 2, 1, (byte)'a', 0xC0, 0x05],
            ["set-plain"] = [2, 2, 1, (byte)'a', 0xC1, 0x2C, 0x01],
            ["hash-plain"] = [4, 1, 1, (byte)'f', 1, (byte)'v'],
        };
        foreach (var (name, body) in payloads)
        {
            string key = K(name), payload = Latin1(WithFooter(body));
            Assert.Equal(Resp.Ok, reference.Command("RESTORE", key, "0", payload));
            Assert.Equal(Resp.Ok, Cmd("RESTORE", key, "0", payload));
            Assert.True(Content(reference, key) == Content(Raw, key), $"{name}: {Content(reference, key)} / {Content(Raw, key)}");
        }
    }

    /// <summary>A stream from before Redis 7 (RDB type 15, version 9) has no group counters: each group's
    /// entries-read is estimated from the stream as Redis estimates it at load (Redis's suite, "Loading from legacy
    /// persistence"). Entries 5-0 and 6-0; groups at 5-0 (the first entry: 1 read), 0-0 (0) and 6-0 (2).</summary>
    [RedisServerFact]
    public async Task A_legacy_stream_s_groups_get_estimated_counters_as_on_redis_server()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        // One listpack node: count 2, deleted 0, master fields [data], 0; then per entry flags (2: the master's
        // fields), ms and seq deltas, the value, its element count (4). Small integers and short strings only.
        var node = Listpack([2, 0, 1, "data", 0, 2, 0, 0, "e", 4, 2, 1, 0, "f", 4]);
        byte[] masterId = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(masterId, 5);
        var body = new List<byte> { 15, 1 };                       // RDB_TYPE_STREAM_LISTPACKS, one node
        body.AddRange(StringOf(masterId));
        body.AddRange(StringOf(node));
        body.AddRange([2, 6, 0, 3]);                               // length 2, last ID 6-0, three groups
        foreach (var (name, ms) in new[] { ("g1", 5), ("g2", 0), ("g3", 6) })
            body.AddRange([.. StringOf(Encoding.ASCII.GetBytes(name)), (byte)ms, 0, 0, 0]); // last ID, no PEL, no consumers
        string payload = Latin1(WithFooter([.. body], version: 9)), key = K("legacy");
        Assert.Equal(Resp.Ok, reference.Command("RESTORE", key, "0", payload));
        Assert.Equal(Resp.Ok, Cmd("RESTORE", key, "0", payload));
        Assert.Equal(reference.Command("XINFO", "STREAM", key, "FULL"), Cmd("XINFO", "STREAM", key, "FULL"));
        Assert.Contains("entries-read\r\n:1\r\n", Cmd("XINFO", "STREAM", key, "FULL"));
    }

    /// <summary>A listpack of small integers (0-127) and short strings (under 64 bytes).</summary>
    private static byte[] Listpack(object[] elements)
    {
        var body = new List<byte>();
        foreach (var element in elements)
        {
            if (element is int n) body.AddRange([(byte)n, 1]);
            else
            {
                var text = Encoding.ASCII.GetBytes((string)element);
                body.AddRange([(byte)(0x80 | text.Length), .. text, (byte)(1 + text.Length)]);
            }
        }
        var lp = new byte[6 + body.Count + 1];
        BinaryPrimitives.WriteUInt32LittleEndian(lp, (uint)lp.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(lp.AsSpan(4), (ushort)elements.Length);
        body.CopyTo(lp, 6);
        lp[^1] = 0xFF;
        return lp;
    }

    [RedisServerFact]
    public async Task Restore_options_and_errors_reply_as_redis_server_does()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        foreach (var c in new[] { reference, Raw })
        {
            c.Command("SET", K("busy"), "v");
            c.Command("RPUSH", K("list"), "a", "b");
        }
        var good = Payload(reference, K("busy"));
        var list = Payload(reference, K("list"));
        string Body(params byte[] body) => Latin1(WithFooter(body));
        var flipped = good[..^1] + (char)(good[^1] ^ 1);
        long future = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_600_000;
        string[][] steps =
        [
            ["RESTORE", K("busy"), "0", good],
            ["RESTORE", K("busy"), "-5", "junk"],
            ["RESTORE", K("n1"), "0", "x"],
            ["RESTORE", K("n1"), "-1", good],
            ["RESTORE", K("n1"), "abc", good],
            ["RESTORE", K("n1"), "0", good, "IDLETIME"],
            ["RESTORE", K("n1"), "0", good, "IDLETIME", "-1"],
            ["RESTORE", K("n1"), "0", good, "IDLETIME", "x"],
            ["RESTORE", K("n1"), "0", good, "FREQ", "256"],
            ["RESTORE", K("n1"), "0", good, "FREQ", "-1"],
            ["RESTORE", K("n1"), "0", good, "FREQ", "1", "IDLETIME", "2"],
            ["RESTORE", K("n1"), "0", good, "IDLETIME", "1", "FREQ", "2"],
            ["RESTORE", K("n1"), "0", good, "FOO"],
            ["RESTORE", K("busy"), "0", good, "REPLACE", "FOO"],
            ["RESTORE", K("n1"), "0", flipped],
            ["RESTORE", K("n1"), "0", Latin1(WithFooter([0, 1, (byte)'v'], version: 11))],
            ["RESTORE", K("n1"), "0", Body(0x63, 0x01)],
            ["RESTORE", K("n1"), "0", Body(0x01, 0x00)],
            ["RESTORE", K("n2"), "0", Body(0x02, 0x02, 0x01, (byte)'a', 0x01, (byte)'a')],
            ["RESTORE", K("n3"), "0", Body(0x05, 0x01, 0x01, (byte)'a', 0, 0, 0, 0, 0, 0, 0xF8, 0x7F)],
            ["RESTORE", K("n5"), "0", Body(0x01, 0x80, 0xFF, 0xFF, 0xFF, 0xFF)],
            ["RESTORE", K("n6"), "0", Body(0x07, 0x01)],
            ["RESTORE", K("busy"), "0", list, "REPLACE"],
            ["LRANGE", K("busy"), "0", "-1"],
            ["RESTORE", K("busy"), "1", good, "REPLACE", "ABSTTL"],
            ["EXISTS", K("busy")],
            ["RESTORE", K("gone"), "1", good, "ABSTTL"],
            ["EXISTS", K("gone")],
            ["RESTORE", K("ttl"), "100000", good],
            ["RESTORE", K("abs"), future.ToString(), good, "ABSTTL"],
            ["PEXPIRETIME", K("abs")],
            ["RESTORE", K("idle"), "0", good, "IDLETIME", "1000", "IDLETIME", "5000"],
            ["OBJECT", "IDLETIME", K("idle")],
            ["RESTORE", K("freq"), "0", good, "FREQ", "100", "REPLACE", "REPLACE", "ABSTTL"],
            ["TYPE", K("freq")],
            ["RESTORE"],
            ["RESTORE", K("n1"), "0"],
            ["DUMP"],
            ["DUMP", K("missing")],
            ["DUMP", K("a"), K("b")],
        ];
        foreach (var step in steps)
        {
            var expected = reference.Command(step);
            var actual = Cmd(step);
            Assert.True(expected == actual, $"{string.Join(' ', step.Select(a => RawRespClient.Escape(a.Length > 40 ? a[..40] : a)))}\n" +
                $"redis-server: {RawRespClient.Escape(expected)}\nthis node:    {RawRespClient.Escape(actual)}");
        }
        long pttl = long.Parse(Cmd("PTTL", K("ttl"))[1..^2]);
        Assert.InRange(pttl, 90_000, 100_000);
    }

    [RedisServerFact]
    public async Task Freq_sets_the_lfu_counter_under_an_lfu_policy_as_on_redis_server()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        var policy = Resp.ParseFlatArray(Cmd("CONFIG", "GET", "maxmemory-policy"))[1]!;
        try
        {
            using var reference = redis.Raw();
            foreach (var c in new[] { reference, Raw })
            {
                Assert.Equal(Resp.Ok, c.Command("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"));
                c.Command("SET", K("src"), "v");
            }
            var payload = Payload(reference, K("src"));
            string[][] steps =
            [
                ["RESTORE", K("f"), "0", payload, "FREQ", "100"],
                ["OBJECT", "FREQ", K("f")],
                ["RESTORE", K("i"), "0", payload, "IDLETIME", "50"],
                ["OBJECT", "FREQ", K("i")],
                ["OBJECT", "IDLETIME", K("i")],
            ];
            foreach (var step in steps) Assert.Equal(reference.Command(step), Cmd(step));
        }
        finally
        {
            Cmd("CONFIG", "SET", "maxmemory-policy", policy);
        }
    }

    [RedisServerFact]
    public async Task HyperLogLogs_move_both_ways_as_strings()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        var dense = Latin1(Convert.FromBase64String(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "redis-7.0.15-hll-100k.b64")).Trim()));
        Assert.Equal(Resp.Ok, reference.Command("SET", K("dense"), dense));
        Assert.Equal(Resp.Ok, Cmd("RESTORE", K("dense"), "0", Payload(reference, K("dense"))));
        Assert.Equal(reference.Command("PFCOUNT", K("dense")), Cmd("PFCOUNT", K("dense")));
        Assert.Equal(Resp.Bulk(dense), Cmd("GET", K("dense")));

        Assert.Equal(Resp.Int(1), Cmd(["PFADD", K("sparse"), .. Enumerable.Range(0, 300).Select(i => "e" + i)]));
        Assert.Equal(Resp.Ok, reference.Command("RESTORE", K("sparse"), "0", Payload(Raw, K("sparse"))));
        Assert.Equal(Cmd("PFCOUNT", K("sparse")), reference.Command("PFCOUNT", K("sparse")));
        Assert.Equal(Resp.Int(1), reference.Command("PFADD", K("sparse"), "one more"));
        Assert.Equal(Resp.Int(1), Cmd("PFADD", K("sparse"), "one more"));
        Assert.Equal(Cmd("PFCOUNT", K("sparse")), reference.Command("PFCOUNT", K("sparse")));
    }

    /// <summary>A stream over several nodes with tombstones, entries with other fields, two groups (one with
    /// pending entries of two consumers and an idle one), and an emptied stream.</summary>
    private void BuildStreams(RawRespClient c, string key, string emptied)
    {
        for (int i = 1; i < 260; i++)
        {
            string id = $"{1000 + i / 3}-{i % 3}";
            var reply = i % 7 == 0 ? c.Command("XADD", key, id, "other", "x" + i) : c.Command("XADD", key, id, "f", "v" + i, "g", i.ToString());
            Assert.Equal(Resp.Bulk(id), reply);
        }
        Assert.Equal(Resp.Int(2), c.Command("XDEL", key, "1010-1", "1011-0"));
        Assert.Equal(Resp.Ok, c.Command("XGROUP", "CREATE", key, "g1", "0", "ENTRIESREAD", "0"));
        Assert.Equal(Resp.Ok, c.Command("XGROUP", "CREATE", key, "g2", "$"));
        Assert.StartsWith("*1", c.Command("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "5", "STREAMS", key, ">"));
        Assert.StartsWith("*1", c.Command("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", key, ">"));
        Assert.Equal(Resp.Int(1), c.Command("XACK", key, "g1", "1000-1"));
        Assert.Equal(Resp.Int(1), c.Command("XGROUP", "CREATECONSUMER", key, "g1", "carol"));
        Assert.Equal(Resp.Bulk("1-1"), c.Command("XADD", emptied, "1-1", "a", "b"));
        Assert.Equal(Resp.Int(1), c.Command("XDEL", emptied, "1-1"));
    }

    [RedisServerFact]
    public async Task Streams_with_consumer_groups_move_both_ways()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        // Redis's deep check of every listpack and stream entry, for the payloads this node writes.
        Assert.Equal(Resp.Ok, reference.Command("CONFIG", "SET", "sanitize-dump-payload", "yes"));
        foreach (var (from, to, name) in new[] { (reference, Raw, "redis"), (Raw, reference, "here") })
        {
            string key = K(name), emptied = K(name + ":emptied");
            BuildStreams(from, key, emptied);
            foreach (var k in new[] { key, emptied })
            {
                Assert.Equal(Resp.Ok, to.Command("RESTORE", k, "0", Payload(from, k)));
                Assert.True(Content(from, k) == Content(to, k), $"{k}:\n{Content(from, k)}\n{Content(to, k)}");
            }
            // Both append to the restored stream alike (Redis into the last listpack node it was given).
            foreach (var c in new[] { from, to })
            {
                Assert.Equal(Resp.Bulk("5000-1"), c.Command("XADD", key, "5000-1", "f", "new", "g", "1"));
                Assert.Equal(Resp.Bulk("5000-2"), c.Command("XADD", key, "5000-2", "zzz", "new"));
            }
            Assert.True(Content(from, key) == Content(to, key), key);
        }
        // Redis's stream, through this node and back, has Redis's digest (entries, groups, PELs, consumers).
        Assert.Equal(Resp.Ok, Cmd("RESTORE", K("trip"), "0", Payload(reference, K("redis"))));
        Assert.Equal(Resp.Ok, reference.Command("RESTORE", K("trip"), "0", Payload(Raw, K("trip"))));
        Assert.Equal(reference.Command("DEBUG", "DIGEST-VALUE", K("redis")), reference.Command("DEBUG", "DIGEST-VALUE", K("trip")));
    }

    [HyperCacheFact]
    public void Cuckoo_filters_give_a_clear_error()
    {
        Assert.Equal(Resp.Ok, Cmd("CF.RESERVE", K("cf"), "100"));
        Assert.Equal(Resp.Err("ERR DUMP of Cuckoo filter values is not supported (a RedisBloom module type in Redis)"), Cmd("DUMP", K("cf")));
    }

    /// <summary>The bulk string DUMP replied, in Latin-1 (one char per byte).</summary>
    internal static string Payload(RawRespClient c, string key)
    {
        var reply = Resp.Parse(c.Command("DUMP", key));
        return reply as string ?? throw new Xunit.Sdk.XunitException($"DUMP {key} replied {reply}");
    }

    /// <summary>TYPE and the whole value, in an order that does not depend on the server (sets and hashes sorted).</summary>
    internal static string Content(RawRespClient c, string key)
    {
        var type = (string?)Resp.Parse(c.Command("TYPE", key)) ?? "";
        IEnumerable<string?> items = type switch
        {
            "string" => [(string?)Resp.Parse(c.Command("GET", key))],
            "list" => Resp.ParseFlatArray(c.Command("LRANGE", key, "0", "-1")),
            "set" => Resp.ParseFlatArray(c.Command("SMEMBERS", key)).Order(StringComparer.Ordinal),
            "hash" => Resp.ParseFlatArray(c.Command("HGETALL", key)).Chunk(2).Select(p => p[0] + "\u0000" + p[1]).Order(StringComparer.Ordinal),
            "zset" => Resp.ParseFlatArray(c.Command("ZRANGE", key, "0", "-1", "WITHSCORES")),
            "stream" => StreamContent(c, key),
            _ => [],
        };
        return type + ":" + string.Join("\u0001", items);
    }

    /// <summary>A stream's entries, counters, groups, consumers and pending entries, without the times that
    /// depend on when the reply was made (idle times) or on the version (Redis 7.2's inactive).</summary>
    private static IEnumerable<string?> StreamContent(RawRespClient c, string key)
    {
        yield return Render(Resp.Parse(c.Command("XRANGE", key, "-", "+")));
        var info = (List<object?>)Resp.Parse(c.Command("XINFO", "STREAM", key))!;
        string[] fields = ["length", "last-generated-id", "max-deleted-entry-id", "entries-added", "recorded-first-entry-id", "groups"];
        for (int i = 0; i < info.Count; i += 2)
            if (fields.Contains(info[i] as string)) yield return info[i] + "=" + Render(info[i + 1]);
        var groups = (List<object?>)Resp.Parse(c.Command("XINFO", "GROUPS", key))!;
        foreach (var group in groups.Cast<List<object?>>())
        {
            yield return Render(group);
            var name = (string)group[1]!;
            yield return Render(Resp.Parse(c.Command("XINFO", "CONSUMERS", key, name)));
            var pending = (List<object?>)Resp.Parse(c.Command("XPENDING", key, name, "-", "+", "1000"))!;
            foreach (var entry in pending.Cast<List<object?>>()) yield return $"{entry[0]} {entry[1]} {entry[3]}";
        }
    }

    private static string Render(object? reply) => reply switch
    {
        List<object?> list => "[" + string.Join(",", Pairs(list)) + "]",
        _ => reply?.ToString() ?? "nil",
    };

    private static IEnumerable<string> Pairs(List<object?> list)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is "idle" or "inactive" && i + 1 < list.Count && list[i + 1] is long) { i++; continue; }
            yield return Render(list[i]);
        }
    }

    private static byte[] StringOf(byte[] bytes)
    {
        if (bytes.Length >= 64) return [(byte)(0x40 | (bytes.Length >> 8)), (byte)bytes.Length, .. bytes];
        return [(byte)bytes.Length, .. bytes];
    }

    /// <summary>A ziplist of short strings (integers of up to 64 bits are stored as integers, as Redis does).</summary>
    private static byte[] Ziplist(params string[] elements)
    {
        var entries = new List<byte>();
        int previous = 0;
        foreach (var element in elements)
        {
            var entry = new List<byte> { (byte)previous };
            if (long.TryParse(element, out long n) && n.ToString() == element)
            {
                if (n is >= 0 and <= 12) entry.Add((byte)(0xF1 + n));
                else if (n is >= short.MinValue and <= short.MaxValue) { entry.Add(0xC0); entry.AddRange(BitConverter.GetBytes((short)n)); }
                else if (n is >= int.MinValue and <= int.MaxValue) { entry.Add(0xD0); entry.AddRange(BitConverter.GetBytes((int)n)); }
                else { entry.Add(0xE0); entry.AddRange(BitConverter.GetBytes(n)); }
            }
            else
            {
                var bytes = Encoding.ASCII.GetBytes(element);
                if (bytes.Length < 64) entry.Add((byte)bytes.Length);
                else { entry.Add((byte)(0x40 | (bytes.Length >> 8))); entry.Add((byte)bytes.Length); }
                entry.AddRange(bytes);
            }
            previous = entry.Count; // the whole entry, its own prevlen byte included
            entries.AddRange(entry);
        }
        var zl = new byte[10 + entries.Count + 1];
        BinaryPrimitives.WriteUInt32LittleEndian(zl, (uint)zl.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(zl.AsSpan(4), (uint)(10 + entries.Count - previous));
        BinaryPrimitives.WriteUInt16LittleEndian(zl.AsSpan(8), (ushort)elements.Length);
        entries.CopyTo(zl, 10);
        zl[^1] = 0xFF;
        return zl;
    }

    /// <summary>The DUMP footer: RDB version and Redis's CRC-64 (Jones polynomial, reflected, no final xor).</summary>
    internal static byte[] WithFooter(byte[] body, int version = 10)
    {
        var payload = new byte[body.Length + 10];
        body.CopyTo(payload, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(body.Length), (ushort)version);
        ulong crc = 0;
        foreach (byte b in payload.AsSpan(0, body.Length + 2))
        {
            crc ^= b;
            for (int i = 0; i < 8; i++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x95ac9329ac4bc9b5UL : crc >> 1;
        }
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(body.Length + 2), crc);
        return payload;
    }
}
