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

    [Theory]
    [InlineData("7", 7.0)]
    [InlineData("-12", -12.0)]
    [InlineData("+007", 7.0)]
    [InlineData("999999999999999", 999999999999999.0)]     // 15 digits: the whole-number path
    [InlineData("9007199254740993", 9007199254740992.0)]   // 16: the general parser rounds as strtod
    [InlineData("1.5", 1.5)]
    [InlineData("-inf", double.NegativeInfinity)]
    [InlineData("+Infinity", double.PositiveInfinity)]
    [InlineData("1e400", null)]                            // overflow refused
    [InlineData("1e-400", null)]                           // underflow refused
    [InlineData("0e-400", 0.0)]
    [InlineData("nan", null)]
    [InlineData("", null)]
    [InlineData("-", null)]
    [InlineData("+-5", null)]
    [InlineData("1 ", null)]
    [InlineData("0x10", 16.0)]
    public void Doubles_parse_as_strtod_does(string text, double? expected)
    {
        bool ok = Numbers.TryParseDouble(Of(text), out double value);
        Assert.Equal(expected.HasValue, ok);
        if (expected.HasValue) Assert.Equal(expected.Value, value);
    }

    [Fact]
    public void Minus_zero_parses_as_negative_zero()
    {
        Assert.True(Numbers.TryParseDouble(Of("-0"), out double value));
        Assert.True(double.IsNegative(value) && value == 0);
        Assert.True(Numbers.TryParseDouble(Of("0"), out value));
        Assert.False(double.IsNegative(value));
    }

    /// <summary>Sets keys prefix0..prefix(count-1) to "v", each expiring <paramref name="ttlMs"/> from the clock's now.</summary>
    private static void SetExpiring(LoggedStore logged, ManualClock clock, string prefix, int count, long ttlMs)
    {
        var s = new Session();
        for (int i = 0; i < count; i++)
            logged.Store.Set(s, Of(prefix + i), Of("v"), SetCondition.Always, clock.Now.ToUnixTimeMilliseconds() + ttlMs, false, out _);
    }

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
        SetExpiring(logged, clock, "k", 100, ttlMs: 100);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(logged.Store.GetString(s, Of("k1")));
        Assert.Equal(100, logged.Store.DbSize(0)); // not yet reclaimed
        int rounds = 0;
        while (logged.Store.DbSize(0) > 0 && rounds++ < 100) logged.Store.ExpireCycle();
        Assert.Equal(0, logged.Store.DbSize(0));
        Assert.Equal(0, logged.Replay().DbSize(0)); // the deletions are in the log
    }

    [Fact]
    public void An_active_cycle_goes_on_while_samples_keep_finding_expired_keys()
    {
        // 50 k keys expire together (a burst of sessions): a cycle keeps sampling while a tenth or more of a sample
        // had expired, within its budget; with a fixed 16 rounds per shard it reclaimed 2,560 keys a cycle (8 shards),
        // and expired keys outlived their TTL by ~17 s at hz 10 (500 k keys, `exp.py` in the seventeenth stop's note).
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        SetExpiring(logged, clock, "s", 50_000, ttlMs: 100);
        SetExpiring(logged, clock, "lives", 1, ttlMs: 60_000);
        clock.Advance(TimeSpan.FromSeconds(1));
        int expired = logged.Store.ExpireCycle(TimeSpan.FromSeconds(30)); // a budget that does not end it
        Assert.Equal(50_000, expired);
        Assert.Equal(1, logged.Store.DbSize(0));
        // and a cycle that finds nothing to do ends at once, whatever its budget
        Assert.Equal(0, logged.Store.ExpireCycle(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void An_active_cycle_stops_at_its_budget_and_the_next_one_goes_on()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        SetExpiring(logged, clock, "s", 20_000, ttlMs: 100);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.InRange(logged.Store.ExpireCycle(TimeSpan.Zero), 1, 20); // no budget: one sample of 20 keys
        int cycles = 0;
        while (logged.Store.DbSize(0) > 0 && cycles++ < 10_000) logged.Store.ExpireCycle(TimeSpan.Zero);
        Assert.Equal(0, logged.Store.DbSize(0)); // one sample per cycle, from where the last one stopped
    }
}
