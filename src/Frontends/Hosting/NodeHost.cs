using System.Net;
using HyperCache.Frontends.Configuration;
using HyperCache.Frontends.Resp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HyperCache.Frontends.Hosting;

/// <summary>Composes one node: recovery first, then one Kestrel host serving RESP and HTTP on their ports.</summary>
public static class NodeHost
{
    public static async Task<int> RunAsync(NodeConfig config, CancellationToken ct = default)
    {
        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
        var logger = loggerFactory.CreateLogger("hypercache");
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
        catch (Exception e) when (e is HyperCache.Log.LogCorruptedException or IOException or UnauthorizedAccessException)
        {
            logger.LogCritical("Cannot start: {Message}", e.Message);
            return 1;
        }
        using (node)
        {
            var app = Build(node, args: []);
            await app.StartAsync(ct);
            logger.LogInformation("Node {Node} ready to accept connections: RESP {Bind}:{Resp}, HTTP {Bind}:{Http}, appendfsync {Fsync}",
                config.NodeId, config.Bind, config.RespPort, config.Bind, config.HttpPort, config.AppendFsync.ToString().ToLowerInvariant());
            await app.WaitForShutdownAsync(ct);
            await app.DisposeAsync();
            logger.LogInformation("Shut down; log committed at {Address}", node.Log?.TailAddress ?? 0);
        }
        return 0;
    }

    public static WebApplication Build(Node node, string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(node);
        builder.Services.AddHostedService<ExpiryService>();
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
            kestrel.AddServerHeader = false;
            foreach (var address in Addresses(node.Config.Bind))
            {
                kestrel.Listen(address, node.Config.RespPort, l => l.UseConnectionHandler<RespConnectionHandler>());
                kestrel.Listen(address, node.Config.HttpPort, l => l.Protocols = HttpProtocols.Http1);
            }
        });
        var app = builder.Build();
        app.MapGet("/health", (Node n) => Results.Json(new HealthReply(true, n.Config.NodeId), HttpJson.Default.HealthReply));
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

public sealed record HealthReply(bool Healthy, string Node);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
[System.Text.Json.Serialization.JsonSerializable(typeof(HealthReply))]
public sealed partial class HttpJson : System.Text.Json.Serialization.JsonSerializerContext;
