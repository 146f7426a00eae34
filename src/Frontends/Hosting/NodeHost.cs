using System.Net;
using HyperCache.Frontends.Configuration;
using HyperCache.Frontends.Http;
using HyperCache.Frontends.Logging;
using HyperCache.Frontends.Resp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Extensions.Logging;

namespace HyperCache.Frontends.Hosting;

/// <summary>Composes one node: recovery first, then one Kestrel host serving RESP and HTTP on their ports.</summary>
public static class NodeHost
{
    public static async Task<int> RunAsync(NodeConfig config, CancellationToken ct = default)
    {
        await using var serilog = NodeLogging.Create(config);
        using var loggerFactory = new SerilogLoggerFactory(serilog);
        var logger = loggerFactory.CreateLogger("HyperCache.Node");
        if (ProtectedMode.Refusal(config) is { } refusal)
        {
            logger.LogCritical("Cannot start: {Reason}", refusal);
            return 1;
        }
        Node node;
        try
        {
            node = Node.Open(config, logger);
        }
        catch (Exception e) when (e is HyperCache.Log.LogCorruptedException or RecoveryException or HyperCache.StateMachine.Snapshots.SnapshotCorruptException or IOException or UnauthorizedAccessException)
        {
            logger.LogCritical("Cannot start: {Message}", e.Message);
            return 1;
        }
        using (node)
        {
            var app = Build(node, args: [], serilog);
            app.Lifetime.ApplicationStopping.Register(() => node.AcceptingWrites = false);
            await app.StartAsync(ct);
            node.AcceptingWrites = true;
            logger.LogInformation("Node {node_id} ready to accept connections: RESP {bind}:{resp_port}, HTTP {bind}:{http_port}, appendfsync {appendfsync}",
                config.NodeId, config.Bind, config.RespPort, config.Bind, config.HttpPort, config.AppendFsync.ToString().ToLowerInvariant());
            await app.WaitForShutdownAsync(ct);
            await app.DisposeAsync();
            logger.LogInformation("Shut down; log committed at {address}", node.Log?.TailAddress ?? 0);
        }
        return 0;
    }

    public static WebApplication Build(Node node, string[] args, Serilog.ILogger serilog)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog(serilog, dispose: false);
        builder.Services.AddSingleton(node);
        builder.Services.AddHttpApi();
        builder.Services.AddHostedService<ExpiryService>();
        builder.Services.AddHostedService<MemoryService>();
        builder.Services.AddHostedService<SnapshotService>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        // Run connection code on the socket's I/O thread instead of hopping to the thread pool for every read:
        // a RESP request is tiny and never blocks, so the hop costs more than the work.
        builder.WebHost.UseSockets(o =>
        {
            o.UnsafePreferInlineScheduling = true;
            // Read straight into a buffer: the zero-byte "is there data?" read first doubles the receive calls.
            o.WaitForDataBeforeAllocatingBuffer = false;
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // RESP enforces its own limits (proto-max-bulk-len, client-query-buffer-limit); Kestrel's 1 MB
            // input cap would stall a large argument forever.
            kestrel.Limits.MaxRequestBufferSize = null;
            kestrel.Limits.MaxRequestBodySize = node.Config.HttpMaxBodyBytes; // HTTP only: RESP is no request body
            kestrel.AddServerHeader = false;
            foreach (var address in Addresses(node.Config.Bind))
            {
                kestrel.Listen(address, node.Config.RespPort, l => l.UseConnectionHandler<RespConnectionHandler>());
                kestrel.Listen(address, node.Config.HttpPort, l => l.Protocols = HttpProtocols.Http1);
            }
        });
        var app = builder.Build();
        app.UseHttpApi(node);
        return app;
    }

    /// <summary>"127.0.0.1", "::1", "0.0.0.0", "*", "localhost", or several separated by spaces or commas.</summary>
    public static IEnumerable<IPAddress> Addresses(string bind)
    {
        foreach (var token in bind.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries))
        {
            if (token is "*" or "0.0.0.0") yield return IPAddress.Any;
            else if (token == "localhost") yield return IPAddress.Loopback;
            else if (IPAddress.TryParse(token, out var ip)) yield return ip;
            else throw new ConfigException($"bind: '{token}' is not an IP address");
        }
    }
}
