using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// CF.RESERVE, CF.ADD, CF.ADDNX, CF.INSERT, CF.INSERTNX, CF.EXISTS, CF.MEXISTS, CF.COUNT, CF.DEL, CF.INFO.
/// The expected replies come from RedisBloom 2.x's source (src/rebloom.c, src/cuckoo.c): the local redis-server
/// has no RedisBloom module, so these facts are skipped under HYPERCACHE_E2E_TARGET=redis.
/// </summary>
[Collection(KeysCollection.Name)]
public sealed class CuckooFilterTests(NodeFixture node) : E2ETest(node)
{
    private static string Info(long size, long buckets, long filters, long items, long deleted, long bucketSize, long expansion, long maxIterations)
        => Resp.Array(
            Resp.Simple("Size"), Resp.Int(size),
            Resp.Simple("Number of buckets"), Resp.Int(buckets),
            Resp.Simple("Number of filters"), Resp.Int(filters),
            Resp.Simple("Number of items inserted"), Resp.Int(items),
            Resp.Simple("Number of items deleted"), Resp.Int(deleted),
            Resp.Simple("Bucket size"), Resp.Int(bucketSize),
            Resp.Simple("Expansion rate"), Resp.Int(expansion),
            Resp.Simple("Max iterations"), Resp.Int(maxIterations));

    private static string Ints(params long[] values) => Resp.Array(values.Select(Resp.Int).ToArray());

    /// <summary>The "Number of ..." integer at a given pair of a CF.INFO reply.</summary>
    private long InfoField(string key, int pair)
    {
        var items = Resp.ParseFlatArray(Cmd("CF.INFO", key));
        return long.Parse(items[pair * 2 + 1]!);
    }

    [RedisBloomFact]
    public void Reserve_creates_an_empty_filter_with_redisbloom_defaults()
    {
        Expect(Resp.Ok, "CF.RESERVE", K(), "1000");
        Expect(Info(1080, 512, 1, 0, 0, 2, 1, 20), "CF.INFO", K());
        Expect(Resp.Simple("MBbloomCF"), "TYPE", K());
        Expect(Resp.Int(1), "EXISTS", K());

        Expect(Resp.Ok, "CF.RESERVE", K("custom"), "1000", "bucketsize", "4", "MAXITERATIONS", "50", "EXPANSION", "3");
        Expect(Info(40 + 16 + 256 * 4, 256, 1, 0, 0, 4, 4, 50), "CF.INFO", K("custom")); // expansion rounds up to a power of two
    }

    [RedisBloomFact]
    public void Reserve_errors()
    {
        Expect(Resp.WrongArity("cf.reserve"), "CF.RESERVE", K());
        Expect(Resp.WrongArity("cf.reserve"), "CF.RESERVE", K(), "100", "BUCKETSIZE");
        Expect(Resp.Err("Bad capacity"), "CF.RESERVE", K(), "lots");
        Expect(Resp.Err("Capacity must be at least (BucketSize * 2)"), "CF.RESERVE", K(), "3");
        Expect(Resp.Err("Capacity must be at least (BucketSize * 2)"), "CF.RESERVE", K(), "7", "BUCKETSIZE", "4");
        Expect(Resp.Err("Couldn't parse BUCKETSIZE"), "CF.RESERVE", K(), "100", "BUCKETSIZE", "x");
        Expect(Resp.Err("BUCKETSIZE: value must be an integer between 1 and 255, inclusive."), "CF.RESERVE", K(), "100", "BUCKETSIZE", "0");
        Expect(Resp.Err("Couldn't parse MAXITERATIONS"), "CF.RESERVE", K(), "100", "MAXITERATIONS", "1.5");
        Expect(Resp.Err("MAXITERATIONS: value must be an integer between 1 and 65535, inclusive."), "CF.RESERVE", K(), "100", "MAXITERATIONS", "65536");
        Expect(Resp.Err("Couldn't parse EXPANSION"), "CF.RESERVE", K(), "100", "EXPANSION", "");
        Expect(Resp.Err("EXPANSION: value must be an integer between 0 and 32768, inclusive."), "CF.RESERVE", K(), "100", "EXPANSION", "-1");
        // Over our 1 GiB cap per sub-filter (RedisBloom would try to allocate it): refused, nothing created.
        Expect(Resp.Err("Couldn't create Cuckoo Filter"), "CF.RESERVE", K(), "9223372036854775807");
        Expect(Resp.Int(0), "EXISTS", K());

        Expect(Resp.Ok, "CF.RESERVE", K(), "100");
        Expect(Resp.Err("ERR item exists"), "CF.RESERVE", K(), "100");
        Expect(Resp.Ok, "SET", K("s"), "v");
        Expect(Resp.WrongType, "CF.RESERVE", K("s"), "100");
    }

