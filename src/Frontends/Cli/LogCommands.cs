using System.CommandLine;
using System.Text.Json.Nodes;
using HyperCache.Frontends.Hosting;
using HyperCache.Log;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Snapshots;
using Spectre.Console;

namespace HyperCache.Frontends.Cli;

/// <summary><c>hypercache log inspect</c> (entries: address, time, kind, db, key) and <c>hypercache log verify</c>
/// (every entry's checksum; exit code 1 and the first bad address when damaged).</summary>
public static class LogCommands
{
    public static Command Build()
    {
        var log = new Command("log", "Look into a data directory's AOF");
        log.Subcommands.Add(Inspect());
        log.Subcommands.Add(Verify());
        return log;
    }

    private static Command Inspect()
    {
        var dataDir = new Option<string>("--data-dir") { Required = true, Description = "The node's data directory" };
        var from = new Option<long?>("--from") { Description = "First address to show" };
        var limit = new Option<int?>("--limit") { Description = "Most entries to show (default 100)" };
        var key = new Option<string?>("--key") { Description = "Only entries whose (first) key is this" };
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var command = new Command("inspect", "List log entries: address, time, event kind, db, key");
        foreach (var o in new Option[] { dataDir, from, limit, key, json }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            try
            {
                using var aof = OfflineReplay.OpenLog(parse.GetValue(dataDir)!);
                var lister = new Lister(parse.GetValue(limit) ?? 100, parse.GetValue(key));
                var scan = aof.Scan(Math.Max(aof.BeginAddress, parse.GetValue(from) ?? 0), -1, lister);
                var result = new JsonObject
                {
                    ["log_begin"] = aof.BeginAddress,
                    ["log_tail"] = aof.TailAddress,
                    ["shown"] = lister.Rows.Count,
                    ["entries"] = lister.Rows,
                };
                if (!scan.Clean) result["first_bad_address"] = scan.FirstBadAddress;
                if (parse.GetValue(json)) CliOutput.Print(result, true);
                else
                {
                    var table = new Table().AddColumns("address", "time", "kind", "db", "key");
                    foreach (var row in lister.Rows.OfType<JsonObject>())
                        table.AddRow(new[] { "address", "time", "kind", "db", "key" }.Select(c => Markup.Escape(CliOutput.Text(row[c]))).ToArray());
                    AnsiConsole.Write(table);
                    if (!scan.Clean) Console.Out.WriteLine($"log damaged at address {scan.FirstBadAddress}: {scan.Problem}");
                }
                return scan.Clean ? 0 : 1;
            }
            catch (Exception e) when (e is RecoveryException or IOException)
            {
                Console.Error.WriteLine("error: " + e.Message);
                return 1;
            }
        });
        return command;
    }

    private static Command Verify()
    {
        var dataDir = new Option<string>("--data-dir") { Required = true, Description = "The node's data directory" };
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var command = new Command("verify", "Check every log entry's checksum and sequence; exit code 1 if any is bad");
        command.Options.Add(dataDir);
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            try
            {
                using var aof = OfflineReplay.OpenLog(parse.GetValue(dataDir)!);
                var scan = aof.Scan(aof.BeginAddress, aof.TailAddress, null);
                var result = new JsonObject
                {
                    ["ok"] = scan.Clean,
                    ["entries"] = scan.EntriesRead,
                    ["log_begin"] = aof.BeginAddress,
                    ["log_tail"] = aof.TailAddress,
                    ["last_sequence"] = (long)scan.LastSequence,
                };
                if (!scan.Clean)
                {
                    result["first_bad_address"] = scan.FirstBadAddress;
                    result["problem"] = scan.Problem;
                    result["good_entries_after_bad"] = scan.GoodEntriesAfterBad;
                }
                CliOutput.Print(result, parse.GetValue(json));
                return scan.Clean ? 0 : 1;
            }
            catch (Exception e) when (e is RecoveryException or IOException)
            {
                Console.Error.WriteLine("error: " + e.Message);
                return 1;
            }
        });
        return command;
    }

    /// <summary>Collects rows for inspect: the time is the last clock entry's (the log's stamps are ~1 ms apart).</summary>
    private sealed class Lister(int limit, string? key) : IEntryVisitor, IClockVisitor
    {
        private long _time = -1;
        public JsonArray Rows { get; } = [];

        public void Clock(long address, long unixMs) => _time = unixMs;

        public void Visit(long address, byte kind, ulong sequence, ReadOnlyMemory<byte> body)
        {
            if (Rows.Count >= limit) return;
            string? first = EntryKeys.TryFirstKey(kind, body.Span, out var k) ? CliOutput.Printable(k) : null;
            if (key != null && first != key) return;
            Rows.Add(new JsonObject
            {
                ["address"] = address,
                ["sequence"] = (long)sequence,
                ["time"] = CliOutput.Time(_time),
                ["kind"] = KindName(kind),
                ["db"] = FirstInteger(body.Span),
                ["key"] = first,
                ["bytes"] = body.Length,
            });
        }

        private static string KindName(byte kind) => kind switch
        {
            _ when Enum.IsDefined((EventKind)kind) && !Enum.GetName((EventKind)kind)!.EndsWith("First", StringComparison.Ordinal) => Enum.GetName((EventKind)kind)!,
            >= (byte)EventKind.ListFirst and <= (byte)EventKind.ListLast => $"List#{kind}",
            >= (byte)EventKind.HashFirst and <= (byte)EventKind.HashLast => $"Hash#{kind}",
            >= (byte)EventKind.SetFirst and <= (byte)EventKind.SetLast => $"Set#{kind}",
            >= (byte)EventKind.SortedSetFirst and <= (byte)EventKind.SortedSetLast => $"SortedSet#{kind}",
            >= (byte)EventKind.BitmapFirst and <= (byte)EventKind.BitmapLast => $"Bitmap#{kind}",
            >= (byte)EventKind.StreamFirst and <= (byte)EventKind.StreamLast => $"Stream#{kind}",
            _ => $"#{kind}",
        };

        /// <summary>The db: the first field of every event that has one.</summary>
        private static long? FirstInteger(ReadOnlySpan<byte> body)
        {
            try
            {
                var r = new EventReader(body);
                return r.ReadArrayHeader() > 0 ? r.ReadInt64() : null;
            }
            catch (InvalidDataException)
            {
                return null;
            }
        }
    }
}
