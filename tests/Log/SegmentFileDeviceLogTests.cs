using FASTER.core;
using static HyperCache.Log.Tests.LogTestKit;

namespace HyperCache.Log.Tests;

/// <summary>The AOF on <see cref="SegmentFileDevice"/>: many segments, truncation, reopen, and logs written by
/// FASTER's own device (existing data directories) opening unchanged.</summary>
public class SegmentFileDeviceLogTests
{
    /// <summary>Small pages and segments, so a few thousand entries cross many of both.</summary>
    private static LogOptions Small(string dir, bool fasterDevice = false) => new()
    {
        Directory = dir,
        PageSize = 1L << 14,
        MemorySize = 1L << 16,
        SegmentSize = 1L << 16,
        DeviceFactory = fasterDevice
            ? path => Devices.CreateLogDevice(path, preallocateFile: false, deleteOnClose: false, recoverDevice: true)
            : null,
    };

    private static string Text(int i) => $"entry-{i:D5}-" + new string((char)('a' + i % 26), 80);

    private static void AppendRange(AppendOnlyLog log, int from, int count)
    {
        for (int i = from; i < from + count; i++) Append(log, Text(i));
        log.Commit();
    }

    private static List<string> ReadAll(AppendOnlyLog log)
    {
        var all = new Collector();
        var result = log.Scan(log.BeginAddress, -1, all);
        Assert.True(result.Clean, result.Problem);
        return all.Entries.Select(e => e.Text).ToList();
    }

    private static string[] SegmentFiles(string dir) =>
        Directory.GetFiles(dir, "hlog.*").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void Entries_across_many_segments_come_back_after_reopen()
    {
        using var dir = new TempDir();
        using (var log = AppendOnlyLog.Open(Small(dir.Path)))
        {
            log.Scan(log.BeginAddress, -1, null);
            AppendRange(log, 0, 3000); // about 300 KB: 5 segments of 64 KB
        }
        Assert.True(SegmentFiles(dir.Path).Length >= 4, string.Join(",", SegmentFiles(dir.Path)));

        using var reopened = AppendOnlyLog.Open(Small(dir.Path));
        Assert.Equal(Enumerable.Range(0, 3000).Select(Text), ReadAll(reopened));
        AppendRange(reopened, 3000, 10); // appends continue the sequence after recovery
        Assert.Equal(3010UL, reopened.LastSequence);
    }

    [Fact]
    public void Truncation_deletes_the_segments_behind_the_cut_and_survives_reopen()
    {
        using var dir = new TempDir();
        long cut;
        using (var log = AppendOnlyLog.Open(Small(dir.Path)))
        {
            log.Scan(log.BeginAddress, -1, null);
            AppendRange(log, 0, 2000);
            cut = log.TailAddress;
            AppendRange(log, 2000, 1000);
            Assert.True(File.Exists(Path.Combine(dir.Path, "hlog.0")));

            Assert.Equal(cut, log.TruncateUntil(cut));
            long firstKept = cut >> 16;
            Assert.True(firstKept >= 2);
            // FasterLog deletes them after the commit that persists the new begin address, as an epoch action.
            bool Gone() => Enumerable.Range(0, (int)firstKept).All(s => !File.Exists(Path.Combine(dir.Path, "hlog." + s)));
            Assert.True(SpinWait.SpinUntil(Gone, TimeSpan.FromSeconds(10)), string.Join(",", SegmentFiles(dir.Path)));
            Assert.True(File.Exists(Path.Combine(dir.Path, "hlog." + firstKept)));
        }
        using var reopened = AppendOnlyLog.Open(Small(dir.Path));
        Assert.Equal(cut, reopened.BeginAddress);
        Assert.Equal(Enumerable.Range(2000, 1000).Select(Text), ReadAll(reopened));
    }

    [Fact]
    public void A_log_written_by_FASTERs_device_opens_with_ours_and_back()
    {
        using var dir = new TempDir();
        using (var log = AppendOnlyLog.Open(Small(dir.Path, fasterDevice: true)))
        {
            log.Scan(log.BeginAddress, -1, null);
            AppendRange(log, 0, 1500);
        }
        using (var log = AppendOnlyLog.Open(Small(dir.Path)))
        {
            Assert.Equal(Enumerable.Range(0, 1500).Select(Text), ReadAll(log));
            AppendRange(log, 1500, 1500);
        }
        using var back = AppendOnlyLog.Open(Small(dir.Path, fasterDevice: true));
        Assert.Equal(Enumerable.Range(0, 3000).Select(Text), ReadAll(back));
    }

    /// <summary>Writers outrunning the disk wait for the device's write completions (not FasterLog's spin): with
    /// four of them, tiny pages and commits awaited as under appendfsync always, nothing hangs or goes missing.</summary>
    [Fact]
    public async Task Concurrent_appenders_waiting_for_flushes_lose_nothing()
    {
        using var dir = new TempDir();
        const int Writers = 4, Each = 20_000;
        using (var log = AppendOnlyLog.Open(Small(dir.Path) with { Durability = Durability.Always }))
        {
            log.Scan(log.BeginAddress, -1, null);
            var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
            {
                for (int i = 0; i < Each; i++)
                {
                    long address = Append(log, Text(w * Each + i));
                    if (i % 500 == 0) await log.WaitForCommitAsync(address);
                }
            })).ToArray();
            var all = Task.WhenAll(writers);
            Assert.Same(all, await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(120))));
            await all;
            log.Commit();
            Assert.Equal((ulong)(Writers * Each), log.LastSequence);
        }
        using var reopened = AppendOnlyLog.Open(Small(dir.Path));
        var texts = ReadAll(reopened);
        Assert.Equal(Writers * Each, texts.Count);
        Assert.Equal(Enumerable.Range(0, Writers * Each).Select(Text), texts.Order(StringComparer.Ordinal));
    }
}