    [RedisBloomFact]
    public void Add_addnx_exists_mexists_count_del()
    {
        Expect(Resp.Int(1), "CF.ADD", K(), "a");
        Expect(Resp.Int(1), "CF.ADD", K(), "a");
        Expect(Resp.Int(0), "CF.ADDNX", K(), "a");
        Expect(Resp.Int(1), "CF.ADDNX", K(), "b");
        Expect(Resp.Int(1), "CF.EXISTS", K(), "a");
        Expect(Resp.Int(0), "CF.EXISTS", K(), "c");
        Expect(Ints(1, 1, 0), "CF.MEXISTS", K(), "a", "b", "c");
        Expect(Resp.Int(2), "CF.COUNT", K(), "a");
        Expect(Resp.Int(0), "CF.COUNT", K(), "c");
        Expect(Info(1080, 512, 1, 3, 0, 2, 1, 20), "CF.INFO", K()); // created with capacity 1024

        Expect(Resp.Int(1), "CF.DEL", K(), "a");
        Expect(Resp.Int(1), "CF.COUNT", K(), "a");
        Expect(Resp.Int(1), "CF.DEL", K(), "a");
        Expect(Resp.Int(0), "CF.EXISTS", K(), "a");
        Expect(Resp.Int(0), "CF.DEL", K(), "a");
        Expect(Info(1080, 512, 1, 1, 2, 2, 1, 20), "CF.INFO", K());
        // Deleting the last item leaves the (empty) filter in place, as RedisBloom does.
        Expect(Resp.Int(1), "CF.DEL", K(), "b");
        Expect(Resp.Simple("MBbloomCF"), "TYPE", K());
    }

    [RedisBloomFact]
    public void Missing_keys_and_other_types()
    {
        Expect(Resp.Int(0), "CF.EXISTS", K("none"), "a");
        Expect(Ints(0, 0), "CF.MEXISTS", K("none"), "a", "b");
        Expect(Resp.Int(0), "CF.COUNT", K("none"), "a");
        Expect(Resp.Err("Not found"), "CF.DEL", K("none"), "a");
        Expect(Resp.Err("ERR not found"), "CF.INFO", K("none"));

        Expect(Resp.Ok, "SET", K("s"), "v");
        Expect(Resp.WrongType, "CF.ADD", K("s"), "a");
        Expect(Resp.WrongType, "CF.ADDNX", K("s"), "a");
        Expect(Resp.WrongType, "CF.INSERT", K("s"), "ITEMS", "a");
        Expect(Resp.WrongType, "CF.INFO", K("s"));
        Expect(Resp.Err("Not found"), "CF.DEL", K("s"), "a");
        Expect(Resp.Int(0), "CF.EXISTS", K("s"), "v"); // RedisBloom answers 0 rather than WRONGTYPE here
        Expect(Resp.Bulk("v"), "GET", K("s"));
    }

