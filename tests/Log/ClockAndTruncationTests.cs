using static HyperCache.Log.Tests.LogTestKit;

namespace HyperCache.Log.Tests;

/// <summary>Clock entries (wall time between events, for point-in-time replay) and truncation below an address.</summary>
public class ClockAndTruncationTests
{
    private sealed class Timeline : IEntryVisitor, IClockVisitor
    {
        public List<(long Address, string What)> Items { get; } = [];
        public void Visit(long address, byte kind, ulong sequence, ReadOnlyMemory<byte> body)
            => Items.Add((address, System.Text.Encoding.ASCII.GetString(body.Span)));
        public void Clock(long address, long unixMs) => Items.Add((address, "clock " + unixMs));
    }

    [Fact]
    public void Clock_entries_stamp_the_time_without_counting_as_entries()
    {
        using var dir = new TempDir();
        var options = new LogOptions { Directory = dir.Path, ClockResolution = TimeSpan.FromMilliseconds(1) };
        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using var log = AppendOnlyLog.Open(options);
        log.Scan(log.BeginAddress, -1, null);
        Append(log, "a");
        long tick = Environment.TickCount64;
        Assert.True(SpinWait.SpinUntil(() => Environment.TickCount64 > tick + 5, TimeSpan.FromSeconds(5)));
        Append(log, "b");
        log.Commit();
        Assert.Equal(2UL, log.LastSequence);

        var seen = new Timeline();
        var result = log.Scan(log.BeginAddress, -1, seen);
        Assert.True(result.Clean, result.Problem);
        Assert.Equal(2, result.EntriesRead);
        var what = seen.Items.Select(i => i.What.StartsWith("clock") ? "clock" : i.What).ToList();
        Assert.Equal(["clock", "a", "clock", "b"], what);
        long first = long.Parse(seen.Items[0].What[6..]), second = long.Parse(seen.Items[2].What[6..]);
        Assert.InRange(first, before, second);
    }

    [Fact]
    public void Repair_keeps_clock_entries_and_addresses()
    {
        using var dir = new TempDir();
        var options = new LogOptions { Directory = dir.Path, ClockResolution = TimeSpan.FromMilliseconds(1) };
        long cut;
        using (var log = AppendOnlyLog.Open(options))
        {
            log.Scan(log.BeginAddress, -1, null);
            for (int i = 0; i < 50; i++)
            {
                long tick = Environment.TickCount64;
                if (i % 10 == 0) SpinWait.SpinUntil(() => Environment.TickCount64 > tick + 1, TimeSpan.FromSeconds(5));
                Append(log, "entry-" + i);
            }
            cut = log.TailAddress;
            Append(log, "after the cut");
            log.Commit();
        }
        var original = new Timeline();
        using (var log = AppendOnlyLog.Open(options)) log.Scan(log.BeginAddress, cut, original);
        LogRepair.CutAt(options, cut);
        var repaired = new Timeline();
        using (var log = AppendOnlyLog.Open(options))
        {
            Assert.True(log.Scan(log.BeginAddress, -1, repaired).Clean);
            Assert.Equal(cut, log.TailAddress);
        }
        Assert.Equal(original.Items, repaired.Items);
    }

    [Fact]
    public void Truncation_moves_the_begin_and_frees_whole_segments()
    {
        using var dir = new TempDir();
        var options = new LogOptions { Directory = dir.Path, PageSize = 1 << 16, MemorySize = 1 << 20, SegmentSize = 1 << 18 };
        long middle;
        using (var log = AppendOnlyLog.Open(options))
        {
            log.Scan(log.BeginAddress, -1, null);
            var text = new string('x', 1000);
            for (int i = 0; i < 1000; i++) Append(log, text);
            middle = log.TailAddress;
            for (int i = 0; i < 1000; i++) Append(log, text);
            log.Commit();
            int segments = Directory.GetFiles(dir.Path, "hlog.*").Length;
            Assert.Equal(middle, log.TruncateUntil(middle));
            // FasterLog deletes the files in the background after the commit.
            Assert.True(SpinWait.SpinUntil(() => Directory.GetFiles(dir.Path, "hlog.*").Length < segments, TimeSpan.FromSeconds(10)),
                "whole segments below the cut are deleted");
        }
        using var reopened = AppendOnlyLog.Open(options);
        Assert.Equal(middle, reopened.BeginAddress);
        var seen = new Collector();
        var result = reopened.Scan(reopened.BeginAddress, -1, seen);
        Assert.True(result.Clean, result.Problem);
        Assert.Equal(1000, seen.Entries.Count);
        Append(reopened, "continues");
        Assert.Equal(2001UL, reopened.LastSequence);
    }
}
