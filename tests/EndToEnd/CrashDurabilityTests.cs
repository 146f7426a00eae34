using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HyperCache.EndToEnd.Tests;

/// <summary>Crash tests kill and restart their own server processes: they run one at a time, apart from the others.</summary>
[CollectionDefinition(Name)]
public sealed class CrashCollection
{
    public const string Name = "crash";
}

/// <summary>
/// Durability of the AOF across SIGKILL and SIGTERM: every write acknowledged under <c>appendfsync always</c> survives
/// a SIGKILL, a clean shutdown loses nothing, and recovery is deterministic (DEBUG DIGEST).
/// Each test starts its own node processes on its own temporary data directory (<see cref="NodeProcess"/>).
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class CrashDurabilityTests(ITestOutputHelper output)
{
    /// <summary>Long enough that nothing written here expires while a test runs (so digests cannot change by expiry).</summary>
    private const long LongTtlMs = 600_000;

    /// <summary>What one key holds: Value null = absent; TtlMs null = no TTL, else the TTL it was given (PTTL must be in (0, TtlMs]).</summary>
    private sealed record KeyState(string? Value, long? TtlMs)
    {
        public static readonly KeyState Absent = new(null, null);

        public override string ToString() => Value is null ? "(absent)" : $"'{Value}'" + (TtlMs is { } t ? $" with TTL <= {t} ms" : " without TTL");
    }

    /// <summary>
    /// One writer: its own connection and its own keys, one command in flight at a time, so the state of its keys is
    /// exactly known from the replies it got. After the kill the command in flight (if any) is "in doubt".
    /// </summary>
    private sealed class Writer(int id, string prefix, int port)
    {
        private const int StringKeys = 12;
        private const int MaxOps = 50_000;

        public int Id { get; } = id;

        public string[] Keys { get; } = Enumerable.Range(0, StringKeys).Select(i => $"{prefix}w{id}:s{i}").ToArray();

        public string Counter { get; } = $"{prefix}w{id}:counter";

        /// <summary>The state of every key of this writer, as of the last acknowledged command.</summary>
        public Dictionary<string, KeyState> Acked { get; } = new();

        /// <summary>The command in flight when the connection broke, and the states it would give its keys.</summary>
        public (string Command, Dictionary<string, KeyState> After)? InDoubt { get; private set; }

        public int AckedOps;

        public string? Failure { get; private set; }

        public string? StoppedBy { get; private set; }

        public volatile bool Stop;

        private KeyState State(string key) => Acked.GetValueOrDefault(key, KeyState.Absent);

        public void Run()
        {
            var rng = new Random(1000 + Id);
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
                    var (args, expected, after) = NextCommand(rng, n);
                    string reply;
                    try
                    {
                        reply = client.Command(args);
                    }
                    catch (Exception e) when (e is IOException or SocketException or TimeoutException or InvalidDataException)
                    {
                        InDoubt = (string.Join(' ', args), after);
                        StoppedBy = e.GetType().Name + ": " + e.Message;
                        return;
                    }
                    if (reply != expected)
                    {
                        Failure = $"writer {Id}: {string.Join(' ', args)} replied {RawRespClient.Escape(reply)}, expected {RawRespClient.Escape(expected)}";
                        return;
                    }
                    foreach (var (key, state) in after)
                    {
                        Acked[key] = state;
                    }
                    Interlocked.Increment(ref AckedOps);
                }
                StoppedBy = "done";
            }
        }

        /// <summary>A random command on this writer's keys, the exact reply it must get, and the states it gives its keys.</summary>
        private (string[] Args, string Expected, Dictionary<string, KeyState> After) NextCommand(Random rng, int n)
        {
            var key = Keys[rng.Next(Keys.Length)];
            var value = $"w{Id}-{n}-{rng.Next():x}";
            var current = State(key);
            var roll = rng.Next(100);
            switch (roll)
            {
                case < 22:
                    return (["SET", key, value], Resp.Ok, new() { [key] = new KeyState(value, null) });
                case < 38:
                    return (["SET", key, value, "PX", LongTtlMs.ToString()], Resp.Ok, new() { [key] = new KeyState(value, LongTtlMs) });
                case < 54:
                {
                    var next = long.Parse(State(Counter).Value ?? "0") + 1;
                    return (["INCR", Counter], Resp.Int(next), new() { [Counter] = new KeyState(next.ToString(), null) });
                }
                case < 66:
                {
                    var suffix = "+" + n;
                    var appended = (current.Value ?? "") + suffix;
                    // APPEND keeps the TTL of an existing key; a new key has none.
                    return (["APPEND", key, suffix], Resp.Int(appended.Length), new() { [key] = new KeyState(appended, current.Value is null ? null : current.TtlMs) });
                }
                case < 76:
                {
                    var other = Keys[(Array.IndexOf(Keys, key) + 1 + rng.Next(Keys.Length - 1)) % Keys.Length];
                    var value2 = value + "-b";
                    return (["MSET", key, value, other, value2], Resp.Ok,
                        new() { [key] = new KeyState(value, null), [other] = new KeyState(value2, null) });
                }
                case < 88:
                    return (["DEL", key], Resp.Int(current.Value is null ? 0 : 1), new() { [key] = KeyState.Absent });
                default:
                    return current.Value is null
                        ? (["EXPIRE", key, (LongTtlMs / 1000).ToString()], Resp.Int(0), new() { [key] = KeyState.Absent })
                        : (["EXPIRE", key, (LongTtlMs / 1000).ToString()], Resp.Int(1), new() { [key] = current with { TtlMs = LongTtlMs } });
            }
        }
    }

    private static KeyState Read(RawRespClient c, string key)
    {
        var get = Resp.Parse(c.Command("GET", key));
        var pttl = Resp.Parse(c.Command("PTTL", key));
        if (get is Resp.Error || pttl is not long ttl)
        {
            throw new Xunit.Sdk.XunitException($"GET/PTTL {key} replied {get} / {pttl}");
        }
        var value = (string?)get;
        return value is null ? (ttl == -2 ? KeyState.Absent : new KeyState(null, ttl)) : new KeyState(value, ttl == -1 ? null : ttl);
    }

    private static bool Matches(KeyState actual, KeyState expected)
    {
        if (expected.Value is null)
        {
            return actual == KeyState.Absent;
        }
        if (actual.Value != expected.Value)
        {
            return false;
        }
        return expected.TtlMs is { } max ? actual.TtlMs is > 0 and var t && t <= max : actual.TtlMs is null;
    }

    private static string Info(RawRespClient c, string section, string field)
    {
        var text = (string?)Resp.Parse(c.Command("INFO", section)) ?? "";
        var m = Regex.Match(text, "^" + Regex.Escape(field) + ":(.*)$", RegexOptions.Multiline);
        if (!m.Success)
        {
            throw new Xunit.Sdk.XunitException($"INFO {section} has no {field}:\n{text}");
        }
        return m.Groups[1].Value.TrimEnd('\r');
    }

    private static string Digest(NodeProcess node)
    {
        using var c = node.Raw();
        var reply = c.Command("DEBUG", "DIGEST");
        var digest = Resp.Parse(reply) as string;
        Assert.False(string.IsNullOrEmpty(digest), "DEBUG DIGEST replied " + RawRespClient.Escape(reply));
        return digest!;
    }

    private static long RecoveredEntries(NodeProcess node)
    {
        using var c = node.Raw();
        return long.Parse(Info(c, "persistence", "aof_recovered_entries"));
    }

    [HyperCacheFact]
    public void Acknowledged_writes_survive_SIGKILL_with_appendfsync_always()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        var prefix = $"crash:{Guid.NewGuid().ToString("N")[..8]}:";
        var writers = Enumerable.Range(0, 8).Select(i => new Writer(i, prefix, node.Port)).ToArray();
        var tasks = writers.Select(w => Task.Factory.StartNew(w.Run, TaskCreationOptions.LongRunning)).ToArray();

        // Let them write for a while (every writer acknowledged at least once), then pull the plug mid-flight.
        var sw = Stopwatch.StartNew();
        Eventually.True(() => writers.Any(w => w.Failure is not null) ||
                              (sw.Elapsed >= TimeSpan.FromSeconds(1.5) && writers.All(w => Volatile.Read(ref w.AckedOps) > 0)),
            "every writer has acknowledged writes", TimeSpan.FromSeconds(20));
        var pid = node.Pid;
        node.Kill9();
        var ackedAtKill = writers.Sum(w => Volatile.Read(ref w.AckedOps));
        foreach (var w in writers)
        {
            w.Stop = true;
        }
        Assert.True(Task.WaitAll(tasks, TimeSpan.FromSeconds(15)), "writers stop after the kill");
        foreach (var w in writers)
        {
            Assert.True(w.Failure is null, w.Failure + "\n" + node.LogTailMessage(30));
        }
        Assert.True(ackedAtKill >= writers.Length, $"only {ackedAtKill} writes acknowledged before the kill");

        node.Start();
        Assert.NotEqual(pid, node.Pid);
        var problems = new List<string>();
        using (var c = node.Raw())
        {
            foreach (var w in writers)
            {
                var keys = w.Keys.Append(w.Counter).ToList();
                var inDoubt = w.InDoubt;
                var doubtful = inDoubt?.After.Keys.ToHashSet() ?? [];
                var actual = keys.ToDictionary(k => k, k => Read(c, k));
                // Keys the in-doubt command did not touch: exactly the acknowledged state.
                foreach (var k in keys.Where(k => !doubtful.Contains(k)))
                {
                    var expected = w.Acked.GetValueOrDefault(k, KeyState.Absent);
                    if (!Matches(actual[k], expected))
                    {
                        problems.Add($"writer {w.Id}: {k} is {actual[k]}, acknowledged {expected}");
                    }
                }
                // The in-doubt command happened entirely or not at all.
                if (inDoubt is { } d)
                {
                    var before = doubtful.All(k => Matches(actual[k], w.Acked.GetValueOrDefault(k, KeyState.Absent)));
                    var after = doubtful.All(k => Matches(actual[k], d.After[k]));
                    if (!before && !after)
                    {
                        problems.Add($"writer {w.Id}: in-doubt '{d.Command}' left " +
                                     string.Join(", ", doubtful.Select(k => $"{k}={actual[k]} (acked {w.Acked.GetValueOrDefault(k, KeyState.Absent)}, in doubt {d.After[k]})")));
                    }
                }
            }
        }
        var summary = string.Join("\n", writers.Select(w => $"w{w.Id}: {w.AckedOps} acked, in doubt: {w.InDoubt?.Command ?? "-"} ({w.StoppedBy})"));
        output.WriteLine($"{ackedAtKill} writes acknowledged when killed after {sw.ElapsedMilliseconds} ms\n{summary}");
        Assert.True(problems.Count == 0,
            $"{problems.Count} acknowledged write(s) lost or wrong after SIGKILL + restart:\n{string.Join('\n', problems.Take(40))}\n{summary}\n{node.LogTailMessage(30)}");
        Assert.True(RecoveredEntries(node) > 0, "aof_recovered_entries > 0 after the restart");
    }

    [HyperCacheFact]
    public void Restart_after_clean_shutdown_keeps_everything_and_digest()
    {
        using var node = new NodeProcess(appendFsync: "everysec");
        node.Start();
        var prefix = $"clean:{Guid.NewGuid().ToString("N")[..8]}:";
        var samples = new Dictionary<(int Db, string Key), KeyState>();
        var dbsizes = new Dictionary<int, string>();
        using (var c = node.Raw())
        {
            foreach (var db in new[] { 0, 1, 2 })
            {
                Assert.Equal(Resp.Ok, c.Command("SELECT", db.ToString()));
                var batch = new StringBuilder();
                var expected = new StringBuilder();
                for (var i = 0; i < 1200; i++)
                {
                    var key = $"{prefix}db{db}:{i}";
                    var value = $"v{db}-{i}";
                    switch (i % 4)
                    {
                        case 0:
                            batch.Append(RawRespClient.Encode("SET", key, value, "EX", (3600 + i).ToString()));
                            expected.Append(Resp.Ok);
                            break;
                        case 1:
                            batch.Append(RawRespClient.Encode("SET", key, value));
                            expected.Append(Resp.Ok);
                            break;
                        case 2:
                            batch.Append(RawRespClient.Encode("INCRBY", key, i.ToString()));
                            batch.Append(RawRespClient.Encode("PEXPIRE", key, (LongTtlMs + i).ToString()));
                            expected.Append(Resp.Int(i)).Append(Resp.Int(1));
                            break;
                        default:
                            batch.Append(RawRespClient.Encode("APPEND", key, value));
                            batch.Append(RawRespClient.Encode("APPEND", key, "+"));
                            expected.Append(Resp.Int(value.Length)).Append(Resp.Int(value.Length + 1));
                            break;
                    }
                }
                c.Send(batch.ToString());
                var replies = new StringBuilder();
                while (replies.Length < expected.Length)
                {
                    replies.Append(c.ReadReply());
                }
                Assert.Equal(expected.ToString(), replies.ToString());
                foreach (var i in new[] { 0, 1, 2, 3, 600, 1197, 1198, 1199 })
                {
                    var key = $"{prefix}db{db}:{i}";
                    samples[(db, key)] = Read(c, key);
                }
                dbsizes[db] = c.Command("DBSIZE");
            }
        }
        var digest = Digest(node);
        output.WriteLine($"digest {digest}, DBSIZE {string.Join(", ", dbsizes.Values.Select(RawRespClient.Escape))}");

        var exit = node.Terminate(TimeSpan.FromSeconds(20));
        Assert.True(exit == 0, $"exit code {exit} after SIGTERM\n{node.LogTailMessage(30)}");

        node.Start();
        Assert.Equal(digest, Digest(node));
        Assert.True(RecoveredEntries(node) > 0, "aof_recovered_entries > 0 after the restart");
        using (var c = node.Raw())
        {
            foreach (var db in new[] { 0, 1, 2 })
            {
                Assert.Equal(Resp.Ok, c.Command("SELECT", db.ToString()));
                Assert.Equal(dbsizes[db], c.Command("DBSIZE"));
                foreach (var ((sdb, key), before) in samples.Where(s => s.Key.Db == db))
                {
                    var after = Read(c, key);
                    // Same value; a TTL read before the restart bounds the one read after (absolute expiry times).
                    Assert.True(Matches(after, before), $"db {sdb} {key}: before the restart {before}, after {after}");
                }
            }
        }
    }

    [HyperCacheFact]
    public void Digest_after_SIGKILL_equals_a_clean_replay()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        var prefix = $"replay:{Guid.NewGuid().ToString("N")[..8]}:";

        // Three pipelined writers over dbs 0..3, killed while they write: the log may end mid-batch.
        var stop = false;
        var batches = new int[3];
        var errors = new List<string>();
        var writers = Enumerable.Range(0, 3).Select(id => Task.Factory.StartNew(() =>
        {
            var rng = new Random(77 + id);
            try
            {
                using var c = node.Raw();
                for (var b = 0; b < 2000 && !Volatile.Read(ref stop); b++)
                {
                    var batch = new StringBuilder();
                    for (var i = 0; i < 40; i++)
                    {
                        batch.Append(RawRespClient.Encode(MixedCommand(rng, prefix, id)));
                    }
                    c.Send(batch.ToString());
                    for (var i = 0; i < 40; i++)
                    {
                        var reply = c.ReadReply();
                        if (reply.StartsWith('-'))
                        {
                            lock (errors)
                            {
                                errors.Add($"writer {id}: {RawRespClient.Escape(reply)}");
                            }
                        }
                    }
                    Interlocked.Increment(ref batches[id]);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or TimeoutException or InvalidDataException)
            {
                // the kill
            }
        }, TaskCreationOptions.LongRunning)).ToArray();

        var sw = Stopwatch.StartNew();
        Eventually.True(() => sw.Elapsed >= TimeSpan.FromSeconds(1) && batches.All(n => n > 0),
            "every writer has written a batch", TimeSpan.FromSeconds(20));
        node.Kill9();
        Volatile.Write(ref stop, true);
        Assert.True(Task.WaitAll(writers, TimeSpan.FromSeconds(15)), "writers stop after the kill");
        Assert.True(errors.Count == 0, "error replies: " + string.Join('\n', errors.Take(10)));

        node.Start();
        var d1 = Digest(node);
        var recovered1 = RecoveredEntries(node);
        Assert.True(recovered1 > 0, "aof_recovered_entries > 0 after the SIGKILL");

        var exit = node.Terminate(TimeSpan.FromSeconds(20));
        Assert.True(exit == 0, $"exit code {exit} after SIGTERM\n{node.LogTailMessage(30)}");
        node.Start();
        var d2 = Digest(node);
        output.WriteLine($"{batches.Sum()} batches of 40 acknowledged; digest {d1} ({recovered1} entries recovered), after a clean restart {d2}");
        Assert.True(d1 == d2,
            $"DEBUG DIGEST after SIGKILL + restart was {d1} ({recovered1} entries recovered), after a clean restart it is {d2} " +
            $"({RecoveredEntries(node)} entries recovered)\n{node.LogTailMessage(30)}");
    }

    /// <summary>A random write that never gets an error reply: strings, counters, long TTLs, DEL, MSET, SELECT 0..3, now and then FLUSHDB.</summary>
    private static string[] MixedCommand(Random rng, string prefix, int writer)
    {
        var db = rng.Next(4);
        var key = $"{prefix}w{writer}:db{db}:{rng.Next(60)}";
        var counter = $"{prefix}w{writer}:db{db}:c{rng.Next(5)}";
        var value = new string((char)('a' + rng.Next(26)), 1 + rng.Next(40));
        var ttl = (LongTtlMs + rng.Next(100_000)).ToString();
        return rng.Next(13) switch
        {
            0 => ["SET", key, value],
            1 => ["SET", key, value, "PX", ttl],
            2 => ["SET", key, value, "EX", (LongTtlMs / 1000 + rng.Next(1000)).ToString()],
            3 => ["INCR", counter],
            4 => ["INCRBY", counter, rng.Next(-1000, 1000).ToString()],
            5 => ["APPEND", key, value],
            6 => ["MSET", key, value, $"{prefix}w{writer}:db{db}:{rng.Next(60)}", value + "2"],
            7 => ["DEL", key],
            8 => ["EXPIRE", key, (LongTtlMs / 1000 + rng.Next(1000)).ToString()],
            9 => ["PEXPIRE", counter, ttl],
            10 => ["SELECT", db.ToString()],
            11 => rng.Next(20) == 0 ? ["SELECT", "3"] : ["SETEX", key, (LongTtlMs / 1000).ToString(), value],
            _ => rng.Next(10) == 0 ? ["FLUSHDB"] : ["DEL", counter, key],
        };
    }
}