    [RedisBloomFact]
    public void Arity_errors()
    {
        Expect(Resp.WrongArity("cf.add"), "CF.ADD", K());
        Expect(Resp.WrongArity("cf.addnx"), "CF.ADDNX", K(), "a", "b");
        Expect(Resp.WrongArity("cf.exists"), "CF.EXISTS", K());
        Expect(Resp.WrongArity("cf.mexists"), "CF.MEXISTS", K());
        Expect(Resp.WrongArity("cf.count"), "CF.COUNT", K(), "a", "b");
        Expect(Resp.WrongArity("cf.del"), "CF.DEL", K());
        Expect(Resp.WrongArity("cf.info"), "CF.INFO");
        Expect(Resp.WrongArity("cf.insert"), "CF.INSERT", K(), "ITEMS");
        Expect(Resp.WrongArity("cf.insertnx"), "CF.INSERTNX", K(), "NOCREATE", "ITEMS");
        Expect(Resp.WrongArity("cf.insert"), "CF.INSERT", K(), "NOCREATE", "CAPACITY");
    }

    [RedisBloomFact]
    public void Insert_and_insertnx()
    {
        Expect(Ints(1, 1, 1), "CF.INSERT", K(), "CAPACITY", "100", "ITEMS", "a", "b", "a");
        Expect(Info(40 + 16 + 64 * 2, 64, 1, 3, 0, 2, 1, 20), "CF.INFO", K());
        Expect(Ints(0, 1, 0), "CF.INSERTNX", K(), "ITEMS", "a", "c", "c");
        Expect(Ints(1), "CF.INSERT", K(), "NOCREATE", "ITEMS", "d");
        Expect(Ints(1, 1, 1, 1, 0), "CF.MEXISTS", K(), "a", "b", "c", "d", "e");
        // Options are recognised by their first letter, in any case, as RedisBloom parses them.
        Expect(Ints(1), "CF.INSERTNX", K("new"), "capacity", "8", "items", "x");
        Expect(Info(40 + 16 + 4 * 2, 4, 1, 1, 0, 2, 1, 20), "CF.INFO", K("new"));
    }

    [RedisBloomFact]
    public void Insert_errors()
    {
        Expect(Resp.Err("ERR not found"), "CF.INSERT", K(), "NOCREATE", "ITEMS", "a");
        Expect(Resp.Err("Bad capacity"), "CF.INSERT", K(), "CAPACITY", "x", "ITEMS", "a");
        Expect(Resp.Err("Capacity must be at least (BucketSize * 2)"), "CF.INSERT", K(), "CAPACITY", "3", "ITEMS", "a");
        Expect(Resp.Err("Unknown argument received"), "CF.INSERT", K(), "FOO", "ITEMS", "a");
        Expect(Resp.Int(0), "EXISTS", K());
    }

    [RedisBloomFact]
    public void A_full_filter_without_expansion_refuses_items()
    {
        Expect(Resp.Ok, "CF.RESERVE", K(), "4", "BUCKETSIZE", "1", "EXPANSION", "0");
        var items = Enumerable.Range(0, 40).Select(i => "item" + i).ToArray();
        var replies = Resp.ParseFlatArray(Cmd(["CF.INSERT", K(), "ITEMS", .. items]));
        Assert.Contains("-1", replies);
        Assert.DoesNotContain("0", replies);
        Assert.Equal(replies.Count(r => r == "1"), InfoField(K(), 3));
        Assert.Equal(1, InfoField(K(), 2));
        Assert.InRange(InfoField(K(), 3), 2, 4);

        string? refused = items.Where((_, i) => replies[i] == "-1").First();
        Expect(Resp.Err("Filter is full"), "CF.ADD", K(), refused);
    }

