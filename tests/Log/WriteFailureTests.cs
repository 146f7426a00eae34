using static HyperCache.Log.Tests.LogTestKit;

namespace HyperCache.Log.Tests;

/// <summary>
/// A log whose disk refuses writes. The segment file is a link to /dev/full, where every write fails with ENOSPC,
/// as on a full disk; FasterLog then never completed the commit (it left the waiters pending for good).
/// </summary>
public class WriteFailureTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static AppendOnlyLog OpenOnFullDisk(TempDir dir, Durability durability)
    {
        File.CreateSymbolicLink(Path.Combine(dir.Path, "hlog.0"), "/dev/full");
        var log = AppendOnlyLog.Open(new LogOptions { Directory = dir.Path, Durability = durability });
        log.Scan(log.BeginAddress, -1, null);
        return log;
    }

    [Theory]
    [InlineData(Durability.Always)]
    [InlineData(Durability.EverySec)]
    public async Task A_failed_write_fails_the_commit_waits_and_every_later_append_with_the_reason(Durability durability)
    {
        using var dir = new TempDir();
        var log = OpenOnFullDisk(dir, durability);
        var told = new List<string>();
        log.WriteFailed = reason => { lock (told) told.Add(reason); };

        long address = Append(log, "never durable");
        var e = await Assert.ThrowsAsync<LogWriteException>(() => log.WaitForCommitAsync(address).AsTask().WaitAsync(Deadline));
        Assert.Equal("No space left on device", e.Reason);
        Assert.Equal("Errors writing to the AOF file: No space left on device", e.Message);
        Assert.Equal("No space left on device", log.WriteError);
        Assert.True(log.CommittedUntilAddress <= address); // nothing from it on was committed

        Assert.Equal("No space left on device", Assert.Throws<LogWriteException>(() => Append(log, "later")).Reason);
        await Assert.ThrowsAsync<LogWriteException>(() => log.CommitAsync().AsTask().WaitAsync(Deadline));
        Assert.Throws<LogWriteException>(() => log.TruncateUntil(address));
        lock (told) Assert.Equal(["No space left on device"], told);

        // Closing does not wait for a commit that cannot happen.
        await Task.Run(log.Dispose).WaitAsync(Deadline);
    }

    [Fact]
    public void A_log_that_writes_has_no_write_error()
    {
        using var dir = new TempDir();
        using var log = AppendOnlyLog.Open(new LogOptions { Directory = dir.Path });
        log.Scan(log.BeginAddress, -1, null);
        Append(log, "fine");
        log.Commit();
        Assert.Null(log.WriteError);
    }
}
