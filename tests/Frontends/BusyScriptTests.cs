using System.Diagnostics;
using HyperCache.Frontends.Resp;
using HyperCache.Frontends.Scripting;

namespace HyperCache.Frontends.Tests;

/// <summary>The busy-script state shared by the script's thread and SCRIPT KILL (no node, no Lua).</summary>
public sealed class BusyScriptTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    /// <summary>A script started with threshold 0 becomes busy at its first hook call after any time has passed.</summary>
    private static BusyScript BusyOne()
    {
        var busy = new BusyScript();
        busy.Begin(0);
        var sw = Stopwatch.StartNew();
        bool became = false;
        while (!became && sw.Elapsed < Deadline) Assert.False(busy.MustStop(out became));
        Assert.True(became, "the script never became busy");
        Assert.True(busy.Active);
        return busy;
    }

    [Fact]
    public void Kill_with_no_script_or_a_script_under_the_threshold_is_notbusy()
    {
        var busy = new BusyScript();
        Assert.True(busy.Quiet);
        Assert.Equal(BusyScript.NotBusyError, busy.Kill());
        busy.Begin(60_000);
        Assert.False(busy.Quiet);
        Assert.False(busy.MustStop(out bool became));
        Assert.False(became);
        Assert.Equal(BusyScript.NotBusyError, busy.Kill());
        busy.End();
        Assert.True(busy.Quiet);
    }

    [Fact]
    public void A_busy_script_that_has_not_written_is_killed_at_its_next_hook_and_may_write_no_more()
    {
        var busy = BusyOne();
        Assert.Null(busy.Kill());
        Assert.Null(busy.Kill()); // asked twice: still OK
        Assert.True(busy.MustStop(out _));
        Assert.False(busy.BeginWrite());
        busy.End();
        Assert.False(busy.Active);
        Assert.Equal(BusyScript.NotBusyError, busy.Kill());
    }

    [Fact]
    public void A_script_that_wrote_is_unkillable_but_a_write_that_changed_nothing_keeps_it_killable()
    {
        var busy = BusyOne();
        Assert.True(busy.BeginWrite());
        Assert.Equal(BusyScript.UnkillableError, busy.Kill()); // while the write runs
        busy.EndWrite(changed: false);
        Assert.Null(busy.Kill());
        busy.End();

        busy = BusyOne();
        Assert.True(busy.BeginWrite());
        busy.EndWrite(changed: true);
        Assert.True(busy.BeginWrite());
        busy.EndWrite(changed: false); // changed nothing, but the script had written before
        Assert.Equal(BusyScript.UnkillableError, busy.Kill());
        Assert.False(busy.MustStop(out _));
        busy.End();
    }

    [Fact]
    public async Task A_command_waiting_for_a_running_script_goes_on_when_it_ends_and_is_refused_when_it_turns_busy()
    {
        var busy = new BusyScript();
        busy.Begin(60_000);
        var waiter = Task.Run(busy.MustRefuse);
        Assert.NotSame(waiter, await Task.WhenAny(waiter, Task.Delay(50))); // waits while the script runs
        busy.End();
        Assert.False(await waiter.WaitAsync(Deadline));

        busy.Begin(0);
        var refused = Task.Run(busy.MustRefuse);
        var sw = Stopwatch.StartNew();
        while (!busy.Active && sw.Elapsed < Deadline) busy.MustStop(out _);
        Assert.True(await refused.WaitAsync(Deadline));
        busy.End();
    }

    [Theory]
    [InlineData("script|kill", true)]
    [InlineData("shutdown", true)]
    [InlineData("auth", true)]
    [InlineData("hello", true)]
    [InlineData("multi", true)]
    [InlineData("watch", true)]
    [InlineData("ping", false)]
    [InlineData("script|load", false)]
    public void Only_redis_allow_busy_commands_run_while_busy(string name, bool allowed)
        => Assert.Equal(allowed, BusyScript.WithAllowBusy(name, CommandFlags.None).HasFlag(CommandFlags.AllowBusy));
}
