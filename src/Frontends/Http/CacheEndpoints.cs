using System.Diagnostics;
using HyperCache.Frontends.Hosting;
using HyperCache.Frontends.Metrics;
using HyperCache.Log;
using HyperCache.StateMachine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HyperCache.Frontends.Http;

/// <summary>
/// GET, PUT and DELETE of one key at <c>/api/cache/{**key}</c>, in database 0. They call the same store methods
/// as RESP's GET, SET and DEL (so a write is logged and applied the same way) and count under those names in the
/// command metrics. Under <c>appendfsync always</c> a write is answered only once its log entry is committed.
/// </summary>
public static class CacheEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/cache/{**key}", Get)
            .WithName("GetKey").WithTags("cache").WithSummary("Read a string key")
            .Produces<GetReply>().Produces<ApiError>(StatusCodes.Status404NotFound).Produces<ApiError>(StatusCodes.Status409Conflict);
        routes.MapPut("/api/cache/{**key}", Put)
            .WithName("PutKey").WithTags("cache").WithSummary("Store a value, optionally with a TTL")
            .JsonBodyOf<PutRequest>()
            .Produces<PutReply>().Produces<ApiError>(StatusCodes.Status400BadRequest)
            .Produces<ApiError>(StatusCodes.Status413PayloadTooLarge).Produces<ApiError>(StatusCodes.Status415UnsupportedMediaType);
        routes.MapDelete("/api/cache/{**key}", Delete)
            .WithName("DeleteKey").WithTags("cache").WithSummary("Delete a key")
            .Produces<DeleteReply>().Produces<ApiError>(StatusCodes.Status404NotFound);
    }

    private static IResult Get(HttpContext context, Node node, string? key)
    {
        BusyGate.Check(node);
        var bytes = CacheKey.FromRequest(context);
        bool base64 = ValueCodec.WantsBase64(context);
        var meter = node.Metrics.Command("get");
        long started = Stopwatch.GetTimestamp();
        byte[]? value;
        long expireAt;
        try
        {
            value = node.Store.GetStringWithExpiry(new Session(), bytes, out expireAt);
        }
        catch (CommandError)
        {
            meter.Failed(started);
            throw;
        }
        meter.Succeeded(started);
        if (value is null) return KeyNotFound(bytes);
        var (text, encoding) = ValueCodec.ToText(value, base64);
        var ttl = ValueCodec.TtlSeconds(expireAt, node.Store.NowMs());
        return Results.Json(new GetReply(CacheKey.Display(bytes), text, ttl, node.Config.NodeId, encoding), HttpJson.Api.GetReply);
    }

    private static async Task<IResult> Put(HttpContext context, Node node, string? key)
    {
        if (node.IsReplica) throw ApiException.ReadOnlyReplica();
        var bytes = CacheKey.FromRequest(context);
        bool base64 = ValueCodec.WantsBase64(context);
        var body = await JsonBody.ReadAsync(context, HttpJson.Api.PutRequest);
        var value = ValueCodec.ToBytes(body.Value, base64, node.Config.HttpMaxValueBytes);
        long now, expireAt;
        var session = new Session();
        using (await node.Pause.EnterWritesAsync(parked: false, context.RequestAborted))
        {
            BusyGate.Check(node); // once the body is in: a script may have started while it came
            now = node.Store.NowMs();
            expireAt = ValueCodec.ExpireAt(body.TtlHours, body.TtlSeconds, now);
            Measure(node.Metrics.Command("set"), () =>
            {
                if (!Resp.OomRules.Admit(node.Store)) throw new CommandError(Resp.OomRules.Error); // answered 507
                return node.Store.Set(session, bytes, value, SetCondition.Always, expireAt, false, out _);
            });
        }
        await WaitForCommitAsync(node, session);
        return Results.Json(new PutReply(CacheKey.Display(bytes), true, ValueCodec.TtlSeconds(expireAt, now), node.Config.NodeId),
            HttpJson.Api.PutReply);
    }

    private static async Task<IResult> Delete(HttpContext context, Node node, string? key)
    {
        var session = new Session();
        byte[] bytes;
        int deleted;
        using (await node.Pause.EnterWritesAsync(parked: false, context.RequestAborted))
        {
            BusyGate.Check(node);
            if (node.IsReplica) throw ApiException.ReadOnlyReplica();
            bytes = CacheKey.FromRequest(context);
            deleted = Measure(node.Metrics.Command("del"), () => node.Store.Delete(session, new KeyArray([bytes]), 0));
        }
        await WaitForCommitAsync(node, session);
        return deleted == 0
            ? KeyNotFound(bytes)
            : Results.Json(new DeleteReply(true, CacheKey.Display(bytes), node.Config.NodeId), HttpJson.Api.DeleteReply);
    }

    public static IResult KeyNotFound(byte[] key)
        => Results.Json(new ApiError(ErrorCodes.KeyNotFound, $"key '{CacheKey.Display(key)}' does not exist"),
            HttpJson.Api.ApiError, statusCode: StatusCodes.Status404NotFound);

    /// <summary>Runs a store call, counted and timed as the command it performs.</summary>
    public static T Measure<T>(CommandMeter meter, Func<T> call)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            var result = call();
            meter.Succeeded(started);
            return result;
        }
        catch (CommandError)
        {
            meter.Failed(started);
            throw;
        }
    }

    /// <summary>Under <c>appendfsync always</c>, waits until this request's last log entry is durable.</summary>
    public static async ValueTask WaitForCommitAsync(Node node, Session session)
    {
        if (session.LastLogAddress >= 0 && node.Log is { Durability: Durability.Always } log)
            await log.WaitForCommitAsync(session.LastLogAddress);
    }
}

/// <summary>Keys held in arrays, as the store's multi-key methods take them.</summary>
public sealed class KeyArray(byte[][] keys) : IKeyList
{
    public int Count => keys.Length;
    public ReadOnlySpan<byte> this[int index] => keys[index];
}
