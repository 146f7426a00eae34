using HyperCache.Frontends.Hosting;

namespace HyperCache.Frontends.Tests;

public class CompactionTriggerTests
{
    private const long MB = 1L << 20;
    private static TimeSpan Ms(int ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void Compacts_once_idle_long_enough_after_the_heap_grew()
    {
        var trigger = new CompactionTrigger(100 * MB);
        long heap = 300 * MB;
        Assert.False(trigger.Due(Ms(0), commands: 10, tail: 500, snapshotting: false, () => heap));
        Assert.False(trigger.Due(Ms(200), 10, 500, false, () => heap)); // idle, but not for 300 ms yet
        Assert.True(trigger.Due(Ms(300), 10, 500, false, () => heap));
    }

    [Fact]
    public void Any_command_log_append_or_snapshot_restarts_the_idle_clock()
    {
        var trigger = new CompactionTrigger(100 * MB);
        long heap = 300 * MB;
        trigger.Due(Ms(0), 10, 500, false, () => heap);
        Assert.False(trigger.Due(Ms(250), 11, 500, false, () => heap)); // a command
        Assert.False(trigger.Due(Ms(500), 11, 600, false, () => heap)); // a log append (a replica applying)
        Assert.False(trigger.Due(Ms(750), 11, 600, true, () => heap));  // a snapshot running
        Assert.False(trigger.Due(Ms(1000), 11, 600, false, () => heap));
        Assert.True(trigger.Due(Ms(1050), 11, 600, false, () => heap));
    }

    [Theory]
    [InlineData(100, 163, false)] // +63 MB: below the 64 MB floor
    [InlineData(100, 164, true)]
    [InlineData(1000, 1249, false)] // +24.9 %: below a quarter
    [InlineData(1000, 1250, true)]
    public void Needs_64_MB_and_a_quarter_of_growth(long baselineMb, long heapMb, bool due)
    {
        var trigger = new CompactionTrigger(baselineMb * MB);
        trigger.Due(Ms(0), 1, 1, false, () => heapMb * MB);
        Assert.Equal(due, trigger.Due(Ms(1000), 1, 1, false, () => heapMb * MB));
    }

    [Fact]
    public void Growth_is_measured_from_the_last_compaction_or_the_lowest_heap_since()
    {
        var trigger = new CompactionTrigger(100 * MB);
        trigger.Compacted(400 * MB);
        trigger.Due(Ms(0), 1, 1, false, () => 450 * MB);
        Assert.False(trigger.Due(Ms(1000), 1, 1, false, () => 450 * MB)); // +50 MB over 400
        Assert.False(trigger.Due(Ms(2000), 1, 1, false, () => 150 * MB)); // a FLUSHALL: baseline drops to 150
        Assert.Equal(150 * MB, trigger.Baseline);
        Assert.True(trigger.Due(Ms(3000), 1, 1, false, () => 220 * MB));  // +70 MB over 150
    }
}
