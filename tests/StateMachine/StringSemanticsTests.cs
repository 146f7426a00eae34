using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

public class StringSemanticsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("0", true)]
    [InlineData("-1", true)]
    [InlineData("9223372036854775807", true)]
    [InlineData("9223372036854775808", false)]
    [InlineData("01", false)]
    [InlineData("+1", false)]
    [InlineData(" 1", false)]
    [InlineData("1 ", false)]
    [InlineData("-0", false)]
    [InlineData("", false)]
    [InlineData("1.0", false)]
    public void Integers_parse_as_strictly_as_redis(string text, bool ok)
        => Assert.Equal(ok, Numbers.TryParseInt64(Of(text), out _));

    [Fact]
    public void Increment_overflow_is_refused_and_leaves_the_value()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var s = new Session();
        logged.Store.Set(s, Of("n"), Of(long.MaxValue.ToString()), SetCondition.Always, 0, false, out _);
        var error = Assert.Throws<CommandError>(() => logged.Store.IncrementBy(s, Of("n"), 1));
        Assert.Equal("ERR increment or decrement would overflow", error.Message);
        Assert.Equal(long.MaxValue.ToString(), Text(logged.Store.GetString(s, Of("n"))));
    }

    [Fact]
    public void Expired_keys_read_as_missing_and_the_active_cycle_logs_their_deletion()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var s = new Session();
        for (int i = 0; i < 100; i++)
            logged.Store.Set(s, Of("k" + i), Of("v"), SetCondition.Always, clock.Now.ToUnixTimeMilliseconds() + 100, false, out _);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(logged.Store.GetString(s, Of("k1")));
        Assert.Equal(100, logged.Store.DbSize(0)); // not yet reclaimed
        int rounds = 0;
        while (logged.Store.DbSize(0) > 0 && rounds++ < 100) logged.Store.ExpireCycle();
        Assert.Equal(0, logged.Store.DbSize(0));
        Assert.Equal(0, logged.Replay().DbSize(0)); // the deletions are in the log
    }
}
