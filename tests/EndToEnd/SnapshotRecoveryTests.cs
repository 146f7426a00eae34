using System.Text;
using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// Snapshots and log compaction, end to end: restarts after SIGKILL rebuild the never-crashed state from snapshot +
/// log, damaged snapshots fall back to the previous one, a damaged log is named by <c>log verify</c> and refused at
/// start-up until <c>--cut-corrupt-log</c>, <c>replay --until-time</c> gives the state of that moment, and an
/// overwrite workload keeps the data directory's size bounded.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class SnapshotRecoveryTests(ITestOutputHelper output)
{
    private const long LongTtlSeconds = 3600;

    private static string Info(RawRespClient c, string field)
    {
        var text = (string?)Resp.Parse(c.Command("INFO", "persistence")) ?? "";
        var m = Regex.Match(text, "^" + Regex.Escape(field) + ":(.*)$", RegexOptions.Multiline);
        Assert.True(m.Success, $"INFO persistence has no {field}:\n{text}");
        return m.Groups[1].Value.TrimEnd('\r');
    }

    private static string Digest(NodeProcess node)
    {
        using var c = node.Raw();
        return (string)Resp.Parse(c.Command("DEBUG", "DIGEST"))!;
    }

    /// <summary>Sends commands pipelined in batches and checks none was refused.</summary>
    private static void Pipeline(RawRespClient c, IEnumerable<string[]> commands, int batch = 200)
    {
        foreach (var chunk in commands.Chunk(batch))
        {
            var text = new StringBuilder();
            foreach (var command in chunk) text.Append(RawRespClient.Encode(command));
            c.Send(text.ToString());
            foreach (var command in chunk)
            {
                var reply = c.ReadReply();
                Assert.False(reply.StartsWith('-'), $"{string.Join(' ', command)} replied {RawRespClient.Escape(reply)}");
            }
        }
    }

    /// <summary>A mixed write round over <paramref name="keys"/> keys: strings, TTLs, counters, appends, cross-shard MSET and RENAME, deletes.</summary>
    private static IEnumerable<string[]> Round(string prefix, int round, int keys)
    {
        var rng = new Random(round);
        for (int i = 0; i < keys; i++)
        {
            string key = $"{prefix}{rng.Next(keys)}";
            yield return (rng.Next(8)) switch
            {
                0 => ["SET", key, $"r{round}-{i}", "EX", (LongTtlSeconds + i).ToString()],
                1 => ["INCRBY", $"{prefix}n{rng.Next(50)}", rng.Next(1, 100).ToString()],
                2 => ["APPEND", key, "+" + round],
                3 => ["MSET", key, "m" + i, $"{prefix}{rng.Next(keys)}", "m2-" + i],
                4 => ["DEL", key],
                5 => ["SET", $"{prefix}tmp{i}", "t", "PX", "3600000"],
                6 => ["RENAME", $"{prefix}tmp{rng.Next(Math.Max(1, i))}", $"{prefix}moved{rng.Next(keys)}"],
                _ => ["SET", key, new string((char)('a' + rng.Next(26)), rng.Next(1, 60))],
            };
        }
    }

    private static void WaitForSaves(RawRespClient c, int saves)
        => Eventually.True(() => Info(c, "rdb_bgsave_in_progress") == "0" && int.Parse(Info(c, "rdb_saves")) >= saves,
            $"{saves} snapshot(s) written", TimeSpan.FromSeconds(30));

    [HyperCacheFact]
    public void Restart_reads_the_log_only_from_where_the_snapshot_ends()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        const string prefix = "tail:";
        using (var c = node.Raw(TimeSpan.FromSeconds(30)))
        {
            Pipeline(c, Enumerable.Range(0, 3000).Select(i => new[] { "SET", $"{prefix}{i % 1000}", $"v{i}" }));
            Assert.Equal(Resp.Ok, c.Command("SAVE"));
        }
        string saved = Digest(node);

        // Nothing logged after the snapshot: the restart reads no entry, yet learns where the sequence stands.
        node.Kill9();
        node.Start();
        Assert.Equal(saved, Digest(node));
        using (var c = node.Raw(TimeSpan.FromSeconds(30)))
        {
            Assert.Equal("0", Info(c, "aof_recovered_entries"));
            // Appends continue the sequence: the next start-up finds no gap.
            Pipeline(c, Enumerable.Range(0, 40).Select(i => new[] { "INCR", $"{prefix}n{i % 7}" }));
        }
        string after = Digest(node);

        node.Kill9();
        node.Start();
        Assert.Equal(after, Digest(node));
        using (var c = node.Raw(TimeSpan.FromSeconds(30)))
        {
            long recovered = long.Parse(Info(c, "aof_recovered_entries"));
            output.WriteLine($"entries read at the second restart: {recovered}");
            Assert.Equal(40, recovered); // the 40 writes after the snapshot, not the 3000 before it
        }
    }

    [HyperCacheFact]
    public void Snapshot_log_and_SIGKILL_restore_the_never_crashed_state()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        string reference;
        using (var c = node.Raw(TimeSpan.FromSeconds(30)))
        {
            // RENAME of a missing key is refused: make sure the tmp keys exist before each round.
            Pipeline(c, Round("k:", 1, 3000).Where(cmd => cmd[0] != "RENAME"));
            Assert.Equal(Resp.Ok, c.Command("SAVE"));
            Pipeline(c, Round("k:", 2, 3000).Where(cmd => cmd[0] != "RENAME"));
            Assert.Equal("+Background saving started\r\n", c.Command("BGSAVE"));
            // Writes keep going while the background snapshot runs.
            Pipeline(c, Round("k:", 3, 3000).Where(cmd => cmd[0] != "RENAME"));
            WaitForSaves(c, 2);
            Pipeline(c, Round("k:", 4, 2000).Where(cmd => cmd[0] != "RENAME"));
            Assert.Equal("0", Info(c, "rdb_bgsave_in_progress"));
            Assert.True(long.Parse(Info(c, "rdb_changes_since_last_save")) > 0);
        }
        reference = Digest(node);
        node.Kill9();
        node.Start();
        Assert.Equal(reference, Digest(node));
        using (var c = node.Raw())
        {
            Assert.EndsWith(".hcs", Info(c, "snapshot_loaded"));
            Assert.True(long.Parse(Info(c, "aof_replayed_entries")) > 0, "the log after the snapshot was replayed");
        }
        // And once more after a clean stop (the newest snapshot is still the one from before the kill).
        Assert.Equal(0, node.Terminate());
        // Offline: newest snapshot + log, cross-checked against the older snapshot + log (the log was truncated).
        var replay = HyperCacheCli.Run("replay", "--data-dir", node.DataDir, "--verify", "--json");
        Assert.True(replay.Exit == 0, replay.ToString());
        Assert.Equal(reference, replay.Json["digest"]!.GetValue<string>());
        Assert.EndsWith("snapshot-000000000001.hcs + log", replay.Json["cross_check"]!.GetValue<string>());
        Assert.True(replay.Json["cross_check_equal"]!.GetValue<bool>());
        node.Start();
        Assert.Equal(reference, Digest(node));
    }

    [HyperCacheFact]
    public void A_damaged_newest_snapshot_falls_back_to_the_previous_one_and_loses_nothing()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        using (var c = node.Raw(TimeSpan.FromSeconds(30)))
        {
            Pipeline(c, Round("d:", 1, 2000).Where(cmd => cmd[0] != "RENAME"));
            Assert.Equal(Resp.Ok, c.Command("SAVE"));
            Pipeline(c, Round("d:", 2, 2000).Where(cmd => cmd[0] != "RENAME"));
            Assert.Equal(Resp.Ok, c.Command("SAVE"));
            Pipeline(c, Round("d:", 3, 2000).Where(cmd => cmd[0] != "RENAME"));
        }
        var reference = Digest(node);
        node.Kill9();
        var snapshots = Directory.GetFiles(Path.Combine(node.DataDir, "snapshots"), "*.hcs").Order().ToArray();
        Assert.Equal(2, snapshots.Length);
        var newest = snapshots[^1];
        var original = File.ReadAllBytes(newest);

        // Truncated (a half-written copy, a full disk...).
        File.WriteAllBytes(newest, original[..(original.Length * 2 / 3)]);
        Assert.Equal(1, HyperCacheCli.Run("snapshot", "inspect", newest).Exit);
        // What the last start logged (all of it, not the last 60 lines: on a loaded machine more lines come after).
        // The node's output reaches the test through an asynchronous reader, which a loaded machine can hold back
        // past the node's first replies: wait for the line, within a deadline.
        void LoggedSinceStart(string text) => Eventually.True(() =>
        {
            string log = node.LogTail(int.MaxValue);
            return log[Math.Max(0, log.LastIndexOf("--- starting:", StringComparison.Ordinal))..].Contains(text, StringComparison.OrdinalIgnoreCase);
        }, $"the node logged \"{text}\" at its last start", TimeSpan.FromSeconds(30));
        node.Start();
        Assert.Equal(reference, Digest(node));
        LoggedSinceStart("damaged");
        using (var c = node.Raw()) Assert.Equal(snapshots[0], Info(c, "snapshot_loaded"));
        node.Kill9();

        // Bytes flipped in the middle.
        var flipped = (byte[])original.Clone();
        for (int i = 0; i < 4; i++) flipped[original.Length / 2 + i] ^= 0xA5;
        File.WriteAllBytes(newest, flipped);
        var inspect = HyperCacheCli.Run("snapshot", "inspect", newest, "--json");
        Assert.Equal(1, inspect.Exit);
        Assert.Contains("hash", inspect.Json["problem"]!.GetValue<string>());
        node.Start();
        Assert.Equal(reference, Digest(node));
        LoggedSinceStart("falling back");
    }

    [HyperCacheFact]
    public void A_corrupt_log_is_named_by_log_verify_refused_at_start_and_cut_on_request()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        using (var c = node.Raw(TimeSpan.FromSeconds(30)))
        {
            Pipeline(c, Enumerable.Range(0, 3000).Select(i => new[] { "SET", $"c:{i}", $"value-{i}" }));
        }
        Assert.Equal(0, node.Terminate());

        // An entry in the middle of the log: flip a byte of its body.
        var listing = HyperCacheCli.Run("log", "inspect", "--data-dir", node.DataDir, "--key", "c:1500", "--json");
        Assert.True(listing.Exit == 0, listing.ToString());
        long address = listing.Json["entries"]!.AsArray()[0]!["address"]!.GetValue<long>();
        var good = HyperCacheCli.Run("replay", "--data-dir", node.DataDir, "--until-address", address.ToString(), "--json");
        Assert.True(good.Exit == 0, good.ToString());
        using (var file = new FileStream(Path.Combine(node.DataDir, "aof", "hlog.0"), FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = address + 24;
            int b = file.ReadByte();
            file.Position = address + 24;
            file.WriteByte((byte)(b ^ 0x5A));
        }

        var verify = HyperCacheCli.Run("log", "verify", "--data-dir", node.DataDir, "--json");
        Assert.True(verify.Exit == 1, verify.ToString());
        Assert.Equal(address, verify.Json["first_bad_address"]!.GetValue<long>());

        var refused = Assert.Throws<InvalidOperationException>(() => node.Start());
        Assert.Contains($"corrupt at address {address}", refused.Message);
        Assert.Contains("--cut-corrupt-log", refused.Message);

        node.ExtraArgs.Add("--cut-corrupt-log");
        node.Start();
        Assert.Equal(good.Json["digest"]!.GetValue<string>(), Digest(node));
        using (var c = node.Raw())
        {
            Assert.Equal(Resp.Bulk("value-1499"), c.Command("GET", "c:1499"));
            Assert.Equal(Resp.Bulk(null), c.Command("GET", "c:1501"));
        }
        Assert.Equal(0, node.Terminate());
        var repaired = HyperCacheCli.Run("log", "verify", "--data-dir", node.DataDir);
        Assert.True(repaired.Exit == 0, repaired.ToString());
    }

    [HyperCacheFact]
    public void Cutting_a_corrupt_truncated_log_keeps_the_snapshot_state_and_the_good_prefix()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        using (var c = node.Raw(TimeSpan.FromSeconds(30)))
        {
            Pipeline(c, Round("x:", 1, 2000).Where(cmd => cmd[0] != "RENAME"));
            Assert.Equal(Resp.Ok, c.Command("SAVE"));
            Pipeline(c, Round("x:", 2, 2000).Where(cmd => cmd[0] != "RENAME"));
            Assert.Equal(Resp.Ok, c.Command("SAVE"));
            Assert.True(long.Parse(Info(c, "aof_begin_address")) > 64, "the log was truncated");
            Pipeline(c, Enumerable.Range(0, 2000).Select(i => new[] { "SET", $"x:late{i}", $"late-{i}" }));
        }
        Assert.Equal(0, node.Terminate());
        var listing = HyperCacheCli.Run("log", "inspect", "--data-dir", node.DataDir, "--key", "x:late1000", "--json");
        long address = listing.Json["entries"]!.AsArray()[0]!["address"]!.GetValue<long>();
        var good = HyperCacheCli.Run("replay", "--data-dir", node.DataDir, "--until-address", address.ToString(), "--json");
        Assert.True(good.Exit == 0, good.ToString());
        using (var file = new FileStream(Path.Combine(node.DataDir, "aof", "hlog.0"), FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = address + 24;
            int b = file.ReadByte();
            file.Position = address + 24;
            file.WriteByte((byte)(b ^ 0x5A));
        }
        node.ExtraArgs.Add("--cut-corrupt-log");
        node.Start();
        var digest = Digest(node);
        Assert.Equal(good.Json["digest"]!.GetValue<string>(), digest);
        // The repaired log starts over at new addresses: the state now stands on a fresh snapshot of its own.
        node.Kill9();
        node.ExtraArgs.Clear();
        node.Start();
        Assert.Equal(digest, Digest(node));
        using (var c = node.Raw()) Assert.Equal(Resp.Bulk("late-999"), c.Command("GET", "x:late999"));
    }

    [HyperCacheFact]
    public void Replay_until_a_time_gives_the_state_of_that_moment()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        string before;
        DateTime moment;
        using (var c = node.Raw(TimeSpan.FromSeconds(30)))
        {
            Pipeline(c, Round("t:", 1, 2000).Where(cmd => cmd[0] != "RENAME"));
            Assert.Equal(Resp.Ok, c.Command("SAVE"));
            Pipeline(c, Round("t:", 2, 1000).Where(cmd => cmd[0] != "RENAME"));
            before = (string)Resp.Parse(c.Command("DEBUG", "DIGEST"))!;
            moment = DateTime.UtcNow;
            // Later writes (and a later snapshot, which the replay must not use) come strictly after the moment.
            Eventually.True(() => DateTime.UtcNow > moment.AddMilliseconds(50), "time moves on");
            Pipeline(c, Round("t:", 3, 2000).Where(cmd => cmd[0] != "RENAME"));
            Assert.Equal(Resp.Ok, c.Command("SAVE"));
            Pipeline(c, Round("t:", 4, 500).Where(cmd => cmd[0] != "RENAME"));
        }
        var after = Digest(node);
        Assert.NotEqual(before, after);
        Assert.Equal(0, node.Terminate());

        var snapshotFile = Path.Combine(node.DataDir, "pitr.hcs");
        var replay = HyperCacheCli.Run("replay", "--data-dir", node.DataDir, "--until-time", moment.ToString("O"),
            "--out-snapshot", snapshotFile, "--verify", "--json");
        output.WriteLine(replay.ToString());
        Assert.True(replay.Exit == 0, replay.ToString());
        Assert.Equal(before, replay.Json["digest"]!.GetValue<string>());
        // The log was truncated at the first snapshot and the second lies after the moment: no other way to rebuild it.
        Assert.True(replay.Json.ContainsKey("cross_check_equal"));
        Assert.Null(replay.Json["cross_check_equal"]);
        Assert.EndsWith("snapshot-000000000001.hcs", replay.Json["snapshot"]!.GetValue<string>()); // not the later one
        Assert.Equal(0, HyperCacheCli.Run("snapshot", "inspect", snapshotFile).Exit);

        // The whole log replays to the state at the stop.
        Assert.Equal(after, HyperCacheCli.Run("replay", "--data-dir", node.DataDir, "--json").Json["digest"]!.GetValue<string>());

        // A new node starts from the point-in-time snapshot, and keeps it across a restart.
        using var restored = new NodeProcess(appendFsync: "always");
        restored.ExtraArgs.AddRange(["--from-snapshot", snapshotFile]);
        restored.Start();
        Assert.Equal(before, Digest(restored));
        using (var c = restored.Raw()) Assert.Equal(Resp.Ok, c.Command("SET", "t:new", "x"));
        var withNew = Digest(restored);
        restored.Kill9();
        restored.ExtraArgs.Clear();
        restored.Start();
        Assert.Equal(withNew, Digest(restored));
    }

    [HyperCacheFact]
    public void Overwriting_the_same_keys_keeps_the_data_directory_bounded()
    {
        using var node = new NodeProcess(appendFsync: "everysec");
        node.ExtraArgs.AddRange(["--log-segment-mb", "4", "--snapshot-after-mb", "4"]);
        node.Start();
        const int keys = 10_000, rounds = 80;
        var value = new string('v', 200);
        long maxSize = 0;
        var begins = new HashSet<long>(); // where the log began, seen between rounds
        using (var c = node.Raw(TimeSpan.FromSeconds(30)))
        {
            long start = long.Parse(Info(c, "aof_begin_address"));
            for (int round = 0; round < rounds; round++)
            {
                // MSET of 100 keys per command: 100 commands per round rewrite all 10,000 keys.
                Pipeline(c, Enumerable.Range(0, keys / 100).Select(m =>
                    new[] { "MSET" }.Concat(Enumerable.Range(m * 100, 100).SelectMany(k => new[] { $"b:{k}", $"{round}:{value}" })).ToArray()), batch: 20);
                maxSize = Math.Max(maxSize, DirectorySize(node.DataDir));
                begins.Add(long.Parse(Info(c, "aof_begin_address")));
            }
            long written = long.Parse(Info(c, "aof_tail_address"));
            output.WriteLine($"logged {written >> 20} MB; data dir at most {maxSize >> 20} MB during the run; " +
                $"{begins.Count(b => b > start)} truncated log begins seen while writing");
            Assert.True(written > 150L << 20, $"only {written} bytes logged");
            // Compaction ran again and again while the keys were rewritten, not once at the end. The peak itself is
            // not asserted: it is mostly the log written while a snapshot is taken, and on a busy 2-core machine a
            // snapshot took up to 1.2 s (20 ms idle) while this writer logged ~100 MB/s: a 110 MB peak, compaction working.
            Assert.True(begins.Count(b => b > start) >= 3, $"the log was truncated while writing (begin addresses seen: {string.Join(", ", begins)})");
            // Compaction keeps up: the directory settles far below what was logged.
            Eventually.True(() => DirectorySize(node.DataDir) < 32L << 20, $"data dir below 32 MB (now {DirectorySize(node.DataDir) >> 20} MB)",
                TimeSpan.FromSeconds(30));
        }
        var reference = Digest(node);
        using (var c = node.Raw())
        {
            // everysec: let the last writes reach the disk, then kill: a truncated log + snapshot must rebuild it all.
            Eventually.True(() => Info(c, "aof_committed_address") == Info(c, "aof_tail_address"), "log committed", TimeSpan.FromSeconds(10));
        }
        node.Kill9();
        node.Start();
        Assert.Equal(reference, Digest(node));
    }

    private static long DirectorySize(string dir)
        => new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f =>
        {
            try { return f.Length; } catch (FileNotFoundException) { return 0; }
        });
}
