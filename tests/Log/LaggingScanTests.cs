using static HyperCache.Log.Tests.LogTestKit;

namespace HyperCache.Log.Tests;

/// <summary>
/// A reader far behind the writer (a replica catching up) scans committed entries that have left FasterLog's
/// in-memory buffer while new pages are being written and flushed: every entry must come back intact.
/// </summary>
public class LaggingScanTests
{
    [Fact]
    public async Task A_scan_far_behind_the_tail_reads_every_entry_intact_while_appends_continue()
    {
        using var dir = new TempDir();
        // The smallest buffer FasterLog takes with these pages: the reader falls out of memory quickly.
        var options = new LogOptions { Directory = dir.Path, PageSize = 1L << 20, MemorySize = 1L << 22 };
        using var log = AppendOnlyLog.Open(options);
        log.Scan(log.BeginAddress, -1, null);
        var payload = new string('x', 90);
        long until = log.TailAddress;
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            for (int i = 0; i < 400_000 && !stop.IsCancellationRequested; i++)
            {
                Append(log, payload);
                if (i % 5000 == 0) log.Commit();
            }
            log.Commit();
        });
        long next = log.BeginAddress;
        long read = 0;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((!writer.IsCompleted || next < log.CommittedUntilAddress) && DateTime.UtcNow < deadline)
        {
            long committed = log.CommittedUntilAddress;
            if (committed <= next) { Thread.Yield(); continue; }
            var seen = new Collector();
            var result = log.Scan(next, Math.Min(committed, next + (1 << 18)), seen);
            Assert.True(result.Clean, $"scan from {next}: {result.Problem} at {result.FirstBadAddress} (tail {log.TailAddress})");
            read += seen.Entries.Count;
            next = result.NextAddress;
            Thread.Sleep(1); // stay behind the writer
        }
        stop.Cancel();
        await writer;
        Assert.Equal((long)log.LastSequence, read);
    }
}
