using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using HyperCache.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// Crash safety for every data type: writers run a mixed workload of lists, hashes, sets, sorted sets, bitmaps,
/// HyperLogLogs and MULTI/EXEC transactions under <c>appendfsync always</c>; the node is SIGKILLed mid-stream.
/// After restart every acknowledged write is there, the one command in flight happened entirely or not at all,
/// and the state digest equals that of a second, clean replay of the same log.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class TypedCrashTests(ITestOutputHelper output)
{
    /// <summary>The exact content of one writer's keys, as its acknowledged replies say it must be.</summary>
    private sealed class Model
    {
        public List<string> List = [];
        public Dictionary<string, string> Hash = [];
        public HashSet<string> Set = [];
        public Dictionary<string, long> ZSet = [];
        public HashSet<int> Bits = [];
        public HashSet<string> Hll = [];

        public Model Clone() => new()
        {
            List = [.. List], Hash = new(Hash), Set = [.. Set], ZSet = new(ZSet), Bits = [.. Bits], Hll = [.. Hll],
        };
    }

    /// <summary>One writer: its own connection and keys, one request in flight at a time.</summary>
    private sealed class Writer(int id, string prefix, int port)
    {
        private const int MaxOps = 40_000;

        public int Id { get; } = id;
        public string ListKey => $"{prefix}w{Id}:list";
        public string HashKey => $"{prefix}w{Id}:hash";
        public string SetKey => $"{prefix}w{Id}:set";
        public string ZSetKey => $"{prefix}w{Id}:zset";
        public string BitsKey => $"{prefix}w{Id}:bits";
        public string HllKey => $"{prefix}w{Id}:hll";

        public Model Acked { get; private set; } = new();
        /// <summary>The request in flight when the connection broke, and the model if it took effect.</summary>
        public (string Request, Model After)? InDoubt { get; private set; }
        public int AckedOps;
        public string? Failure { get; private set; }
        public volatile bool Stop;

        public void Run()
        {
            var rng = new Random(4242 + Id);
            RawRespClient client;
            try
            {
                client = new RawRespClient(port);
            }
            catch (SocketException e)
            {
                Failure = "could not connect: " + e.Message;
                return;
            }
            using (client)
            {
                for (var n = 0; n < MaxOps && !Stop; n++)
                {
                    var after = Acked.Clone();
                    var (commands, check) = Next(rng, n, after);
                    var replies = new List<string>();
                    try
                    {
                        client.Send(string.Concat(commands.Select(c => RawRespClient.Encode(c))));
                        foreach (var _ in commands) replies.Add(client.ReadReply());
                    }
                    catch (Exception e) when (e is IOException or SocketException or TimeoutException or InvalidDataException)
                    {
                        InDoubt = (string.Join(" | ", commands.Select(c => string.Join(' ', c))), after);
                        return;
                    }
                    var problem = check(replies);
                    if (problem != null)
                    {
                        Failure = $"writer {Id}: {string.Join(" | ", commands.Select(c => string.Join(' ', c)))}: {problem}";
                        return;
                    }
                    Acked = after;
                    Interlocked.Increment(ref AckedOps);
                }
            }
        }

        /// <summary>The next request (one or more pipelined commands), applied to <paramref name="m"/>, and a check
        /// of its replies (null when they are what the model says).</summary>
        private (List<string[]> Commands, Func<List<string>, string?> Check) Next(Random rng, int n, Model m)
        {
            string Expect(List<string> r, string expected) => r[0] == expected ? null! : $"replied {RawRespClient.Escape(r[0])}, expected {RawRespClient.Escape(expected)}";
            var value = $"v{n}";
            var member = $"m{rng.Next(40)}";
            switch (rng.Next(14))
            {
                case 0:
                case 1:
                    m.List.Add(value);
                    {
                        var len = m.List.Count;
                        return ([["RPUSH", ListKey, value]], r => Expect(r, Resp.Int(len)));
                    }
                case 2:
                {
                    var head = m.List.Count > 0 ? m.List[0] : null;
                    if (head != null) m.List.RemoveAt(0);
                    return ([["LPOP", ListKey]], r => Expect(r, Resp.Bulk(head)));
                }
                case 3:
                {
                    var added = m.Hash.TryAdd(member, value) ? 1 : 0;
                    m.Hash[member] = value;
                    return ([["HSET", HashKey, member, value]], r => Expect(r, Resp.Int(added)));
                }
                case 4:
                {
                    var removed = m.Hash.Remove(member) ? 1 : 0;
                    return ([["HDEL", HashKey, member]], r => Expect(r, Resp.Int(removed)));
                }
                case 5:
                {
                    var next = long.Parse(m.Hash.GetValueOrDefault("counter", "0"), CultureInfo.InvariantCulture) + 3;
                    m.Hash["counter"] = next.ToString(CultureInfo.InvariantCulture);
                    return ([["HINCRBY", HashKey, "counter", "3"]], r => Expect(r, Resp.Int(next)));
                }
                case 6:
                {
                    var added = m.Set.Add(member) ? 1 : 0;
                    return ([["SADD", SetKey, member]], r => Expect(r, Resp.Int(added)));
                }
                case 7:
                {
                    var removed = m.Set.Remove(member) ? 1 : 0;
                    return ([["SREM", SetKey, member]], r => Expect(r, Resp.Int(removed)));
                }
                case 8:
                {
                    var score = rng.Next(-1000, 1000);
                    var added = m.ZSet.ContainsKey(member) ? 0 : 1;
                    m.ZSet[member] = score;
                    return ([["ZADD", ZSetKey, score.ToString(CultureInfo.InvariantCulture), member]], r => Expect(r, Resp.Int(added)));
                }
                case 9:
                {
                    var next = m.ZSet.GetValueOrDefault(member) + 2;
                    m.ZSet[member] = next;
                    return ([["ZINCRBY", ZSetKey, "2", member]], r => Expect(r, Resp.Bulk(next.ToString(CultureInfo.InvariantCulture))));
                }
                case 10:
                {
                    var removed = m.ZSet.Remove(member) ? 1 : 0;
                    return ([["ZREM", ZSetKey, member]], r => Expect(r, Resp.Int(removed)));
                }
                case 11:
                {
                    var offset = rng.Next(2000);
                    var bit = rng.Next(2);
                    var old = m.Bits.Contains(offset) ? 1 : 0;
                    if (bit == 1) m.Bits.Add(offset);
                    else m.Bits.Remove(offset);
                    return ([["SETBIT", BitsKey, offset.ToString(CultureInfo.InvariantCulture), bit.ToString(CultureInfo.InvariantCulture)]], r => Expect(r, Resp.Int(old)));
                }
                case 12:
                {
                    var element = $"e{rng.Next(100_000)}";
                    m.Hll.Add(element);
                    // Whether a register changed is the HLL's business; any 0/1 is a valid reply.
                    return ([["PFADD", HllKey, element]], r => r[0] is ":0\r\n" or ":1\r\n" ? null : $"PFADD replied {RawRespClient.Escape(r[0])}");
                }
                default:
                {
                    // A transaction over two types: after a crash it happened entirely or not at all.
                    var field = $"tx{rng.Next(20)}";
                    var addedField = m.Hash.TryAdd(field, value) ? 1 : 0;
                    m.Hash[field] = value;
                    var addedMember = m.ZSet.ContainsKey(field) ? 0 : 1;
                    m.ZSet[field] = n;
                    var expected = new[] { Resp.Ok, "+QUEUED\r\n", "+QUEUED\r\n", $"*2\r\n:{addedField}\r\n:{addedMember}\r\n" };
                    return ([["MULTI"], ["HSET", HashKey, field, value], ["ZADD", ZSetKey, n.ToString(CultureInfo.InvariantCulture), field], ["EXEC"]],
                        r => r.SequenceEqual(expected) ? null : "replied " + RawRespClient.Escape(string.Concat(r)));
                }
            }
        }
    }

    /// <summary>What the node holds for one writer, in the model's terms (HLL aside: checked separately).</summary>
    private static Model Read(RawRespClient c, Writer w)
    {
        var m = new Model();
        m.List = Resp.ParseFlatArray(c.Command("LRANGE", w.ListKey, "0", "-1")).Select(s => s!).ToList();
        var hash = Resp.ParseFlatArray(c.Command("HGETALL", w.HashKey));
        for (var i = 0; i < hash.Count; i += 2) m.Hash[hash[i]!] = hash[i + 1]!;
        m.Set = Resp.ParseFlatArray(c.Command("SMEMBERS", w.SetKey)).Select(s => s!).ToHashSet();
        var zset = Resp.ParseFlatArray(c.Command("ZRANGE", w.ZSetKey, "0", "-1", "WITHSCORES"));
        for (var i = 0; i < zset.Count; i += 2) m.ZSet[zset[i]!] = long.Parse(zset[i + 1]!, CultureInfo.InvariantCulture);
        for (var offset = 0; offset < 2000; offset++)
            if (c.Command("GETBIT", w.BitsKey, offset.ToString(CultureInfo.InvariantCulture)) == Resp.Int(1)) m.Bits.Add(offset);
        return m;
    }

    private static string Describe(Model m) =>
        $"list [{string.Join(',', m.List)}] hash {{{string.Join(',', m.Hash.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"))}}} " +
        $"set {{{string.Join(',', m.Set.Order())}}} zset {{{string.Join(',', m.ZSet.OrderBy(p => p.Key).Select(p => $"{p.Key}:{p.Value}"))}}} " +
        $"bits {{{string.Join(',', m.Bits.Order())}}}";

    private static string Digest(NodeProcess node)
    {
        using var c = node.Raw();
        var digest = Resp.Parse(c.Command("DEBUG", "DIGEST")) as string;
        Assert.False(string.IsNullOrEmpty(digest), "DEBUG DIGEST gave no digest");
        return digest!;
    }

    [HyperCacheFact]
    public void Every_type_survives_SIGKILL_with_appendfsync_always()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        var prefix = $"typed:{Guid.NewGuid().ToString("N")[..8]}:";
        var writers = Enumerable.Range(0, 6).Select(i => new Writer(i, prefix, node.Port)).ToArray();
        var tasks = writers.Select(w => Task.Factory.StartNew(w.Run, TaskCreationOptions.LongRunning)).ToArray();

        var sw = Stopwatch.StartNew();
        Eventually.True(() => writers.Any(w => w.Failure is not null) ||
                              (sw.Elapsed >= TimeSpan.FromSeconds(2) && writers.All(w => Volatile.Read(ref w.AckedOps) > 50)),
            "every writer has acknowledged writes", TimeSpan.FromSeconds(30));
        node.Kill9();
        foreach (var w in writers) w.Stop = true;
        Assert.True(Task.WaitAll(tasks, TimeSpan.FromSeconds(15)), "writers stop after the kill");
        foreach (var w in writers) Assert.True(w.Failure is null, w.Failure + "\n" + node.LogTailMessage(30));

        node.Start();
        var problems = new List<string>();
        using (var c = node.Raw())
        {
            foreach (var w in writers)
            {
                var actual = Describe(Read(c, w));
                var acked = Describe(w.Acked);
                var after = w.InDoubt is { } d ? Describe(d.After) : null;
                if (actual != acked && actual != after)
                    problems.Add($"writer {w.Id}:\n  found    {actual}\n  acked    {acked}\n  in doubt {after ?? "-"} ({w.InDoubt?.Request})");
                // Every acknowledged PFADD element is already counted: adding them all again changes no register.
                var elements = w.Acked.Hll.ToArray();
                if (elements.Length > 0)
                {
                    var reply = c.Command(["PFADD", w.HllKey, .. elements]);
                    if (reply != Resp.Int(0)) problems.Add($"writer {w.Id}: re-adding {elements.Length} acknowledged HLL elements replied {RawRespClient.Escape(reply)}");
                }
            }
        }
        var summary = string.Join("\n", writers.Select(w => $"w{w.Id}: {w.AckedOps} acked, in doubt: {w.InDoubt?.Request ?? "-"}"));
        output.WriteLine(summary);
        Assert.True(problems.Count == 0, string.Join('\n', problems) + "\n" + summary);

        // The recovered state is a replay of the log; a clean restart replays it again and must agree.
        var d1 = Digest(node);
        Assert.True(node.Terminate(TimeSpan.FromSeconds(20)) == 0, "clean exit after SIGTERM\n" + node.LogTailMessage(30));
        node.Start();
        Assert.Equal(d1, Digest(node));
    }
}
