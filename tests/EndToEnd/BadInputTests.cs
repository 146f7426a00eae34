using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace HyperCache.EndToEnd.Tests;

/// <summary>Fuzzing and connection floods get a server of their own, away from the conformance collections.</summary>
[CollectionDefinition(Name)]
public sealed class BadInputCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "badinput";
}

/// <summary>
/// Hostile or careless clients in bulk (the single malformed frames are in <see cref="ProtocolRobustnessTests"/>):
/// seeded random garbage on many connections while a well-behaved client works, a huge multibulk header held open,
/// hundreds of simultaneous connections. The server must stay up, keep the good client's data exact, and release
/// every connection. Everything is bounded in count and time, and only 127.0.0.1 is targeted.
/// </summary>
[Collection(BadInputCollection.Name)]
public sealed class BadInputTests(NodeFixture node, ITestOutputHelper output) : E2ETest(node)
{
    private const int FuzzSeed = 20_240_611;
    private const int FuzzConnections = 200;
    private const int FuzzWorkers = 4;
    private static readonly TimeSpan FuzzTimeLimit = TimeSpan.FromSeconds(20);

    /// <summary>Commands a mutated frame may be built from: none touches global state, blocks, or allocates by an argument.</summary>
    private static readonly string[] SafeCommands =
    [
        "GET", "SET", "INCR", "DECR", "INCRBY", "APPEND", "MGET", "MSET", "DEL", "EXISTS", "EXPIRE", "PEXPIRE", "TTL", "PTTL",
        "ECHO", "PING", "STRLEN", "GETRANGE", "TYPE", "SELECT", "DBSIZE", "GETSET", "SETNX", "GETDEL", "PERSIST", "GETEX", "TOUCH",
    ];

    /// <summary>Random command names must never hit one of these (global state, blocking, replication, server control).</summary>
    private static readonly HashSet<string> Forbidden = new(StringComparer.OrdinalIgnoreCase)
    {
        "FLUSHALL", "FLUSHDB", "SWAPDB", "SHUTDOWN", "DEBUG", "CONFIG", "CLIENT", "SAVE", "BGSAVE", "BGREWRITEAOF", "MONITOR",
        "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "SYNC", "PSYNC", "REPLICAOF", "SLAVEOF", "FAILOVER", "MIGRATE", "WAIT", "WAITAOF",
        "BLPOP", "BRPOP", "BLMOVE", "BRPOPLPUSH", "BZPOPMIN", "BZPOPMAX", "BLMPOP", "BZMPOP", "XREAD", "XREADGROUP", "MULTI",
        "SCRIPT", "FUNCTION", "EVAL", "EVALSHA", "FCALL", "MODULE", "ACL", "AUTH", "CLUSTER", "READONLY", "KEYS", "SETRANGE",
        "QUIT", "RESET", "HELLO", "SENTINEL", "LATENCY", "MEMORY", "SLOWLOG", "OBJECT", "LASTSAVE", "ROLE", "PUBLISH",
    };

    private static readonly string[] BadLengths =
    [
        "-1", "-5", "-2147483648", "2147483648", "99999999999", "99999999999999999999999", "536870913", "1000000", "0", "",
        "abc", "+3", " 3", "3 ", "0x10", "1e3", "\0", "-0",
    ];

