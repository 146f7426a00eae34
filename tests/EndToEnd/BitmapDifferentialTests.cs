using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// Differential: thousands of random bitmap and HyperLogLog commands (odd ranges, overflow modes, bad arguments,
/// sparse and dense HLLs) sent both to this node and to a real redis-server; every reply must be the same bytes.
/// </summary>
[Collection(StringsCollection.Name)]
public sealed class BitmapDifferentialTests(NodeFixture node) : E2ETest(node)
{
    [RedisServerFact]
    public async Task Random_bitmap_and_hll_commands_reply_as_redis_server_does()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        var random = new Random(20261126);
        for (int i = 0; i < 4000; i++)
        {
            var args = NextCommand(random);
            var expected = reference.Command(args);
            var actual = Cmd(args);
            if (expected != actual)
            {
                Assert.Fail($"command #{i}: {string.Join(' ', args.Select(RawRespClient.Escape))}\n" +
                            $"redis-server: {RawRespClient.Escape(expected)}\nthis node:    {RawRespClient.Escape(actual)}");
            }
        }
    }

    private string[] NextCommand(Random random)
    {
        string Bitmap() => K("b" + random.Next(4));
        string Hll() => K("h" + random.Next(3));
        string AnyKey() => random.Next(4) == 0 ? Bitmap() : Hll();
        string Index() => random.Next(3) switch
        {
            0 => random.Next(-40, 41).ToString(),
            1 => random.Next(-5, 6).ToString(),
            _ => random.Next(0, 301).ToString(),
        };
        string Unit() => random.Next(3) switch { 0 => "BIT", 1 => "BYTE", _ => "bit" };

        switch (random.Next(14))
        {
            case 0: return ["SETBIT", Bitmap(), random.Next(0, 200).ToString(), random.Next(0, 2).ToString()];
            case 1: return ["GETBIT", Bitmap(), random.Next(0, 300).ToString()];
            case 2:
            {
                List<string> a = ["BITCOUNT", Bitmap()];
                if (random.Next(5) > 0) a.AddRange([Index(), Index()]);
                if (a.Count > 2 && random.Next(2) == 0) a.Add(Unit());
                return [.. a];
            }
            case 3:
            {
                List<string> a = ["BITPOS", Bitmap(), random.Next(0, 2).ToString()];
                int extra = random.Next(4);
                if (extra >= 1) a.Add(Index());
                if (extra >= 2) a.Add(Index());
                if (extra >= 3) a.Add(Unit());
                return [.. a];
            }
            case 4:
            {
                string[] ops = ["AND", "OR", "XOR", "NOT"];
                var op = ops[random.Next(4)];
                List<string> a = ["BITOP", op, Bitmap(), Bitmap()];
                if (op != "NOT") for (int n = random.Next(3); n > 0; n--) a.Add(random.Next(5) == 0 ? K("missing") : Bitmap());
                return [.. a];
            }
            case 5:
            {
                List<string> a = [random.Next(6) == 0 ? "BITFIELD_RO" : "BITFIELD", Bitmap()];
                for (int n = random.Next(1, 5); n > 0; n--)
                {
                    bool signed = random.Next(2) == 0;
                    string type = (signed ? "i" : "u") + random.Next(1, random.Next(2) == 0 ? (signed ? 65 : 64) : 10);
                    string offset = random.Next(10) < 7 ? random.Next(0, 101).ToString() : "#" + random.Next(0, 11);
                    string value = random.Next(3) == 0 ? random.NextInt64(long.MinValue, long.MaxValue).ToString() : random.Next(-300, 301).ToString();
                    switch (random.Next(4))
                    {
                        case 0: a.AddRange(["GET", type, offset]); break;
                        case 1: a.AddRange(["SET", type, offset, value]); break;
                        case 2: a.AddRange(["INCRBY", type, offset, value]); break;
                        default: a.AddRange(["OVERFLOW", random.Next(3) switch { 0 => "WRAP", 1 => "SAT", _ => "FAIL" }]); break;
                    }
                }
                return [.. a];
            }
            case 6: return ["GET", Bitmap()];
            case 7:
            {
                var bytes = new byte[random.Next(0, 12)];
                random.NextBytes(bytes);
                return ["SET", Bitmap(), RawRespClient.Latin1.GetString(bytes)];
            }
            case 8: return random.Next(3) == 0 ? ["DEL", AnyKey()] : ["BITFIELD_RO", Bitmap(), "GET", "u8", Index()];
            case 9:
            case 10:
            {
                List<string> a = ["PFADD", random.Next(20) == 0 ? Bitmap() : Hll()];
                int count = random.Next(2) == 0 ? random.Next(0, 4) : random.Next(50, 400);
                for (int n = 0; n < count; n++) a.Add("e" + random.Next(200_000));
                return [.. a];
            }
            case 11: return random.Next(2) == 0 ? ["PFCOUNT", Hll()] : ["PFCOUNT", Hll(), AnyKey(), K("missing")];
            case 12: return ["PFMERGE", random.Next(10) == 0 ? Bitmap() : Hll(), Hll(), random.Next(2) == 0 ? Hll() : K("missing")];
            default: return ["GETRANGE", Hll(), "16", "-1"]; // the registers (the cached count differs after PFCOUNT)
        }
    }
}

/// <summary>A fact that needs redis-server on the PATH (skipped, saying so, without it).</summary>
public sealed class RedisServerFactAttribute : FactAttribute
{
    public const string Missing = "redis-server is not on the PATH (Debian: apt-get install redis-server)";

    /// <summary>Whether redis-server is on the PATH.</summary>
    public static bool Available => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
        .Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, "redis-server")));

    public RedisServerFactAttribute()
    {
        if (!Available) Skip = Missing;
    }
}
