using HyperCache.Frontends.Configuration;

namespace HyperCache.Frontends.Tests;

/// <summary>busy-reply-threshold and its alias lua-time-limit: one setting, Redis's default and range.</summary>
public sealed class ScriptingConfigTests
{
    private static NodeConfig Load(IReadOnlyDictionary<string, string> flags, Dictionary<string, string>? env = null)
        => ConfigLoader.Load(null, flags, name => env?.GetValueOrDefault(name));

    [Fact]
    public void The_default_is_redis_five_seconds()
        => Assert.Equal(5000, Load(new Dictionary<string, string>()).BusyReplyThreshold);

    [Fact]
    public void Both_names_set_the_one_threshold()
    {
        Assert.Equal(150, Load(new Dictionary<string, string> { ["scripting.busy_reply_threshold"] = "150" }).BusyReplyThreshold);
        Assert.Equal(250, Load(new Dictionary<string, string> { ["scripting.lua_time_limit"] = "250" }).BusyReplyThreshold);
        Assert.Equal(0, Load(new Dictionary<string, string>(), new() { ["HYPERCACHE_SCRIPTING_BUSY_REPLY_THRESHOLD"] = "0" }).BusyReplyThreshold);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("1.5")]
    public void A_bad_value_is_refused(string value)
        => Assert.Throws<ConfigException>(() => Load(new Dictionary<string, string> { ["scripting.busy_reply_threshold"] = value }));
}
