using HyperCache.Frontends.Hosting;

namespace HyperCache.Frontends.Tests;

public class SnapshotGrowthRuleTests
{
    private const long MB = 1L << 20;

    [Theory]
    [InlineData(63, 10, false)]      // a small data set: the 64 MB floor decides
    [InlineData(64, 10, true)]
    [InlineData(64, 1000, false)]    // 1000 MB snapshot: 64 MB of log is not worth rewriting it
    [InlineData(999, 1000, false)]
    [InlineData(1000, 1000, true)]   // grown by 100 % of the last snapshot
    [InlineData(64, 0, true)]        // no snapshot yet
    public void Needs_the_floor_and_a_percentage_of_the_last_snapshot(long growthMb, long snapshotMb, bool due)
        => Assert.Equal(due, SnapshotGrowthRule.Due(growthMb * MB, snapshotMb * MB, minMb: 64, percent: 100));

    [Fact]
    public void Zero_percent_is_the_floor_alone_and_zero_mb_is_off()
    {
        Assert.True(SnapshotGrowthRule.Due(64 * MB, 1000 * MB, minMb: 64, percent: 0));
        Assert.False(SnapshotGrowthRule.Due(long.MaxValue / 2, 0, minMb: 0, percent: 100));
    }
}
