using System.Text;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>PFADD, PFCOUNT, PFMERGE: replies, errors, accuracy, and Redis's HLL string format byte for byte.</summary>
[Collection(StringsCollection.Name)]
public sealed class HyperLogLogTests(NodeFixture node) : E2ETest(node)
{
    private static readonly string NotHll = Resp.Err("WRONGTYPE Key is not a valid HyperLogLog string value.");
    private static readonly string Corrupt = Resp.Err("INVALIDOBJ Corrupted HLL object detected");

    /// <summary>The header of a HLL whose cached count is invalid (as every PFADD leaves it).</summary>
    private const string SparseHeader = "HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80";

    /// <summary>GET of a HLL that redis-server 7.0.15 built from el:0 .. el:99999 (dense, no PFCOUNT since).</summary>
    private static string RedisDense100k => Latin1(Convert.FromBase64String(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "redis-7.0.15-hll-100k.b64")).Trim()));

    /// <summary>PFCOUNT that redis-server gives for it.</summary>
    private const long RedisCount100k = 98893;

    /// <summary>GET of a HLL that redis-server 7.0.15 built from el:0 .. el:199 (sparse), whose PFCOUNT is 201.</summary>
    private const string RedisSparse200Hex =
        "48594c4c010000000000000000000080409a8440e980238839802d8040b88040438819801780028809802284407b804040841b8020842680298840618c405080188040a284038017804057804074842b80407280298427801d80406a8440d6840b801a84238c1c941b840780128027840584411c80028040548033841d8012883a8417840f800e8439804128802e80404f804062884097844041844096882184404788407888404f84069440f6802b8c40598c39840d8040758440468040e980405480409f8013800b80405f80208021884079803480408280058040748410802980404f843d8c40648810803d8440608c3c841a8005880d80405098405d80178141a3804119903e841084388840708401842980405b8827884185902e80404580404684198840ae8437883a80406288410088068040a78c4064801c8002902980408184405b983180138c4097800f80407c80178830800c800180411380068c40408440818440689040f28840bf80358003800b801788407d80404388368440788019900080404b844045802184406488258c407b8840578c00881b884051800680407b881a9040658440888c269012843680405c842780407b841284407a8440488421844161800680029040488833803188388040db9433804084844149800a8040928440cc803480398440e58040678441568c39804054";

    private static string Latin1(byte[] bytes) => RawRespClient.Latin1.GetString(bytes);

    private static string[] Elements(string command, string key, int from, int count) =>
        [command, key, .. Enumerable.Range(from, count).Select(i => "el:" + i)];

    [Fact]
    public void Pfadd_creates_an_empty_sparse_hll_in_redis_format()
    {
        Expect(Resp.Int(1), "PFADD", K());
        Expect(Resp.Bulk(SparseHeader + "\x7f\xff"), "GET", K()); // one XZERO opcode: 16384 empty registers
        Expect(Resp.Simple("string"), "TYPE", K());
        Expect(Resp.Int(0), "PFADD", K());
        Expect(Resp.Int(0), "PFCOUNT", K());
        Expect(Resp.Int(0), "PFCOUNT", K("missing"));
    }

    [Fact]
    public void Pfadd_replies_1_only_when_a_register_changes()
    {
        Expect(Resp.Int(1), "PFADD", K(), "a", "b", "c");
        Expect(Resp.Bulk(SparseHeader + "\x60\xf3\x80\x50\xb1\x84\x4b\xfb\x80\x42\x5a"), "GET", K());
        Expect(Resp.Int(0), "PFADD", K(), "a");
        Expect(Resp.Int(0), "PFADD", K(), "c", "b", "a");
        Expect(Resp.Int(1), "PFADD", K(), "a", "d");
        Expect(Resp.Int(4), "PFCOUNT", K());
        Expect(Resp.Int(4), "PFCOUNT", K()); // cached
    }

    [Fact]
    public void Pfadd_keeps_the_ttl()
    {
        Expect(Resp.Int(1), "PFADD", K(), "a");
        Expect(Resp.Int(1), "EXPIRE", K(), "100");
        Expect(Resp.Int(1), "PFADD", K(), "b");
        Assert.NotEqual(Resp.Int(-1), Cmd("TTL", K()));
    }

    [Fact]
    public void Pfcount_of_several_keys_counts_the_union()
    {
        Cmd(["PFADD", K("a"), .. Enumerable.Range(0, 3000).Select(i => "a" + i)]);
        Cmd(["PFADD", K("b"), .. Enumerable.Range(2000, 4000).Select(i => "a" + i)]);
        Expect(Resp.Int(3010), "PFCOUNT", K("a"));
        Expect(Resp.Int(4010), "PFCOUNT", K("b"));
        Expect(Resp.Int(6038), "PFCOUNT", K("a"), K("b"));
        Expect(Resp.Int(6038), "PFCOUNT", K("a"), K("missing"), K("b"), K("a"));
        Expect(Resp.Int(0), "PFCOUNT", K("missing"), K("missing2"));
    }

    [Fact]
    public void Pfmerge_writes_the_union_into_the_destination()
    {
        Cmd(["PFADD", K("a"), .. Enumerable.Range(0, 3000).Select(i => "a" + i)]);
        Cmd(["PFADD", K("b"), .. Enumerable.Range(2000, 4000).Select(i => "a" + i)]);
        Expect(Resp.Ok, "PFMERGE", K("d"), K("a"), K("b"));
        Expect(Resp.Int(6038), "PFCOUNT", K("d"));
        Expect(Resp.Ok, "PFMERGE", K("a"), K("b")); // the destination is also a source
        Expect(Resp.Int(6038), "PFCOUNT", K("a"));
        Expect(Resp.Ok, "PFMERGE", K("empty"), K("missing"));
        Expect(Resp.Bulk(SparseHeader + "\x7f\xff"), "GET", K("empty"));
        Expect(Resp.Ok, "PFMERGE", K("alone"));
        Expect(Resp.Int(0), "PFCOUNT", K("alone"));
    }

    [Fact]
    public void Pfmerge_keeps_the_destination_ttl()
    {
        Expect(Resp.Int(1), "PFADD", K("d"), "x");
        Expect(Resp.Int(1), "EXPIRE", K("d"), "100");
        Expect(Resp.Int(1), "PFADD", K("s"), "y");
        Expect(Resp.Ok, "PFMERGE", K("d"), K("s"));
        Expect(Resp.Int(2), "PFCOUNT", K("d"));
        Assert.NotEqual(Resp.Int(-1), Cmd("TTL", K("d")));
    }

    [Fact]
    public void Hll_commands_refuse_strings_that_are_not_hlls()
    {
        Expect(Resp.Ok, "SET", K("s"), "abc");
        Expect(NotHll, "PFADD", K("s"), "a");
        Expect(NotHll, "PFCOUNT", K("s"));
        Expect(NotHll, "PFCOUNT", K("missing"), K("s"));
        Expect(NotHll, "PFMERGE", K("d"), K("s"));
        Expect(Resp.Int(0), "EXISTS", K("d"));
        Expect(NotHll, "PFMERGE", K("s"), K("missing"));
        Expect(Resp.Ok, "SET", K("short"), "HYLL");
        Expect(NotHll, "PFCOUNT", K("short"));
        Expect(Resp.Ok, "SET", K("encoding"), "HYLL\x02\0\0\0\0\0\0\0\0\0\0\0");
        Expect(NotHll, "PFCOUNT", K("encoding"));
        Expect(Resp.Ok, "SET", K("dense"), "HYLL\0\0\0\0\0\0\0\0\0\0\0\x80" + new string('\0', 100)); // wrong size
        Expect(NotHll, "PFADD", K("dense"), "a");
    }

    [Fact]
    public void A_sparse_hll_that_does_not_add_up_is_corrupt()
    {
        Expect(Resp.Ok, "SET", K(), SparseHeader);
        Expect(Corrupt, "PFCOUNT", K());
        Expect(Corrupt, "PFADD", K(), "x");
        Expect(Corrupt, "PFCOUNT", K(), K("missing"));
        Expect(Corrupt, "PFMERGE", K("d"), K());
        Expect(Resp.Ok, "SET", K("long"), SparseHeader + "\x7f\xff\x7f\xff");
        Expect(Corrupt, "PFCOUNT", K("long"));
    }

    [Fact]
    public void Hll_commands_on_another_type_are_wrongtype()
    {
        var other = OtherType.Make(Raw, K("other"));
        if (other is null) return; // no collection type in this server yet
        Expect(Resp.WrongType, "PFADD", other, "a");
        Expect(Resp.WrongType, "PFCOUNT", other);
        Expect(Resp.WrongType, "PFCOUNT", K("missing"), other);
        Expect(Resp.WrongType, "PFMERGE", K("d"), other);
    }

    [Fact]
    public void Arity_errors()
    {
        Expect(Resp.WrongArity("pfadd"), "PFADD");
        Expect(Resp.WrongArity("pfcount"), "PFCOUNT");
        Expect(Resp.WrongArity("pfmerge"), "PFMERGE");
    }

    [Fact]
    public void Hundred_thousand_elements_count_within_the_standard_error_and_build_redis_s_exact_bytes()
    {
        for (int from = 0; from < 100_000; from += 1000)
            Raw.Send(RawRespClient.Encode(Elements("PFADD", K(), from, 1000)));
        for (int from = 0; from < 100_000; from += 1000) Raw.ReadReply();

        // Same elements, same order: the same registers and encoding as redis-server (dense).
        Expect(Resp.Bulk(RedisDense100k), "GET", K());
        var count = long.Parse(Cmd("PFCOUNT", K())[1..^2]);
        Assert.Equal(RedisCount100k, count);
        Assert.InRange(Math.Abs(count - 100_000) / 100_000.0, 0, 3 * 0.0081); // three standard errors
    }

    [Fact]
    public void A_hll_made_by_redis_server_counts_the_same_here()
    {
        Expect(Resp.Ok, "SET", K("dense"), RedisDense100k);
        Expect(Resp.Int(RedisCount100k), "PFCOUNT", K("dense"));
        Expect(Resp.Ok, "SET", K("sparse"), Latin1(Convert.FromHexString(RedisSparse200Hex)));
        Expect(Resp.Int(201), "PFCOUNT", K("sparse"));
        Expect(Resp.Int(RedisCount100k), "PFCOUNT", K("sparse"), K("dense")); // el:0..199 are in both
        Expect(Resp.Int(0), "PFADD", K("sparse"), "el:7"); // already counted
        Expect(Resp.Ok, "PFMERGE", K("sparse"), K("dense"));
        Expect(Resp.Int(RedisCount100k), "PFCOUNT", K("sparse"));

        // Built here from the same elements: Redis's sparse bytes exactly.
        Expect(Resp.Int(1), Elements("PFADD", K("mine"), 0, 200));
        Expect(Resp.Bulk(Latin1(Convert.FromHexString(RedisSparse200Hex))), "GET", K("mine"));
    }

    [Fact]
    public void A_cached_count_in_the_header_is_trusted_as_redis_does()
    {
        // Header with a valid cached count of 42 over empty registers: PFCOUNT answers the cache.
        var header = "HYLL\x01\0\0\0" + Encoding.Latin1.GetString(BitConverter.GetBytes(42L));
        Expect(Resp.Ok, "SET", K(), header + "\x7f\xff");
        Expect(Resp.Int(42), "PFCOUNT", K());
        Expect(Resp.Int(0), "PFCOUNT", K(), K("missing")); // the union ignores caches
    }

    /// <summary>PFDEBUG and PFSELFTEST as redis-server 7.0.15 answers them (its hyperloglog unit reads encodings and
    /// registers through PFDEBUG): each step runs on both; GETREG and TODENSE turn the HLL dense on both alike.</summary>
    [RedisServerFact]
    public async Task Pfdebug_and_pfselftest_answer_as_redis_server()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        void Both(params string[] command) => SideBySide.Same(reference, Cmd, command);
        string hll = K("debug"), other = K("debug:dense");
        Both("PFSELFTEST");
        Both("PFDEBUG", "ENCODING", hll);                     // missing key
        Both(Elements("PFADD", hll, 0, 50));
        Both("PFDEBUG", "ENCODING", hll);
        Both("PFDEBUG", "DECODE", hll);
        Both("PFDEBUG", "NOPE", hll);
        Both("PFDEBUG", "GETREG", hll, "extra");
        Both("EXPIRE", hll, "1000");
        Both("PFDEBUG", "GETREG", hll);                       // turns it dense
        Both("PFDEBUG", "ENCODING", hll);
        Both("PFDEBUG", "DECODE", hll);
        Both("TTL", hll);                                     // kept
        Both("GET", hll);
        Both(Elements("PFADD", other, 0, 50));
        Both("PFDEBUG", "TODENSE", other);
        Both("PFDEBUG", "TODENSE", other);
        Both("GET", other);
        Both("SET", K("plain"), "x");
        Both("PFDEBUG", "ENCODING", K("plain"));
        Cmd("DEL", hll, other, K("plain"));
    }
}
