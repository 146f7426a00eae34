using static HyperCache.Log.Tests.LogTestKit;

namespace HyperCache.Log.Tests;

public class AppendOnlyLogTests
{
    [Fact]
    public void Entries_come_back_in_order_after_reopen()
    {
        using var dir = new TempDir();
        var options = new LogOptions { Directory = dir.Path };
        using (var log = AppendOnlyLog.Open(options))
        {
            log.Scan(log.BeginAddress, -1, null);
            for (int i = 0; i < 1000; i++) Append(log, $"entry-{i}", kind: (byte)(i % 7 + 1));
            log.Commit();
        }
        using var reopened = AppendOnlyLog.Open(options);
        var seen = new Collector();
        var result = reopened.Scan(reopened.BeginAddress, -1, seen);
        Assert.True(result.Clean);
        Assert.Equal(1000, seen.Entries.Count);
        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal($"entry-{i}", seen.Entries[i].Text);
            Assert.Equal((byte)(i % 7 + 1), seen.Entries[i].Kind);
            Assert.Equal((ulong)(i + 1), seen.Entries[i].Sequence);
        }
        // Appends continue the sequence after recovery.
        Append(reopened, "after");
        Assert.Equal(1001UL, reopened.LastSequence);
    }

    [Fact]
    public void Append_before_recovery_is_refused()
    {
        using var dir = new TempDir();
        using var log = AppendOnlyLog.Open(new LogOptions { Directory = dir.Path });
        Assert.Throws<InvalidOperationException>(() => Append(log, "too early"));
    }

    [Fact]
    public async Task Always_waits_until_the_entry_is_committed()
    {
        using var dir = new TempDir();
        using var log = AppendOnlyLog.Open(new LogOptions { Directory = dir.Path, Durability = Durability.Always });
        log.Scan(log.BeginAddress, -1, null);
        var writers = Enumerable.Range(0, 32).Select(async i =>
        {
            await Task.Yield();
            long address = Append(log, $"w{i}");
            await log.WaitForCommitAsync(address);
            return address;
        }).ToArray();
        var addresses = await Task.WhenAll(writers);
        Assert.True(log.CommittedUntilAddress > addresses.Max());
    }

    [Fact]
    public void Uncommitted_entries_are_not_recovered_but_committed_ones_are()
    {
        using var dir = new TempDir();
        var options = new LogOptions { Directory = dir.Path, Durability = Durability.No };
        var log = AppendOnlyLog.Open(options);
        log.Scan(log.BeginAddress, -1, null);
        Append(log, "committed");
        log.Commit();
        // Simulate a crash: the FasterLog is never disposed, so nothing more is committed.
        Append(log, "lost");
        log.ReleaseDirectoryLock();
        using var reopened = AppendOnlyLog.Open(options);
        var seen = new Collector();
        reopened.Scan(reopened.BeginAddress, -1, seen);
        Assert.Equal(["committed"], seen.Entries.Select(e => e.Text));
        GC.KeepAlive(log);
    }

    [Fact]
    public void A_damaged_entry_in_the_middle_is_reported_with_good_entries_after_it()
    {
        using var dir = new TempDir();
        var options = new LogOptions { Directory = dir.Path };
        long victim;
        using (var log = AppendOnlyLog.Open(options))
        {
            log.Scan(log.BeginAddress, -1, null);
            for (int i = 0; i < 10; i++) Append(log, $"entry-{i}");
            victim = Append(log, "the-victim");
            for (int i = 0; i < 10; i++) Append(log, $"later-{i}");
            log.Commit();
        }
        FlipByte(dir.Path, victim + 4 + EntryHeader.Size + 2); // 4 bytes of FasterLog length, then our header
        using var reopened = AppendOnlyLog.Open(options);
        var seen = new Collector();
        var result = reopened.Scan(reopened.BeginAddress, -1, seen);
        Assert.Equal(victim, result.FirstBadAddress);
        Assert.True(result.GoodEntriesAfterBad);
        Assert.Equal(10, seen.Entries.Count); // nothing at or after the damage is applied
        Assert.Throws<InvalidOperationException>(() => Append(reopened, "x")); // not recovered: no appends
    }

    [Fact]
    public void A_damaged_last_entry_is_cut_and_the_rest_kept()
    {
        using var dir = new TempDir();
        var options = new LogOptions { Directory = System.IO.Path.Combine(dir.Path, "aof") };
        long last;
        using (var log = AppendOnlyLog.Open(options))
        {
            log.Scan(log.BeginAddress, -1, null);
            for (int i = 0; i < 10; i++) Append(log, $"entry-{i}");
            last = Append(log, "torn");
            log.Commit();
        }
        FlipByte(options.Directory, last + 4 + EntryHeader.Size);
        LogScanResult result;
        using (var damaged = AppendOnlyLog.Open(options)) result = damaged.Scan(damaged.BeginAddress, -1, null);
        Assert.Equal(last, result.FirstBadAddress);
        Assert.False(result.GoodEntriesAfterBad);

        string kept = LogRepair.CutAt(options, result.FirstBadAddress);
        Assert.True(Directory.Exists(kept));
        using var repaired = AppendOnlyLog.Open(options);
        var seen = new Collector();
        Assert.True(repaired.Scan(repaired.BeginAddress, -1, seen).Clean);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"entry-{i}"), seen.Entries.Select(e => e.Text));
        Assert.Equal(last, repaired.TailAddress); // same page size, same layout: addresses are preserved
    }

    [Fact]
    public void Header_detects_a_flipped_bit_anywhere()
    {
        var entry = new byte[EntryHeader.Size + 8];
        "abcdefgh"u8.CopyTo(entry.AsSpan(EntryHeader.Size));
        EntryHeader.Write(entry, 3, 42);
        Assert.True(EntryHeader.TryRead(entry, out byte kind, out ulong seq, out var body));
        Assert.Equal((3, 42UL, "abcdefgh"), (kind, seq, System.Text.Encoding.ASCII.GetString(body)));
        for (int i = 0; i < entry.Length; i++)
        {
            entry[i] ^= 1;
            Assert.False(EntryHeader.TryRead(entry, out _, out _, out _), $"flip at byte {i} went unnoticed");
            entry[i] ^= 1;
        }
    }
}

