using System.CommandLine;
using System.Text.Json.Nodes;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Dump;
using HyperCache.StateMachine.Snapshots;

namespace HyperCache.Frontends.Cli;

/// <summary><c>hypercache snapshot inspect FILE</c> (header, per-shard addresses, full hash check),
/// <c>hypercache snapshot create --data-dir DIR --out FILE</c> (the state at the log's end, offline) and
/// <c>hypercache snapshot from-rdb dump.rdb --out FILE</c> (a Redis RDB file).</summary>
public static class SnapshotCommands
{
    public static Command Build()
    {
        var snapshot = new Command("snapshot", "Snapshot files");
        snapshot.Subcommands.Add(Inspect());
        snapshot.Subcommands.Add(Create());
        snapshot.Subcommands.Add(FromRdb());
        return snapshot;
    }

    private static Command Inspect()
    {
        var file = new Argument<string>("file") { Description = "A snapshot file (.hcs)" };
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var command = new Command("inspect", "Show a snapshot's header and check its content hash; exit code 1 if damaged");
        command.Arguments.Add(file);
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            var result = new JsonObject { ["file"] = path };
            try
            {
                var header = SnapshotFile.ReadHeader(path);
                result["format_version"] = (int)SnapshotHeader.FormatVersion;
                result["node_id"] = header.NodeId;
                result["created"] = CliOutput.Time(header.CreatedUnixMs);
                result["shards"] = header.ShardCount;
                result["databases"] = header.Databases;
                result["keys"] = header.Keys;
                result["events"] = header.Events;
                result["content_bytes"] = header.ContentLength;
                result["content_hash"] = CliOutput.Hex(header.ContentHash);
                result["min_covered_address"] = header.MinCovered;
                result["max_covered_address"] = header.MaxCovered;
                var shards = new JsonArray();
                foreach (var s in header.Shards)
                    shards.Add(new JsonObject { ["covered_address"] = s.CoveredAddress, ["keys"] = s.Keys, ["events"] = s.Events, ["bytes"] = s.Bytes });
                result["shard_images"] = shards;
                SnapshotFile.Verify(path);
                result["valid"] = true;
            }
            catch (Exception e) when (e is SnapshotCorruptException or IOException or UnauthorizedAccessException)
            {
                result["valid"] = false;
                result["problem"] = e.Message;
            }
            CliOutput.Print(result, parse.GetValue(json));
            return result["valid"]!.GetValue<bool>() ? 0 : 1;
        });
        return command;
    }

    private static Command Create()
    {
        var dataDir = new Option<string>("--data-dir") { Required = true, Description = "The (stopped) node's data directory" };
        var output = new Option<string>("--out") { Required = true, Description = "The snapshot file to write" };
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var command = new Command("create", "Write the state at the log's end as a snapshot file (same as replay --out-snapshot)");
        foreach (var o in new Option[] { dataDir, output, json }) command.Options.Add(o);
        command.SetAction(parse => ReplayCommand.Run(parse.GetValue(dataDir)!, -1, -1, parse.GetValue(output), false, parse.GetValue(json)));
        return command;
    }

    /// <summary><c>hypercache snapshot from-rdb dump.rdb --out FILE</c>: a Redis RDB file as a snapshot a new node
    /// starts from (<c>serve --from-snapshot</c>), the way in from redis-server. Exit code 1 for a file that cannot
    /// be read (damaged, a newer version, a module's data, a bad library).</summary>
    private static Command FromRdb()
    {
        var file = new Argument<string>("file") { Description = "A Redis RDB file (redis-server's dump.rdb, versions up to 7.2)" };
        var output = new Option<string>("--out") { Required = true, Description = "The snapshot file to write" };
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var command = new Command("from-rdb", "Read a Redis RDB file into a snapshot file a new node starts from (serve --from-snapshot)");
        command.Arguments.Add(file);
        command.Options.Add(output);
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!, target = Path.GetFullPath(parse.GetValue(output)!);
            var store = new Store(new StoreOptions { Shards = 16, Databases = 16 }, null);
            RdbImport import;
            try
            {
                using (var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
                    import = RdbFile.Load(store, input, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                var session = new Session();
                foreach (var code in import.Libraries) store.FunctionLoad(session, Scripting.Shebang.ParseLibrary(code).Name, code);
            }
            catch (Exception e) when (e is DumpFormatException or CommandError or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"error: {path}: {e.Message}");
                return 1;
            }
            var header = SnapshotWriter.Write(store, target, "from-rdb", null);
            CliOutput.Print(new JsonObject
            {
                ["rdb"] = path,
                ["rdb_version"] = import.Version,
                ["keys"] = import.Keys,
                ["expired_left_out"] = import.Expired,
                ["libraries"] = import.Libraries.Count,
                ["out_snapshot"] = target,
                ["out_snapshot_bytes"] = header.ContentLength,
            }, parse.GetValue(json));
            return 0;
        });
        return command;
    }
}
