using HyperCache.Frontends.Configuration;
using HyperCache.Frontends.Transport;

namespace HyperCache.Frontends.Tests;

/// <summary>network.resp_transport and network.io_threads: YAML, flag and environment, and bad values.</summary>
public sealed class RespTransportConfigTests
{
    private static NodeConfig Load(Dictionary<string, string> flags, Dictionary<string, string>? env = null)
        => ConfigLoader.Load(null, flags, name => env?.GetValueOrDefault(name));

    [Fact]
    public void Defaults_to_the_socket_transport_with_one_loop_per_core()
    {
        var config = Load([]);
        Assert.Equal(RespTransport.Sockets, config.RespTransport);
        Assert.Equal(Environment.ProcessorCount, config.IoThreads);
    }

    [Fact]
    public void Flag_and_environment_choose_epoll_and_the_loop_count()
    {
        var config = Load(new() { ["network.resp_transport"] = "EPOLL", ["network.io_threads"] = "3" });
        Assert.Equal(RespTransport.Epoll, config.RespTransport);
        Assert.Equal(3, config.IoThreads);
        var fromEnv = Load([], new() { ["HYPERCACHE_NETWORK_RESP_TRANSPORT"] = "epoll" });
        Assert.Equal(RespTransport.Epoll, fromEnv.RespTransport);
        Assert.Equal(OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture
            == System.Runtime.InteropServices.Architecture.X64, RespTransport.UsesEpoll(fromEnv));
    }

    [Theory]
    [InlineData("network.resp_transport", "io_uring")]
    [InlineData("network.io_threads", "0")]
    [InlineData("network.io_threads", "many")]
    public void Bad_values_are_refused(string path, string value)
        => Assert.Throws<ConfigException>(() => Load(new() { [path] = value }));
}
