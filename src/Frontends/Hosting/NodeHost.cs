using System.Net;
using System.Runtime.InteropServices;
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
        // As Redis: a closed terminal or session (SIGHUP) does not stop the node. .NET's default for it is to exit at
        // once, without the shutdown that commits the log (SIGTERM and SIGINT are the ways to stop it).
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            logger.LogInformation("SIGHUP ignored (stop the node with SIGTERM or SHUTDOWN)");
        });
        // Recovery (snapshot load, log replay) and building the host are independent: run them side by side, so
        // start-up costs the longer of the two rather than their sum. The host starts listening only after both.
        // prometheus-net's default registry listens to every EventSource and Meter in the process (reflection and
        // a timer per second) for metrics we never export: our node has its own registry.
        Prometheus.Metrics.SuppressDefaultMetrics();
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var opening = Task.Run(() => Node.Open(config, logger, registry), ct);
        WebApplication? app = null;
        Node node;
        try
        {
            app = Build(config, registry, () => opening.GetAwaiter().GetResult(), args: [], serilog);
            node = await opening;
        }
        catch (Exception e) when (e is HyperCache.Log.LogCorruptedException or RecoveryException or HyperCache.StateMachine.Snapshots.SnapshotCorruptException or IOException or UnauthorizedAccessException or ConfigException)
        {
            logger.LogCritical("Cannot start: {Message}", e.Message);
            if (app != null) await app.DisposeAsync();
            await CloseWhenOpenedAsync(opening);
            return 1;
        }
        using (node)
        {
            app.Lifetime.ApplicationStopping.Register(() =>
            {
                node.AcceptingWrites = false;
                // As Redis on SIGTERM: close the clients rather than wait for idle ones to leave (the host would
                // wait for their handlers until its shutdown timeout). What they wrote is in the log already.
                foreach (var client in node.Clients.All) client.Kill?.Invoke();
            });
            node.StopHost = app.Lifetime.StopApplication;
            try
            {
                await app.StartAsync(ct);
            }
            catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                // The one start failure an operator meets often: the reason is the news, not Kestrel's stack.
                logger.LogCritical("Cannot start: {Message} (ports: RESP {Resp}, HTTP {Http}, replication {Replication})",
                    e.Message, config.RespPort, config.HttpPort, config.ReplicationPort);
                return 1;
            }
            FitClientsToDescriptors(config, logger);
            node.AcceptingWrites = true;
            if (node.Replication is { } replication && config.ReplicaOf is { } primary)
            {
                var parts = primary.Split(' ');
                await replication.FollowAsync(parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
                logger.LogInformation("Replica of {Primary}", primary);
            }
            logger.LogInformation("Node {node_id} ready to accept connections: RESP {bind}:{resp_port}, HTTP {bind}:{http_port}, appendfsync {appendfsync}",
                config.NodeId, config.Bind, config.RespPort, config.Bind, config.HttpPort, config.AppendFsync.ToString().ToLowerInvariant());
            await app.WaitForShutdownAsync(ct);
            await app.DisposeAsync();
            if (node.Log?.WriteError is { } reason)
                logger.LogError("Shut down; the log could not be written past {address} ({reason}): the writes after it are not kept",
                    node.Log.CommittedUntilAddress, reason);
            else
                logger.LogInformation("Shut down; log committed at {address}", node.Log?.TailAddress ?? 0);
        }
        return 0;
    }

    /// <summary>Once the host runs (its assemblies loaded, its descriptors open): maxclients within the descriptor
    /// limit (<see cref="DescriptorBudget"/>).</summary>
    private static void FitClientsToDescriptors(NodeConfig config, Microsoft.Extensions.Logging.ILogger logger)
    {
        int fitted = DescriptorBudget.Fit(config.MaxClients, out long limit, out int open);
        if (fitted >= config.MaxClients) return;
        logger.LogWarning("maxclients {MaxClients} needs more file descriptors than the limit of {Limit} leaves ({Open} open, {Reserve} kept "
            + "for the rest): maxclients is {Fitted}. Raise the limit (ulimit -n, LimitNOFILE, --ulimit nofile) to serve more clients",
            config.MaxClients, limit, open, DescriptorBudget.Reserve, fitted);
        config.MaxClients = fitted;
    }

    /// <summary>Start-up failed on one side: the node, if its recovery succeeds, must still close its log.</summary>
    private static async Task CloseWhenOpenedAsync(Task<Node> opening)
    {
        try
        {
            (await opening).Dispose();
        }
        catch (Exception)
        {
            // Recovery failed too: nothing to close, and its error was already reported or is moot.
        }
    }

    /// <param name="node">The node, once recovered: resolved by the services that need it, after StartAsync.</param>
    public static WebApplication Build(NodeConfig config, Prometheus.CollectorRegistry registry, Func<Node> node, string[] args, Serilog.ILogger serilog)
    {
        // No appsettings reload: its file watcher woke on every AOF write when the data dir sat under the content
        // root (inotify events per page flush), costing ~7 % of a core under load.
        var builder = WebApplication.CreateSlimBuilder([.. args, "--hostBuilder:reloadConfigOnChange=false"]);
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog(serilog, dispose: false);
        builder.Services.AddSingleton(_ => node());
        builder.Services.AddHttpApi();
        builder.Services.AddHostedService<ExpiryService>();
        builder.Services.AddHostedService<MemoryService>();
        builder.Services.AddHostedService<IdleHeapCompaction>();
        builder.Services.AddHostedService<SnapshotService>();
        bool replicates = config.AppendOnly; // a node with a log has a replicator (Node.Open): serve log shipping
        if (replicates)
        {
            builder.Services.AddSingleton(sp => sp.GetRequiredService<Node>().Replication!);
            builder.Services.AddGrpc(o => { o.MaxReceiveMessageSize = null; o.MaxSendMessageSize = null; });
        }
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        // Run connection code on the socket's I/O thread instead of hopping to the thread pool for every read:
        // a RESP request is tiny and never blocks, so the hop costs more than the work.
        builder.WebHost.UseSockets(o =>
        {
            o.UnsafePreferInlineScheduling = true;
            // Read straight into a buffer: the zero-byte "is there data?" read first doubles the receive calls.
            o.WaitForDataBeforeAllocatingBuffer = false;
        });
        Transport.RespTransport.Register(builder.Services, config); // epoll: takes the RESP port from the sockets
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // RESP enforces its own limits (proto-max-bulk-len, client-query-buffer-limit); Kestrel's 1 MB
            // input cap would stall a large argument forever.
            kestrel.Limits.MaxRequestBufferSize = null;
            kestrel.Limits.MaxRequestBodySize = config.HttpMaxBodyBytes; // HTTP only: RESP is no request body
            // HTTP/2 is log shipping only. A replica cut off by a silent partition sends nothing and TCP retransmits
            // for ~15 min; pinging after a heartbeat of silence and closing after five unanswered ones (the replica's
            // own dead-stream rule) ends its stream, so the primary stops counting it as a connected replica.
            kestrel.Limits.Http2.KeepAlivePingDelay = config.Replication.Heartbeat;
            kestrel.Limits.Http2.KeepAlivePingTimeout = config.Replication.Heartbeat * 5;
            kestrel.AddServerHeader = false;
            foreach (var address in Addresses(config.Bind))
            {
                kestrel.Listen(address, config.RespPort, l => l.UseConnectionHandler<RespConnectionHandler>());
                kestrel.Listen(address, config.HttpPort, l => l.Protocols = HttpProtocols.Http1);
                if (replicates)
                    kestrel.Listen(address, config.EffectiveReplicationPort, l => l.Protocols = HttpProtocols.Http2); // h2c
            }
        });
        var app = builder.Build();
        if (replicates)
        {
            // The replication port serves log shipping and FAILOVER's hand-over only, outside the HTTP API's middleware.
            int port = config.EffectiveReplicationPort;
            app.MapWhen(c => c.Connection.LocalPort == port, branch =>
            {
                branch.UseRouting();
                branch.UseEndpoints(e =>
                {
                    e.MapGrpcService<HyperCache.Replication.Primary.LogShippingService>();
                    e.MapGrpcService<HyperCache.Replication.Failover.FailoverService>();
                });
            });
        }
        app.UseHttpApi(registry);
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
