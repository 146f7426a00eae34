using System.Text;
using HyperCache.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// Every command the node lists (COMMAND LIST), with random arguments drawn from keys of every type and from the
/// values that break parsers (empty, huge, negative, out-of-range and non-finite numbers, binary bytes, option
/// words in the wrong places): the node answers each one with a well-formed reply, keeps the connection, stays up,
/// and the log it wrote replays to the same state after a restart (bad input never corrupts the log).
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class CommandFuzzTests(ITestOutputHelper output)
{
    private const int Commands = 25_000;

    /// <summary>Commands left out, and why: they end or change the connection (QUIT, HELLO, MONITOR, SUBSCRIBE...,
    /// CLIENT KILL of our own id), the node (SHUTDOWN, REPLICAOF, CONFIG SET requirepass/maxmemory), or block by
    /// design (blocking pops with timeout 0, WAIT, DEBUG SLEEP), the UNSUBSCRIBE family (one reply per channel,
    /// as Redis), and MIGRATE, which would connect to whatever its random host names (a number is an IPv4 address, a
    /// word is looked up): its bad input is MigrateTests'.</summary>
    private static readonly HashSet<string> Excluded =
    [
        "shutdown", "quit", "hello", "monitor", "subscribe", "psubscribe", "ssubscribe", "replicaof", "slaveof",
        "sync", "psync", "config", "client", "debug", "failover", "blpop", "brpop", "brpoplpush", "blmove", "blmpop",
        "bzpopmin", "bzpopmax", "bzmpop", "wait", "waitaof", "unsubscribe", "punsubscribe", "sunsubscribe", "migrate",
    ];

    private static readonly string[] Values =
    [
        "", "0", "1", "-1", "2", "3", "-3", "10", "100", "1000000", "1.5", "-0", "0.0", "1e3", "1e308", "1e309", "-1e309",
        "inf", "+inf", "-inf", "nan", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
        "-9223372036854775809", "18446744073709551616", "2147483648", "-2147483648", "-2147483649", "4294967296",
        "65536", "0.5", "-0.5", "5e-324", "1e-300", "0x10", " 1", "1 ", "abc", "*", "?", "[", "[a", "(a", "(1",
        "-", "+", "\\", "\0\u00ff\r\n", new string('v', 3000), "EX", "PX", "EXAT", "PXAT", "NX", "XX", "GT", "LT", "CH",
        "INCR", "KEEPTTL", "GET", "PERSIST", "WITHSCORES", "WITHSCORE", "LIMIT", "BYSCORE", "BYLEX", "REV", "COUNT",
        "MATCH", "TYPE", "LEFT", "RIGHT", "BEFORE", "AFTER", "MIN", "MAX", "SUM", "WEIGHTS", "AGGREGATE", "STORE",
        "ANY", "WITHVALUES", "RANK", "MAXLEN", "IDX", "LEN", "MINMATCHLEN", "WITHMATCHLEN", "OVERFLOW", "WRAP", "SAT",
        "FAIL", "u8", "i64", "u63", "i65", "#1", "ENCODING", "FREQ", "IDLETIME", "HELP", "ASYNC", "SYNC", "BIT", "BYTE",
        "AND", "OR", "XOR", "NOT", "FIELDS", "NOVALUES", "DB", "REPLACE", "ABSTTL", "CAPACITY", "ITEMS", "NOCREATE",
        "EXPANSION", "BUCKETSIZE", "MAXITERATIONS", "string", "list", "hash", "set", "zset", "none",
        "STREAMS", "NOMKSTREAM", "MINID", "~", "=", "$", "1-1", "0-0", "5-*", "18446744073709551615-18446744073709551615",
        "stream",
    ];

    private static readonly string[] TypedKeys = ["fz:str", "fz:int", "fz:list", "fz:hash", "fz:set", "fz:zset", "fz:hll", "fz:cf", "fz:bits", "fz:stream", "fz:missing", "{fz}:a", "{fz}:b"];

    /// <summary>Three seeds per run (each its own node, ~3 s); HYPERCACHE_FUZZ_SEED runs that one instead.</summary>
    [HyperCacheFact]
    public void Random_arguments_to_every_command_get_a_reply_and_never_harm_the_node_or_its_log()
    {
        int[] seeds = Environment.GetEnvironmentVariable("HYPERCACHE_FUZZ_SEED") is { } s ? [int.Parse(s)] : [20261126, 212, 7];
        foreach (int seed in seeds) Run(seed);
    }

    private void Run(int seed)
    {
        output.WriteLine($"seed {seed} (HYPERCACHE_FUZZ_SEED reproduces a run)");
        var random = new Random(seed);
        using var node = new NodeProcess(appendFsync: "everysec");
        node.Start();
        using var c = node.Raw(TimeSpan.FromSeconds(10));
        // Name and arity of every command (COMMAND's first two fields): most draws give a command as many arguments
        // as it takes, so that the parsing of each argument is reached, not only the arity check.
        var commands = Assert.IsType<List<object?>>(Resp.Parse(c.Command("COMMAND")))
            .Select(e => (List<object?>)e!).Select(e => (Name: ((string)e[0]!).ToLowerInvariant(), Arity: (long)e[1]!))
            .Where(e => !Excluded.Contains(e.Name)).OrderBy(e => e.Name, StringComparer.Ordinal).ToArray();
        Assert.True(commands.Length > 150, $"COMMAND named only {commands.Length} commands");

        var counts = new Dictionary<char, int>();
        for (int i = 0; i < Commands; i++)
        {
            if (i % 500 == 0) Populate(c);
            var (name, arity) = commands[random.Next(commands.Length)];
            var args = new List<string> { name };
            int n = random.Next(10) switch
            {
                < 6 when arity > 0 => (int)arity - 1,
                < 6 => (int)-arity - 1 + random.Next(0, 5),
                _ => random.Next(0, 8),
            };
            for (int a = 0; a < n; a++)
                args.Add(random.Next(100) < (a == 0 ? 70 : 25) ? TypedKeys[random.Next(TypedKeys.Length)] : Values[random.Next(Values.Length)]);
            string reply, marker;
            try
            {
                // An ECHO right behind each command proves its reply was exactly one well-formed reply.
                c.Send(RawRespClient.Encode([.. args]) + RawRespClient.Encode("ECHO", "fuzz-sync"));
                reply = c.ReadReply();
                marker = c.ReadReply();
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"no reply to command #{i} {Show(args)} (seed {seed}): {e.Message}\n{node.LogTailMessage()}");
            }
            if (marker is not ("$9\r\nfuzz-sync\r\n" or "+QUEUED\r\n"))
                throw new Xunit.Sdk.XunitException($"command #{i} {Show(args)} answered {RawRespClient.Escape(reply[..Math.Min(300, reply.Length)])} then {RawRespClient.Escape(marker)} (seed {seed})");
            counts[reply[0]] = counts.GetValueOrDefault(reply[0]) + 1;
            if (reply.StartsWith("-ERR Protocol", StringComparison.Ordinal) || reply.Contains("exception", StringComparison.OrdinalIgnoreCase))
                throw new Xunit.Sdk.XunitException($"command #{i} {Show(args)} got {RawRespClient.Escape(reply[..Math.Min(300, reply.Length)])} (seed {seed})");
        }
        c.Command("DISCARD"); // a MULTI may be open
        c.Command("SELECT", "0");
        output.WriteLine("replies by type: " + string.Join(", ", counts.OrderBy(p => p.Key).Select(p => $"'{p.Key}' {p.Value}")));
        Assert.True(counts.GetValueOrDefault('-') < Commands * 9 / 10, "nearly everything was refused: the arguments explore too little");

        // DEBUG DIGEST counts expired keys not yet reaped, and a restarted node's active expiry reaps them at once:
        // wait until the live node has reaped its own (every DBSIZE equals what SCAN sees), then drop the keys
        // that still have a TTL (they would expire between the digests). The state must then survive a restart.
        Eventually.True(() => NoExpiredKeysLeft(c), "active expiry reaped every expired key", TimeSpan.FromSeconds(20));
        DropVolatileKeys(c);
        string before = c.Command("DEBUG", "DIGEST");
        node.Terminate();
        node.Start();
        using var after = node.Raw(TimeSpan.FromSeconds(10));
        Assert.Equal(before, after.Command("DEBUG", "DIGEST"));
    }

    private static void Populate(RawRespClient c)
    {
        c.Command("DISCARD");
        c.Command("SET", "fz:str", "hello world");
        c.Command("SET", "fz:int", "42");
        c.Command("RPUSH", "fz:list", "a", "b", "c", "1", "2");
        c.Command("HSET", "fz:hash", "f", "v", "n", "5");
        c.Command("SADD", "fz:set", "a", "b", "1");
        c.Command("ZADD", "fz:zset", "1", "a", "2", "b", "2", "c");
        c.Command("PFADD", "fz:hll", "a", "b");
        c.Command("CF.ADD", "fz:cf", "a");
        c.Command("SETBIT", "fz:bits", "100", "1");
        c.Command("XADD", "fz:stream", "*", "f", "v", "n", "5");
    }

    private static bool NoExpiredKeysLeft(RawRespClient c)
    {
        for (int db = 0; db < 16; db++)
        {
            c.Command("SELECT", db.ToString());
            if (c.Command("DBSIZE") != Resp.Int(Keys(c).Count)) return false;
        }
        c.Command("SELECT", "0");
        return true;
    }

    private static void DropVolatileKeys(RawRespClient c)
    {
        for (int db = 0; db < 16; db++)
        {
            c.Command("SELECT", db.ToString());
            foreach (var key in Keys(c))
                if (c.Command("PTTL", key) is var ttl && !ttl.StartsWith(":-", StringComparison.Ordinal)) c.Command("DEL", key);
        }
        c.Command("SELECT", "0");
    }

    /// <summary>The live keys of the selected database (SCAN skips expired ones).</summary>
    private static List<string> Keys(RawRespClient c)
    {
        var keys = new List<string>();
        string cursor = "0";
        do
        {
            string reply = c.Command("SCAN", cursor, "COUNT", "1000");
            var parts = Resp.Parse(reply) as List<object?> ?? throw new Xunit.Sdk.XunitException("SCAN: " + RawRespClient.Escape(reply));
            cursor = (string)parts[0]!;
            keys.AddRange(Assert.IsType<List<object?>>(parts[1]).Cast<string>());
        } while (cursor != "0");
        return keys;
    }

    private static string Show(List<string> args)
        => string.Join(" ", args.Select(a => a.Length > 40 ? $"<{a.Length} bytes>" : RawRespClient.Escape(a)));
}
