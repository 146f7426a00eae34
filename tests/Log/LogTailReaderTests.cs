using static HyperCache.Log.Tests.LogTestKit;

namespace HyperCache.Log.Tests;

/// <summary>
/// Log shipping's reader (<see cref="LogTailReader"/>) follows the log with one iterator: it must hand out exactly
/// what a full scan sees (same addresses, kinds, sequence numbers and bodies, clock entries left out, fragments
/// joined), as whole entries with a valid header, while appends and commits continue and the reader falls out of
/// FasterLog's memory; it must stop at the committed address and pick up from there, and report damage.
/// </summary>
public class LogTailReaderTests
{
    private sealed class Whole : IWholeEntryVisitor
    {
        public List<(long Address, byte Kind, ulong Sequence, string Text)> Entries { get; } = [];

        public void Visit(long address, ReadOnlySpan<byte> entry)
        {
            Assert.True(EntryHeader.TryRead(entry, out byte kind, out ulong sequence, out byte flags, out var body), $"entry at {address} has a bad header");
            Assert.Equal(0, flags);
            Entries.Add((address, kind, sequence, System.Text.Encoding.ASCII.GetString(body)));
        }
    }

    [Fact]
    public async Task A_reader_far_behind_the_tail_hands_out_what_a_scan_sees_while_appends_continue()
    {
        using var dir = new TempDir();
        // Small pages and buffer: the reader leaves memory quickly; entries of 300 KB are logged in fragments.
        var options = new LogOptions { Directory = dir.Path, PageSize = 1L << 18, MemorySize = 1L << 20, ClockResolution = TimeSpan.FromMilliseconds(1) };
        using var log = AppendOnlyLog.Open(options);
        log.Scan(log.BeginAddress, -1, null);
        using var reader = log.ReadFrom(log.BeginAddress);
        var writer = Task.Run(() =>
        {
            for (int i = 0; i < 60_000; i++)
            {
                Append(log, i % 10_000 == 5 ? new string((char)('a' + i % 26), 300_000) : "entry-" + i, (byte)(1 + i % 7));
                if (i % 3_000 == 0) log.Commit();
            }
            log.Commit();
        });
        var seen = new Whole();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((!writer.IsCompleted || reader.NextAddress < log.CommittedUntilAddress) && DateTime.UtcNow < deadline)
        {
            Assert.True(reader.Read(1 << 16, seen), $"{reader.Problem} at {reader.ProblemAddress}");
            // One read's size is checked in A_read_far_behind_the_tail_stops_near_its_budget (a run of records can
            // pass the budget by up to a page: 256 KB here).
            Thread.Sleep(1); // stay behind the writer
        }
        await writer;
        Assert.True(reader.Read(long.MaxValue, seen));

        var scan = new Collector();
        Assert.True(log.Scan(log.BeginAddress, -1, scan).Clean);
        Assert.Equal(60_000, scan.Entries.Count);
        Assert.Equal(scan.Entries, seen.Entries);
        Assert.Equal(log.LastSequence, reader.LastSequence);
        Assert.Equal(log.CommittedUntilAddress, reader.NextAddress);
    }

    [Fact]
    public void A_read_far_behind_the_tail_stops_near_its_budget()
    {
        // Log shipping reads a far-behind replica's catch-up in batches of BatchBytes; FasterLog's bulk consume goes
        // on to the committed tail in one call, so a read must stop it itself (a 400 MB backlog once made one 400 MB
        // batch in a 512 MB buffer on the primary, and one gRPC message of that size).
        using var dir = new TempDir();
        var options = new LogOptions { Directory = dir.Path, PageSize = 1L << 20, MemorySize = 1L << 23 };
        using var log = AppendOnlyLog.Open(options);
        log.Scan(log.BeginAddress, -1, null);
        string value = new('v', 100_000);
        for (int i = 0; i < 300; i++) Append(log, value + i);
        log.Commit();
        using var reader = log.ReadFrom(log.BeginAddress);
        var seen = new Whole();
        int reads = 0;
        while (reader.NextAddress < log.CommittedUntilAddress && reads < 1_000)
        {
            Assert.True(reader.Read(1 << 20, seen), $"{reader.Problem} at {reader.ProblemAddress}");
            reads++;
            // the budget, plus at most the rest of the FasterLog page run the budget ran out in
            Assert.True(reader.BytesRead <= (1 << 20) + options.PageSize, $"read {reader.BytesRead} bytes with a budget of 1 MB");
        }
        Assert.Equal(300, seen.Entries.Count);
        Assert.True(reads >= 15, $"{reads} reads");
        for (int i = 0; i < 300; i++) Assert.Equal(value + i, seen.Entries[i].Text);
        Assert.Equal(log.CommittedUntilAddress, reader.NextAddress);
    }

    [Fact]
    public void A_reader_stops_at_the_committed_address_and_resumes_there()
    {
        using var dir = new TempDir();
        using var log = AppendOnlyLog.Open(new LogOptions { Directory = dir.Path });
        log.Scan(log.BeginAddress, -1, null);
        Append(log, "one");
        log.Commit();
        using var reader = log.ReadFrom(log.BeginAddress);
        var seen = new Whole();
        Assert.True(reader.Read(long.MaxValue, seen));
        Append(log, "two"); // not committed: not handed out
        Assert.True(reader.Read(long.MaxValue, seen));
        Assert.Equal(0, reader.BytesRead);
        Assert.Equal(["one"], seen.Entries.Select(e => e.Text));
        Assert.Equal(log.CommittedUntilAddress, reader.ScannedAddress);

        log.Commit();
        Assert.True(reader.Read(long.MaxValue, seen));
        Assert.Equal(["one", "two"], seen.Entries.Select(e => e.Text));
        Assert.Equal(EntryHeader.Size + 3, reader.BytesRead);
        Assert.Equal(log.CommittedUntilAddress, reader.NextAddress);

        // A reader opened mid-log (a resuming replica) starts at that entry.
        using var later = log.ReadFrom(seen.Entries[1].Address);
        var rest = new Whole();
        Assert.True(later.Read(long.MaxValue, rest));
        Assert.Equal(["two"], rest.Entries.Select(e => e.Text));
    }

    [Fact]
    public void A_damaged_entry_stops_the_reader_at_its_address()
    {
        using var dir = new TempDir();
        long damaged;
        using (var log = AppendOnlyLog.Open(new LogOptions { Directory = dir.Path }))
        {
            log.Scan(log.BeginAddress, -1, null);
            for (int i = 0; i < 100; i++) Append(log, "entry-" + i);
            damaged = Append(log, "the damaged one");
            for (int i = 0; i < 100; i++) Append(log, "after-" + i);
            log.Commit();
        }
        FlipByte(dir.Path, damaged + 4 + EntryHeader.Size + 2); // 4 bytes of FasterLog length, our header, then the body

        using (var log = AppendOnlyLog.Open(new LogOptions { Directory = dir.Path }))
        {
            using var reader = log.ReadFrom(log.BeginAddress);
            var seen = new Whole();
            Assert.False(reader.Read(long.MaxValue, seen));
            Assert.Equal(damaged, reader.ProblemAddress);
            Assert.Equal("checksum mismatch", reader.Problem);
            Assert.Equal(100, seen.Entries.Count);
            Assert.False(reader.Read(long.MaxValue, seen)); // stays stopped
        }
    }
}