public class FragmentTests
{
    [Fact]
    public void An_entry_larger_than_a_page_is_split_and_joined_back()
    {
        using var dir = new TempDir();
        var options = new LogOptions { Directory = dir.Path, PageSize = 1 << 16, MemorySize = 1 << 20 };
        var big = new byte[EntryHeader.Size + 300_000];
        // A second, shorter one: the fragment staging buffer is reused, and must not carry the first one's tail.
        var shorter = new byte[EntryHeader.Size + 150_001];
        new Random(7).NextBytes(big.AsSpan(EntryHeader.Size));
        new Random(8).NextBytes(shorter.AsSpan(EntryHeader.Size));
        using (var log = AppendOnlyLog.Open(options))
        {
            log.Scan(log.BeginAddress, -1, null);
            LogTestKit.Append(log, "before");
            log.Append(big.ToArray(), kind: 9);
            log.Append(shorter.ToArray(), kind: 10);
            LogTestKit.Append(log, "after");
            log.Commit();
        }
        using var reopened = AppendOnlyLog.Open(options);
        var bodies = new List<(byte Kind, byte[] Body)>();
        var result = reopened.Scan(reopened.BeginAddress, -1, new Capture(bodies));
        Assert.True(result.Clean);
        Assert.Equal(4, bodies.Count);
        Assert.Equal(9, bodies[1].Kind);
        Assert.Equal(big.AsSpan(EntryHeader.Size).ToArray(), bodies[1].Body);
        Assert.Equal(10, bodies[2].Kind);
        Assert.Equal(shorter.AsSpan(EntryHeader.Size).ToArray(), bodies[2].Body);
        Assert.Equal("after", System.Text.Encoding.ASCII.GetString(bodies[3].Body));
    }

    private sealed class Capture(List<(byte, byte[])> into) : IEntryVisitor
    {
        public void Visit(long address, byte kind, ulong sequence, ReadOnlyMemory<byte> body) => into.Add((kind, body.ToArray()));
    }

    [Fact]
    public void A_log_open_in_one_place_cannot_be_opened_in_another_until_it_closes()
    {
        using var dir = new TempDir();
        var options = new LogOptions { Directory = dir.Path };
        using (var log = AppendOnlyLog.Open(options))
        {
            var e = Assert.Throws<IOException>(() => AppendOnlyLog.Open(options));
            Assert.Contains($"The log in {dir.Path} is open in another process", e.Message);
            log.Scan(log.BeginAddress, -1, null);
            Append(log, "still mine"); // the refused open touched nothing
            log.Commit();
        }
        using var reopened = AppendOnlyLog.Open(options);
        var seen = new Collector();
        reopened.Scan(reopened.BeginAddress, -1, seen);
        Assert.Equal(["still mine"], seen.Entries.Select(e => e.Text));
    }
}
