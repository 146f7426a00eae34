using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using HyperCache.Frontends.Hosting;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Dump;
using HyperCache.StateMachine.Snapshots;

namespace HyperCache.Frontends.Cli;

/// <summary>
/// <c>hypercache replay --data-dir DIR [--until-address A | --until-time ISO-8601-UTC] [--out-snapshot FILE] [--out-rdb FILE] [--verify]</c>:
/// rebuilds the state of a (stopped) node's data directory as of an address or a time, prints its digest and key
/// counts, optionally writes it as a snapshot (which <c>serve --from-snapshot</c> can start from) or as a Redis RDB
/// file (which redis-server loads as its dump.rdb; keys expired by now left out, as Redis leaves them).
/// Exit codes: 0 done, 1 damaged log or failed verification, 2 bad arguments.
/// </summary>
public static class ReplayCommand
{
    public static Command Build()
    {
        var dataDir = new Option<string>("--data-dir") { Description = "The node's data directory (DIR/aof, DIR/snapshots)", Required = true };
        var untilAddress = new Option<long?>("--until-address") { Description = "Apply only log entries below this address" };
        var untilTime = new Option<string?>("--until-time") { Description = "Apply only log entries written no later than this UTC time (ISO 8601)" };
        var outSnapshot = new Option<string?>("--out-snapshot") { Description = "Write the rebuilt state to this snapshot file" };
        var outRdb = new Option<string?>("--out-rdb") { Description = "Write the rebuilt state to this Redis RDB file (version 10, redis-server 7.0 loads it)" };
        var verify = new Option<bool>("--verify") { Description = "Also rebuild another way (the log alone if never truncated, else an older snapshot + log) and compare digests; fail on any damage" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var command = new Command("replay", "Rebuild a data directory's state up to an address or a point in time");
        foreach (var o in new Option[] { dataDir, untilAddress, untilTime, outSnapshot, outRdb, verify, json }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            bool asJson = parse.GetValue(json);
            long until = parse.GetValue(untilAddress) ?? -1;
            long untilMs = -1;
            if (parse.GetValue(untilTime) is { } text)
            {
                if (until >= 0) return Fail("give --until-address or --until-time, not both", 2);
                if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
                    return Fail($"--until-time: '{text}' is not an ISO 8601 time", 2);
                untilMs = at.ToUnixTimeMilliseconds();
            }
            string dir = parse.GetValue(dataDir)!;
            return Run(dir, until, untilMs, parse.GetValue(outSnapshot), parse.GetValue(verify), asJson, parse.GetValue(outRdb));
        });
        return command;
    }

    public static int Run(string dir, long until, long untilMs, string? outSnapshot, bool verify, bool asJson, string? outRdb = null)
    {
        const int shards = 16, databases = 16;
        ReplayOutcome outcome;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            outcome = CliOutput.WithProgress("replaying", asJson, p => OfflineReplay.Run(dir, until, untilMs, shards, databases, p));
        }
        catch (Exception e) when (e is RecoveryException or IOException or SnapshotCorruptException)
        {
            return Fail(e.Message, 1);
        }
        clock.Stop(); // the rebuild itself: opening the log, loading a snapshot, replaying
        var store = outcome.Store;
        ulong digest = store.Digest();
        var result = new JsonObject
        {
            ["data_dir"] = dir,
            ["snapshot"] = outcome.Snapshot?.Path,
            ["snapshot_keys"] = outcome.Snapshot?.Header.Keys,
            ["log_begin"] = outcome.Begin,
            ["log_tail"] = outcome.Tail,
            ["until_address"] = outcome.End,
            ["until_time"] = untilMs >= 0 ? CliOutput.Time(untilMs) : null,
            ["last_clock"] = CliOutput.Time(outcome.LastClockUnixMs),
            ["entries_applied"] = outcome.Applied,
            ["entries_skipped"] = outcome.Skipped,
            ["entries_faulted"] = store.ApplyFaults,
            ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 3),
            ["entries_per_second"] = (long)((outcome.Applied + outcome.Skipped) / Math.Max(1e-6, clock.Elapsed.TotalSeconds)),
            ["keys"] = Enumerable.Range(0, databases).Sum(db => store.DbSize(db)),
            ["digest"] = CliOutput.Hex(digest),
            ["log_clean"] = outcome.Scan.Clean,
        };
        var keyspace = new JsonObject();
        foreach (var db in store.KeyspaceInfo()) keyspace["db" + db.Db] = db.Keys;
        result["keyspace"] = keyspace;
        if (!outcome.Scan.Clean)
        {
            result["first_bad_address"] = outcome.Scan.FirstBadAddress;
            result["problem"] = outcome.Scan.Problem;
        }
        foreach (var warning in outcome.Warnings) Console.Error.WriteLine("warning: " + warning);
        int exit = outcome.Scan.Clean || (!verify && !outcome.Scan.GoodEntriesAfterBad) ? 0 : 1;
        if (verify)
        {
            var other = OfflineReplay.Alternative(dir, outcome.End, outcome.Snapshot?.Path, shards, databases, out string? source);
            result["cross_check"] = source;
            result["cross_check_equal"] = other is null ? null : other.Digest() == digest;
            if (other != null && other.Digest() != digest) exit = 1;
            if (outcome.Snapshot != null) SnapshotFile.Verify(outcome.Snapshot.Path);
        }
        if (outSnapshot != null)
        {
            var header = SnapshotWriter.Write(store, Path.GetFullPath(outSnapshot), "replay", null, outcome.End);
            result["out_snapshot"] = Path.GetFullPath(outSnapshot);
            result["out_snapshot_bytes"] = header.ContentLength;
        }
        if (outRdb != null)
        {
            string path = Path.GetFullPath(outRdb);
            using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                var export = RdbFile.Write(store, file, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                file.Flush(flushToDisk: true);
                result["out_rdb_keys"] = export.Keys;
                result["out_rdb_skipped_cuckoo"] = export.Skipped;
            }
            result["out_rdb"] = path;
        }
        CliOutput.Print(result, asJson);
        return exit;
    }

    private static int Fail(string message, int code)
    {
        Console.Error.WriteLine("error: " + message);
        return code;
    }
}
