using HyperCache.Frontends.Configuration;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HyperCache.Frontends.Transport;

/// <summary>The <c>network.resp_transport</c> setting: which transport serves the RESP port.</summary>
public static class RespTransport
{
    public const string Sockets = "sockets";
    public const string Epoll = "epoll";

    /// <summary>Epoll where it runs: a quarter fewer syscalls and a little less CPU per request at -P 1, no more at -P 16
    /// (docs/performance.md, "Epoll transport").</summary>
    public static string Default => EpollNative.IsSupported ? Epoll : Sockets;

    public static string Parse(string value) => value.Trim().ToLowerInvariant() switch
    {
        Sockets => Sockets,
        Epoll => Epoll,
        _ => throw new ArgumentException("expected sockets or epoll"),
    };

    /// <summary>Epoll is asked for and this machine can run it (Linux x64).</summary>
    public static bool UsesEpoll(NodeConfig config) => config.RespTransport == Epoll && EpollNative.IsSupported;

    /// <summary>With epoll, adds its listener factory after Kestrel's socket one: Kestrel asks the last registered
    /// factory first, and ours binds only the RESP port.</summary>
    public static void Register(IServiceCollection services, NodeConfig config)
    {
        if (!UsesEpoll(config)) return;
        services.AddSingleton<IConnectionListenerFactory>(sp => new EpollTransportFactory(
            config.RespPort, config.IoThreads, sp.GetRequiredService<ILogger<EpollTransportFactory>>()));
    }
}
