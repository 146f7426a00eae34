using HyperCache.StateMachine;
using System.Globalization;
using HyperCache.Frontends.Configuration;
using HyperCache.Frontends.Hosting;
using HyperCache.Log;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HyperCache.Frontends.Http;

/// <summary>The node's own routes: liveness, readiness, statistics and the effective configuration.</summary>
public static class NodeEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health", (Node node) => Results.Json(new HealthReply(true, node.Config.NodeId), HttpJson.Api.HealthReply))
            .WithName("Health").WithTags("node").WithSummary("Liveness: the process serves HTTP").Produces<HealthReply>();
        routes.MapGet("/ready", Ready)
            .WithName("Ready").WithTags("node").WithSummary("Readiness: the log is recovered and writes are accepted")
            .Produces<ReadyReply>().Produces<ApiError>(StatusCodes.Status503ServiceUnavailable);
        routes.MapGet("/stats", Stats).WithName("Stats").WithTags("node").WithSummary("Node statistics").Produces<StatsReply>();
        routes.MapGet("/api/cache/stats", Stats).WithName("CacheStats").WithTags("node").WithSummary("Node statistics (same as /stats)").Produces<StatsReply>();
        routes.MapGet("/api/config", Config).WithName("Config").WithTags("node").WithSummary("Effective configuration, secrets redacted").Produces<ConfigReply>();
    }

    private static IResult Ready(Node node)
    {
        if (node.Log?.WriteError is { } reason)
            return Results.Json(new ApiError(ErrorCodes.LogWriteFailed, "the node cannot write its log: " + reason + " (writes are refused until it restarts)"),
                HttpJson.Api.ApiError, statusCode: StatusCodes.Status503ServiceUnavailable);
        return node.AcceptingWrites
            ? Results.Json(new ReadyReply(true, node.Config.NodeId, node.Recovery.Entries), HttpJson.Api.ReadyReply)
            : Results.Json(new ApiError(ErrorCodes.NotReady, "the node is not accepting writes (starting or shutting down)"),
                HttpJson.Api.ApiError, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static IResult Stats(Node node)
    {
        var (hits, misses, expired) = node.Store.Counters();
        var keysByDb = new Dictionary<string, long>();
        long keys = 0;
        foreach (var db in node.Store.KeyspaceInfo())
        {
            keysByDb["db" + db.Db.ToString(CultureInfo.InvariantCulture)] = db.Keys;
            keys += db.Keys;
        }
        var ops = new Dictionary<string, long>();
        foreach (var spec in node.Commands.All)
        {
            AddCalls(ops, spec);
            if (spec.Subcommands != null) foreach (var sub in spec.Subcommands.Values) AddCalls(ops, sub);
        }
        var log = node.Log;
        var reply = new StatsReply(
            node.Config.NodeId,
            (long)(DateTimeOffset.UtcNow - node.StartedAt).TotalSeconds,
            keys,
            keysByDb,
            new MemoryStats(node.Store.UsedMemory, Environment.WorkingSet, node.Store.Memory.MaxMemory, node.Store.Memory.Policy.PolicyName()),
            hits,
            misses,
            hits + misses == 0 ? 0 : (double)hits / (hits + misses),
            node.Store.EvictedKeys,
            expired,
            node.Clients.Count,
            node.CommandsProcessed,
            ops,
            new LogStats(log != null, (log?.Durability ?? node.Config.AppendFsync).Name(), log?.BeginAddress ?? 0, log?.CommittedUntilAddress ?? 0,
                log?.TailAddress ?? 0, (log?.TailAddress ?? 0) - (log?.BeginAddress ?? 0), node.Recovery.Entries));
        return Results.Json(reply, HttpJson.Api.StatsReply);
    }

    private static void AddCalls(Dictionary<string, long> ops, Resp.CommandSpec spec)
    {
        if (spec.Meter is { Calls: > 0 } meter) ops[spec.Name] = meter.Calls;
    }

    /// <summary>Every setting by its YAML path. Values of settings that look secret are replaced, never shown.</summary>
    private static IResult Config(Node node)
    {
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var setting in ConfigLoader.Settings)
        {
            string value = setting.Get(node.Config);
            settings[setting.Path] = IsSecret(setting.Path) && value.Length > 0 ? Redacted : value;
        }
        return Results.Json(new ConfigReply(node.Config.NodeId, new Dictionary<string, string>(settings)), HttpJson.Api.ConfigReply);
    }

    public const string Redacted = "***";

    public static bool IsSecret(string path)
        => path.Replace("keyspace", "", StringComparison.OrdinalIgnoreCase).Contains("key", StringComparison.OrdinalIgnoreCase)
           || path.Contains("pass", StringComparison.OrdinalIgnoreCase)
           || path.Contains("secret", StringComparison.OrdinalIgnoreCase) || path.Contains("token", StringComparison.OrdinalIgnoreCase);
}
