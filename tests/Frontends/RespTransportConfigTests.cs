using HyperCache.Frontends.Configuration;
using HyperCache.Frontends.Transport;

namespace HyperCache.Frontends.Tests;

/// <summary>network.resp_transport and network.io_threads: YAML, flag and environment, and bad values.</summary>
public sealed class RespTransportConfigTests
{
    private static NodeConfig Load(Dictionary<string, string> flags, Dictionary<string, string>? env = null)
        => ConfigLoader.Load(null, flags, name => env?.GetValueOrDefault(name));

    [Fact]
    public void Defaults_to_epoll_where_it_runs_with_one_loop_per_core_but_one()
    {
        var config = Load([]);
        Assert.Equal(EpollRuns ? RespTransport.Epoll : RespTransport.Sockets, config.RespTransport);
        Assert.Equal(Math.Max(1, Environment.ProcessorCount - 1), config.IoThreads);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(4, 3)]
    [InlineData(16, 15)]
    public void The_default_loop_count_leaves_one_core_to_the_log_and_background_work(int processors, int loops)
        => Assert.Equal(loops, NodeConfig.DefaultIoThreads(processors));

    [Fact]
    public void Flag_and_environment_choose_epoll_and_the_loop_count()
    {
        var config = Load(new() { ["network.resp_transport"] = "EPOLL", ["network.io_threads"] = "3" });
        Assert.Equal(RespTransport.Epoll, config.RespTransport);
        Assert.Equal(3, config.IoThreads);
        Assert.Equal(EpollRuns, RespTransport.UsesEpoll(config));
        var fromEnv = Load(new() { ["network.resp_transport"] = "epoll" }, new() { ["HYPERCACHE_NETWORK_RESP_TRANSPORT"] = "sockets" });
        Assert.Equal(RespTransport.Sockets, fromEnv.RespTransport);
        Assert.False(RespTransport.UsesEpoll(fromEnv));
    }

    private static bool EpollRuns => OperatingSystem.IsLinux()
        && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64;

    [Theory]
    [InlineData("network.resp_transport", "io_uring")]
    [InlineData("network.io_threads", "0")]
    [InlineData("network.io_threads", "many")]
    public void Bad_values_are_refused(string path, string value)
        => Assert.Throws<ConfigException>(() => Load(new() { [path] = value }));
}