    [RedisBloomFact]
    public void An_expanding_filter_grows_until_32_sub_filters_then_refuses()
    {
        Expect(Resp.Ok, "CF.RESERVE", K(), "4", "BUCKETSIZE", "1");
        var items = Enumerable.Range(0, 40).Select(i => "g" + i).ToArray();
        Expect(Ints(items.Select(_ => 1L).ToArray()), ["CF.INSERT", K(), "ITEMS", .. items]);
        Assert.True(InfoField(K(), 2) > 1);
        Assert.Equal(Ints(items.Select(_ => 1L).ToArray()), Cmd(["CF.MEXISTS", K(), .. items]));

        Expect(Resp.Ok, "CF.RESERVE", K("tiny"), "2", "BUCKETSIZE", "1");
        Cmd(["CF.INSERT", K("tiny"), "ITEMS", .. Enumerable.Range(0, 100).Select(i => "t" + i)]);
        Assert.True(InfoField(K("tiny"), 2) >= 32);
        Expect(Resp.Err("Maximum expansions reached"), "CF.ADD", K("tiny"), "more");
        Expect(Resp.Err("Maximum expansions reached"), "CF.INSERT", K("tiny"), "ITEMS", "more");
    }

    [RedisBloomFact]
    public void Filters_expire_copy_and_delete_like_any_key()
    {
        Expect(Resp.Int(1), "CF.ADD", K(), "a");
        Expect(Resp.Int(1), "COPY", K(), K("copy"));
        Expect(Resp.Int(1), "CF.ADD", K("copy"), "b");
        Expect(Resp.Int(0), "CF.EXISTS", K(), "b");
        Expect(Resp.Int(1), "CF.EXISTS", K("copy"), "a");
        Expect(Resp.Int(1), "PEXPIRE", K(), "1");
        Eventually.True(() => Cmd("CF.EXISTS", K(), "a") == Resp.Int(0), "the filter to expire");
        Expect(Resp.Err("ERR not found"), "CF.INFO", K());
        Expect(Resp.Int(1), "DEL", K("copy"));
        Expect(Resp.Err("Not found"), "CF.DEL", K("copy"), "a");
    }
}

/// <summary>A RedisBloom (CF.*) fact: skipped under HYPERCACHE_E2E_TARGET=redis, whose server has no RedisBloom.</summary>
public sealed class RedisBloomFactAttribute : FactAttribute
{
    public RedisBloomFactAttribute()
    {
        if (NodeProcess.TargetIsRedis) Skip = "HyperCache only: the local redis-server has no RedisBloom module";
    }
}

/// <summary>Filters come back from the AOF exactly: same digest, same CF.INFO, same answers.</summary>
public sealed class CuckooFilterRestartTests
{
    [RedisBloomFact]
    public void Filters_survive_a_restart_byte_for_byte()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        var items = Enumerable.Range(0, 300).Select(i => "item" + i).ToArray();
        var probes = Enumerable.Range(250, 100).Select(i => "item" + i).ToArray();
        string[] Snapshot(RawRespClient c) =>
        [
            c.Command("DEBUG", "DIGEST"),
            c.Command("CF.INFO", "cf:grown"), c.Command("CF.INFO", "cf:full"),
            c.Command(["CF.MEXISTS", "cf:grown", .. probes]), c.Command(["CF.MEXISTS", "cf:full", .. probes]),
        ];

        string[] before;
        using (var c = node.Raw())
        {
            Assert.Equal(Resp.Ok, c.Command("CF.RESERVE", "cf:grown", "16", "BUCKETSIZE", "2", "EXPANSION", "2"));
            c.Command(["CF.INSERT", "cf:grown", "ITEMS", .. items]);
            for (int i = 0; i < 40; i++) c.Command("CF.DEL", "cf:grown", items[i]);
            Assert.Equal(Resp.Ok, c.Command("CF.RESERVE", "cf:full", "8", "BUCKETSIZE", "1", "EXPANSION", "0"));
            c.Command(["CF.INSERTNX", "cf:full", "ITEMS", .. items.Take(30)]);
            before = Snapshot(c);
        }
        Assert.Equal(0, node.Terminate(TimeSpan.FromSeconds(20)));
        node.Start();
        using (var c = node.Raw()) Assert.Equal(before, Snapshot(c));
    }
}
