using FASTER.core;
using static HyperCache.Log.Tests.LogTestKit;

namespace HyperCache.Log.Tests;

/// <summary>
/// The log's commit metadata lives in two checksummed slots of one file, overwritten in place
/// (<see cref="SlotCommitManager"/>): a reopened log must find its newest commit there, fall back to the one before
/// when the newest slot is damaged, and a data directory written by FasterLog's own manager (a file per commit)
/// must open with everything it had committed.
/// </summary>
public class SlotCommitManagerTests
{
    private static LogOptions Options(string dir) => new() { Directory = dir, PageSize = 1L << 16, MemorySize = 1L << 20 };

    private static List<string> Texts(AppendOnlyLog log)
    {
        var collector = new Collector();
        Assert.True(log.Scan(log.BeginAddress, -1, collector).Clean);
        return collector.Entries.Select(e => e.Text).ToList();
    }

    private static AppendOnlyLog Reopen(string dir)
    {
        var log = AppendOnlyLog.Open(Options(dir));
        log.Scan(log.BeginAddress, -1, null);
        return log;
    }

    [Fact]
    public void Many_commits_keep_one_file_and_a_reopened_log_finds_the_newest()
    {
        using var dir = new TempDir();
        using (var log = Reopen(dir.Path))
        {
            for (int i = 0; i < 500; i++)
            {
                Append(log, "entry-" + i);
                log.Commit();
            }
        }
        Assert.Equal(2 * 4096, new FileInfo(Path.Combine(dir.Path, SlotCommitManager.FileName)).Length);
        Assert.Empty(Directory.Exists(Path.Combine(dir.Path, "log-commits")) ? Directory.GetFiles(Path.Combine(dir.Path, "log-commits")) : []);
        using var reopened = Reopen(dir.Path);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => "entry-" + i), Texts(reopened));
    }

    [Fact]
    public void A_damaged_newest_slot_falls_back_to_the_commit_before()
    {
        using var dir = new TempDir();
        using (var log = Reopen(dir.Path))
        {
            Append(log, "first");
            log.Commit();
            Append(log, "second");
            log.Commit();
        }
        // Damage the newest slot (the one with the higher commit number), as a write torn by a crash would.
        string path = Path.Combine(dir.Path, SlotCommitManager.FileName);
        var content = File.ReadAllBytes(path);
        long even = BitConverter.ToInt64(content, 8), odd = BitConverter.ToInt64(content, 4096 + 8);
        int newest = even > odd ? 0 : 4096;
        content[newest + 20] ^= 0xFF;
        File.WriteAllBytes(path, content);

        using var reopened = Reopen(dir.Path);
        Assert.Equal(["first"], Texts(reopened));
        Append(reopened, "third"); // and it goes on from there
        reopened.Commit();
        Assert.Equal(["first", "third"], Texts(reopened));
    }

    [Fact]
    public void Each_commit_overwrites_the_older_slot_whatever_its_number()
    {
        using var dir = new TempDir();
        using (var commits = new SlotCommitManager(dir.Path))
        {
            commits.Commit(0, 0, [1], 10, false);
            commits.Commit(0, 0, [2], 12, false); // numbers need not alternate in parity
            Assert.Equal([12L, 10L], commits.ListCommits());
            commits.Commit(0, 0, [3], 14, false);
            Assert.Equal([14L, 12L], commits.ListCommits());
            Assert.Equal([3], commits.GetCommitMetadata(14));
            Assert.Null(commits.GetCommitMetadata(10));
        }
        using (var reopened = new SlotCommitManager(dir.Path))
        {
            reopened.Commit(0, 0, [4], 15, false); // after a reopen too: the older slot (12) goes
            Assert.Equal([15L, 14L], reopened.ListCommits());
            reopened.RemoveCommit(15);            // a removed commit's slot is the next one written
            reopened.Commit(0, 0, [5], 16, false);
            Assert.Equal([16L, 14L], reopened.ListCommits());
        }
    }

    [Fact]
    public void A_directory_written_with_a_commit_file_per_commit_opens_with_everything_committed()
    {
        using var dir = new TempDir();
        using (var log = Reopen(dir.Path))
        {
            for (int i = 0; i < 20; i++) Append(log, "old-" + i);
            log.Commit();
        }
        // Turn the directory into what FasterLog's own manager leaves: the newest commit as log-commits/commit.N.0.
        string slots = Path.Combine(dir.Path, SlotCommitManager.FileName);
        byte[] metadata;
        long number;
        using (var ours = new SlotCommitManager(dir.Path))
        {
            number = ours.ListCommits().First();
            metadata = ours.GetCommitMetadata(number);
        }
        File.Delete(slots);
        using (var older = new DeviceLogCommitCheckpointManager(new LocalStorageNamedDeviceFactory(), new DefaultCheckpointNamingScheme(dir.Path)))
            older.Commit(0, 0, metadata, number, forceWriteMetadata: true);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(dir.Path, "log-commits")));

        using (var migrated = Reopen(dir.Path))
        {
            Assert.Equal(Enumerable.Range(0, 20).Select(i => "old-" + i), Texts(migrated));
            Append(migrated, "new");
            migrated.Commit();
        }
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(dir.Path, "log-commits"))); // kept until the copy has survived an open
        using (var again = Reopen(dir.Path))
            Assert.Equal(Enumerable.Range(0, 20).Select(i => "old-" + i).Append("new"), Texts(again));
        Assert.Empty(Directory.GetFiles(Path.Combine(dir.Path, "log-commits")));
    }
}