    [Fact]
    public async Task Seeded_random_garbage_on_many_connections_never_disturbs_a_well_behaved_client()
    {
        using var checker = Node.Raw();
        var prefix = K("good:");
        var acked = new Dictionary<string, string>();
        long counter = 0;
        var goodOps = 0;
        var fuzzDone = 0;
        var outcomes = new int[4]; // closed after half-close, abrupt close, send refused, server replied something
        var fuzzFailures = new List<string>();
        var sw = Stopwatch.StartNew();

        var options = ConfigurationOptions.Parse(Node.EndPoint);
        options.AbortOnConnectFail = true;
        await using var good = await ConnectionMultiplexer.ConnectAsync(options);
        var db = good.GetDatabase();

        // The well-behaved client works on its own keys from before the fuzzers start until they are all done;
        // every reply must be exact.
        var goodRng = new Random(FuzzSeed);
        var fuzzing = false;
        var goodDuringFuzz = 0;
        // One round: 16 SETs, 16 GETs and 4 INCRs, each group pipelined (under appendfsync always a lone write waits
        // for its own fsync; a batch shares one).
        async Task<string?> GoodRoundAsync()
        {
            var keys = Enumerable.Range(0, 50).OrderBy(_ => goodRng.Next()).Take(16).Select(i => prefix + i).ToArray();
            var values = keys.Select(_ => $"v{goodOps}-{goodRng.Next():x}").ToArray();
            try
            {
                var sets = await Task.WhenAll(keys.Select((k, i) => db.StringSetAsync(k, values[i])));
                if (sets.Any(ok => !ok))
                {
                    return "a SET returned false";
                }
                for (var i = 0; i < keys.Length; i++)
                {
                    acked[keys[i]] = values[i];
                }
                var reads = await Task.WhenAll(keys.Select(k => db.StringGetAsync(k)));
                for (var i = 0; i < keys.Length; i++)
                {
                    if ((string?)reads[i] != values[i])
                    {
                        return $"GET {keys[i]} returned '{reads[i]}', expected '{values[i]}'";
                    }
                }
                var incrs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => db.StringIncrementAsync(prefix + "counter")));
                var expected = Enumerable.Range(1, 4).Select(d => counter + d);
                if (!incrs.Order().SequenceEqual(expected))
                {
                    return $"INCR {prefix}counter x4 returned {string.Join(",", incrs)}, expected {string.Join(",", expected)}";
                }
                counter += 4;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                return $"good client failed after {goodOps} rounds: {e.GetType().Name}: {e.Message}";
            }
            goodOps++;
            if (Volatile.Read(ref fuzzing))
            {
                goodDuringFuzz++;
            }
            return null;
        }

        var fuzzers = new Task[FuzzWorkers];
        var goodTask = Task.Run(async () =>
        {
            for (var i = 0; i < 5; i++)
            {
                if (await GoodRoundAsync() is { } failure)
                {
                    return failure;
                }
            }
            Volatile.Write(ref fuzzing, true);
            while (!fuzzers.All(f => f is { IsCompleted: true }) && sw.Elapsed < FuzzTimeLimit + TimeSpan.FromSeconds(10) && goodOps < 100_000)
            {
                if (await GoodRoundAsync() is { } failure)
                {
                    return failure;
                }
            }
            return null;
        });
        await Task.Run(() => Eventually.True(() => Volatile.Read(ref fuzzing) || goodTask.IsCompleted, "good client warmed up", TimeSpan.FromSeconds(20)));

        for (var w = 0; w < FuzzWorkers; w++)
        {
            var worker = w;
            fuzzers[w] = Task.Factory.StartNew(() =>
            {
                var rng = new Random(FuzzSeed + worker);
                for (var round = 0; round < FuzzConnections / FuzzWorkers && sw.Elapsed < FuzzTimeLimit; round++)
                {
                    var payload = Garbage(rng, out var shape);
                    var abrupt = rng.Next(3) == 0;
                    try
                    {
                        FuzzOne(payload, abrupt, outcomes);
                    }
                    catch (Exception e) when (e is TimeoutException or SocketException or IOException)
                    {
                        lock (fuzzFailures)
                        {
                            fuzzFailures.Add($"worker {worker} round {round} ({shape}, {payload.Length} bytes, " +
                                             $"starts {RawRespClient.Escape(RawRespClient.Latin1.GetString(payload, 0, Math.Min(60, payload.Length)))}): " +
                                             $"{e.GetType().Name}: {e.Message}");
                        }
                    }
                    Interlocked.Increment(ref fuzzDone);
                }
            }, TaskCreationOptions.LongRunning);
        }
        var goodFailure = await goodTask.WaitAsync(FuzzTimeLimit + TimeSpan.FromSeconds(20));
        bool allDone;
        try
        {
            await Task.WhenAll(fuzzers).WaitAsync(TimeSpan.FromSeconds(30));
            allDone = true;
        }
        catch (TimeoutException)
        {
            allDone = false;
        }

        var summary = $"seed {FuzzSeed}: {fuzzDone} fuzz connections in {sw.ElapsedMilliseconds} ms (closed after EOF {outcomes[0]}, " +
                      $"abrupt {outcomes[1]}, send refused {outcomes[2]}, got a reply {outcomes[3]}); {goodOps} good rounds, {goodDuringFuzz} of them during the fuzz";
        output.WriteLine(summary);
        Assert.True(allDone, "fuzz workers finish; " + summary);
        Assert.True(goodFailure is null, goodFailure + "\n" + summary + "\n" + Node.LogTailMessage(20));
        Assert.True(fuzzFailures.Count == 0, $"{fuzzFailures.Count} fuzz connection(s) misbehaved:\n{string.Join('\n', fuzzFailures.Take(10))}\n{summary}\n{Node.LogTailMessage(20)}");
        Assert.True(fuzzDone >= FuzzConnections / 2, "too few fuzz connections within the time limit: " + summary);
        Assert.True(goodOps > 0, "the good client never ran: " + summary);

        Node.AssertAlive();
        Assert.Equal(Resp.Pong, checker.Command("PING"));
        foreach (var (key, value) in acked)
        {
            Assert.Equal(Resp.Bulk(value), checker.Command("GET", key));
        }
        Assert.Equal(Resp.Bulk(counter.ToString()), checker.Command("GET", prefix + "counter"));
        await good.CloseAsync();
        WaitForClientCount(checker, 2);
    }

    /// <summary>One fuzz connection: send, then either drop it or half-close and wait (deadline) for the server to close its end.</summary>
    private void FuzzOne(byte[] payload, bool abrupt, int[] outcomes)
    {
        using var c = Node.Raw(TimeSpan.FromSeconds(5));
        try
        {
            c.Send(payload);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted)
        {
            // The server gave up on this connection (e.g. a protocol error) before reading everything: fine.
            Interlocked.Increment(ref outcomes[2]);
            return;
        }
        if (abrupt)
        {
            Interlocked.Increment(ref outcomes[1]);
            return; // dispose closes it, possibly with a reset
        }
        try
        {
            c.ShutdownSend();
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.NotConnected or SocketError.Shutdown)
        {
            Interlocked.Increment(ref outcomes[2]);
            return;
        }
        // After end-of-stream from the client, the server must close its side (whatever it replied before).
        var replied = c.ReadUntilClosed(TimeSpan.FromSeconds(5));
        Interlocked.Increment(ref outcomes[replied.Length > 0 ? 3 : 0]);
    }

    /// <summary>Random bad input of one of several shapes; <paramref name="shape"/> names it for failure messages.</summary>
    private static byte[] Garbage(Random rng, out string shape)
    {
        switch (rng.Next(8))
        {
            case 0:
            {
                shape = "random bytes";
                var b = new byte[1 + rng.Next(8192)];
                rng.NextBytes(b);
                return b;
            }
            case 1:
            {
                shape = "valid frames with flipped bytes";
                var b = Bytes(ValidFrames(rng, 1 + rng.Next(4)));
                for (int i = 0, flips = 1 + rng.Next(6); i < flips; i++)
                {
                    b[rng.Next(b.Length)] = (byte)rng.Next(256);
                }
                return b;
            }
            case 2:
            {
                shape = "valid frames cut short";
                var b = Bytes(ValidFrames(rng, 1 + rng.Next(4)));
                return b[..Math.Max(1, rng.Next(b.Length))];
            }
            case 3:
            {
                shape = "bad lengths in a frame";
                var frame = ValidFrames(rng, 1);
                // Replace one length (the multibulk count or a bulk length) by a bad one.
                var lengths = Regex.Matches(frame, @"[*$](\d+)\r\n").ToList();
                var m = lengths[rng.Next(lengths.Count)];
                var bad = BadLengths[rng.Next(BadLengths.Length)];
                var mutated = frame[..m.Groups[1].Index] + bad + frame[(m.Groups[1].Index + m.Groups[1].Length)..];
                return Bytes(mutated + (rng.Next(2) == 0 ? RawRespClient.Encode("PING") : ""));
            }
            case 4:
            {
                shape = "random command names and arities";
                var sb = new StringBuilder();
                for (int i = 0, n = 1 + rng.Next(5); i < n; i++)
                {
                    var args = new List<string> { RandomName(rng) };
                    for (var a = rng.Next(11); a > 0; a--)
                    {
                        args.Add(RandomArg(rng));
                    }
                    sb.Append(RawRespClient.Encode(args.ToArray()));
                }
                return Bytes(sb.ToString());
            }
            case 5:
            {
                shape = "long line without CRLF";
                var length = 1 + rng.Next(100 * 1024);
                var filler = (char)('a' + rng.Next(26));
                return Bytes(rng.Next(4) switch
                {
                    0 => new string(filler, length),
                    1 => "*" + new string('9', length),
                    2 => "*1\r\n$" + new string('7', length),
                    _ => "*2\r\n$4\r\nECHO\r\n$200000\r\n" + new string(filler, length),
                });
            }
            case 6:
            {
                shape = "valid frames then random bytes";
                var head = Bytes(ValidFrames(rng, 1 + rng.Next(6)));
                var tail = new byte[1 + rng.Next(2048)];
                rng.NextBytes(tail);
                return [.. head, .. tail];
            }
            default:
            {
                shape = "inline garbage";
                var sb = new StringBuilder();
                for (int i = 0, n = 1 + rng.Next(6); i < n; i++)
                {
                    var tokens = Enumerable.Range(0, rng.Next(6)).Select(_ => rng.Next(5) switch
                    {
                        0 => "\"" + RandomArg(rng),
                        1 => "'" + RandomArg(rng) + "'x",
                        2 => "\"\\x" + RandomArg(rng) + "\"",
                        _ => RandomArg(rng).Replace("\n", "").Replace("\r", ""),
                    });
                    sb.Append(RandomName(rng).Replace("\n", "").Replace("\r", "")).Append(' ').Append(string.Join(' ', tokens))
                      .Append(rng.Next(3) == 0 ? "\n" : "\r\n");
                }
                return Bytes(sb.ToString());
            }
        }
    }

    private static byte[] Bytes(string latin1) => RawRespClient.Latin1.GetBytes(latin1);

    /// <summary>Well-formed frames of safe commands with random arguments (and arities, right or wrong), on fuzz keys only.</summary>
    private static string ValidFrames(Random rng, int count)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var args = new List<string> { SafeCommands[rng.Next(SafeCommands.Length)] };
            for (var a = rng.Next(5); a > 0; a--)
            {
                args.Add(RandomArg(rng));
            }
            sb.Append(RawRespClient.Encode(args.ToArray()));
        }
        return sb.ToString();
    }

    private static string RandomArg(Random rng) => rng.Next(4) switch
    {
        0 => "fz:" + rng.Next(100),
        1 => rng.Next(-1000, 1_000_000).ToString(),
        2 => new string(Enumerable.Range(0, rng.Next(20)).Select(_ => (char)rng.Next(256)).ToArray()),
        _ => new string(Enumerable.Range(0, 1 + rng.Next(12)).Select(_ => (char)('a' + rng.Next(26))).ToArray()),
    };

    private static string RandomName(Random rng)
    {
        while (true)
        {
            var name = rng.Next(3) == 0
                ? new string(Enumerable.Range(0, rng.Next(16)).Select(_ => (char)rng.Next(256)).ToArray())
                : new string(Enumerable.Range(0, 1 + rng.Next(12)).Select(_ => (char)((rng.Next(2) == 0 ? 'a' : 'A') + rng.Next(26))).ToArray());
            if (!Forbidden.Contains(name.Trim()))
            {
                return name;
            }
        }
    }

    private static long UsedMemoryRss(RawRespClient c)
    {
        var text = (string?)Resp.Parse(c.Command("INFO", "memory")) ?? "";
        var m = Regex.Match(text, @"^used_memory_rss:(\d+)\r?$", RegexOptions.Multiline);
        Assert.True(m.Success, "INFO memory has no used_memory_rss:\n" + text);
        return long.Parse(m.Groups[1].Value);
    }

    /// <summary>Number of client connections in CLIENT LIST (this one included).</summary>
    private static int ClientCount(RawRespClient c)
    {
        var list = (string?)Resp.Parse(c.Command("CLIENT", "LIST")) ?? "";
        return list.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.StartsWith("id=", StringComparison.Ordinal));
    }

    /// <summary>Waits (deadline) until the server has released connections so that at most <paramref name="max"/> remain.</summary>
    private void WaitForClientCount(RawRespClient c, int max)
    {
        var last = 0;
        Eventually.True(() => (last = ClientCount(c)) <= max, $"CLIENT LIST shows at most {max} connection(s)", TimeSpan.FromSeconds(10));
        Assert.True(last <= max, $"{last} connections still listed:\n{Resp.Parse(c.Command("CLIENT", "LIST"))}");
    }

    [Fact]
    public void Million_element_multibulk_headers_held_open_do_not_exhaust_memory()
    {
        const long Limit = 1L << 30;
        using var checker = Node.Raw();
        var never = K("never");
        var before = UsedMemoryRss(checker);
        Assert.True(before < Limit, $"used_memory_rss {before} before the test");

        var holders = new List<RawRespClient>();
        try
        {
            // Eight connections announce a million arguments and send only a few; one more sends 50,000 of them.
            for (var i = 0; i < 8; i++)
            {
                var c = Node.Raw();
                holders.Add(c);
                c.Send("*1000000\r\n" + RawRespClient.Encode("SET", never, "v" + i)[4..]);
            }
            var many = Node.Raw();
            holders.Add(many);
            var args = new StringBuilder("*1000000\r\n");
            args.Append("$3\r\nSET\r\n").Append('$').Append(never.Length).Append("\r\n").Append(never).Append("\r\n");
            for (var i = 0; i < 50_000; i++)
            {
                args.Append("$1\r\nx\r\n");
            }
            many.Send(args.ToString());

            // Meanwhile another connection works, and the server's memory stays bounded.
            Expect(Resp.Ok, "SET", K("other"), "works");
            Expect(Resp.Bulk("works"), "GET", K("other"));
            Assert.Equal(Resp.Pong, checker.Command("PING"));
            var during = UsedMemoryRss(checker);
            output.WriteLine($"used_memory_rss before {before}, with the headers held open {during}");
            Assert.True(during < Limit, $"used_memory_rss {during} with the headers held open (before: {before})");
        }
        finally
        {
            // Half of them half-close (the server must drop them without a reply), the others just vanish.
            for (var i = 0; i < holders.Count; i++)
            {
                if (i % 2 == 0)
                {
                    holders[i].ShutdownSend();
                    Assert.Equal("", holders[i].ReadUntilClosed());
                }
                holders[i].Dispose();
            }
        }
        Expect(Resp.Int(0), "EXISTS", never);
        Node.AssertAlive();
        var after = UsedMemoryRss(checker);
        Assert.True(after < Limit, $"used_memory_rss {after} after the disconnects (before: {before})");
        Raw.Dispose();
        WaitForClientCount(checker, 2);
    }

    [Fact]
    public async Task Five_hundred_simultaneous_connections_each_get_PONG()
    {
        const int Count = 500;
        using var checker = Node.Raw();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var sw = Stopwatch.StartNew();
        var sockets = new Socket[Count];
        try
        {
            // All open at the same time (connected in concurrent waves of 100, within the servers' listen backlog)...
            for (var wave = 0; wave < Count; wave += 100)
            {
                await Task.WhenAll(Enumerable.Range(wave, Math.Min(100, Count - wave)).Select(async i =>
                {
                    var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    sockets[i] = s;
                    await s.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Node.Port), cts.Token);
                }));
            }
            var connected = sw.ElapsedMilliseconds;
            // ...each sends PING and reads PONG while all are open.
            var replies = await Task.WhenAll(sockets.Select(async s =>
            {
                await s.SendAsync(Bytes(RawRespClient.Encode("PING")), SocketFlags.None, cts.Token);
                var buffer = new byte[64];
                var got = 0;
                while (got < Resp.Pong.Length)
                {
                    var n = await s.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None, cts.Token);
                    if (n == 0)
                    {
                        break;
                    }
                    got += n;
                }
                return RawRespClient.Latin1.GetString(buffer, 0, got);
            }));
            output.WriteLine($"{Count} connected in {connected} ms, all answered after {sw.ElapsedMilliseconds} ms");
            var wrong = replies.Select((r, i) => (r, i)).Where(x => x.r != Resp.Pong).ToList();
            Assert.True(wrong.Count == 0,
                $"{wrong.Count} of {Count} connections did not get PONG, e.g. #{wrong.FirstOrDefault().i}: {RawRespClient.Escape(wrong.FirstOrDefault().r ?? "")}" +
                $" (connected in {connected} ms)\n{Node.LogTailMessage(20)}");
        }
        finally
        {
            foreach (var s in sockets)
            {
                s?.Dispose();
            }
        }
        Node.AssertAlive();
        Assert.Equal(Resp.Pong, checker.Command("PING"));
        Expect(Resp.Ok, "SET", K("after"), "ok");
        Expect(Resp.Bulk("ok"), "GET", K("after"));
        Raw.Dispose();
        WaitForClientCount(checker, 2);
    }
}
