using System.Text;
using HyperCache.Frontends.Hosting;
using HyperCache.StateMachine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HyperCache.Frontends.Http;

/// <summary>
/// <c>POST /api/cache/batch/get</c> and <c>/batch/set</c> (the routes the seed documented). Keys here are JSON
/// strings. A batch set validates every item before writing any, then writes them one by one (each its own SET
/// event, so not atomic as a whole, like pipelined SETs), and waits once for the commit of the last.
/// </summary>
public static class BatchEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/cache/batch/get", Get)
            .WithName("BatchGet").WithTags("cache").WithSummary("Read several keys")
            .JsonBodyOf<BatchGetRequest>().Produces<BatchGetReply>().Produces<ApiError>(StatusCodes.Status400BadRequest);
        routes.MapPost("/api/cache/batch/set", Set)
            .WithName("BatchSet").WithTags("cache").WithSummary("Store several values, each with an optional TTL")
            .JsonBodyOf<BatchSetRequest>().Produces<BatchSetReply>().Produces<ApiError>(StatusCodes.Status400BadRequest)
            .Produces<ApiError>(StatusCodes.Status413PayloadTooLarge);
    }

    private static async Task<IResult> Get(HttpContext context, Node node)
    {
        bool base64 = ValueCodec.WantsBase64(context);
        var body = await JsonBody.ReadAsync(context, HttpJson.Api.BatchGetRequest);
        var keys = body.Keys ?? throw ApiException.BadJson("the body needs \"keys\": [..]");
        CheckCount(node, keys.Count);
        var keyBytes = keys.Select(k => ToKey(k)).ToArray();
        BusyGate.Check(node); // once the body is in: a script may have started while it came
        var session = new Session();
        long now = node.Store.NowMs();
        var items = CacheEndpoints.Measure(node.Metrics.Command("mget"), () =>
        {
            var found = new List<BatchGetItem>(keyBytes.Length);
            for (int i = 0; i < keyBytes.Length; i++)
            {
                var value = node.Store.GetStringWithExpiry(session, keyBytes[i], out long expireAt);
                if (value is null)
                {
                    found.Add(new BatchGetItem(keys[i], false, null, null, null));
                    continue;
                }
                var (text, encoding) = ValueCodec.ToText(value, base64);
                found.Add(new BatchGetItem(keys[i], true, text, ValueCodec.TtlSeconds(expireAt, now), encoding));
            }
            return found;
        });
        return Results.Json(new BatchGetReply(items, node.Config.NodeId), HttpJson.Api.BatchGetReply);
    }

    private static async Task<IResult> Set(HttpContext context, Node node)
    {
        if (node.IsReplica) throw ApiException.ReadOnlyReplica();
        bool base64 = ValueCodec.WantsBase64(context);
        var body = await JsonBody.ReadAsync(context, HttpJson.Api.BatchSetRequest);
        var items = body.Items ?? throw ApiException.BadJson("the body needs \"items\": [..]");
        CheckCount(node, items.Count);
        var session = new Session();
        int written;
        // The write pause is passed before "now": TTLs count from the write.
        using (await node.Pause.EnterWritesAsync(parked: false, context.RequestAborted))
        {
            long now = node.Store.NowMs();
            var writes = new (byte[] Key, byte[] Value, long ExpireAt)[items.Count];
            for (int i = 0; i < items.Count; i++)
            {
                var item = items[i] ?? throw ApiException.BadJson($"items[{i}] is null");
                writes[i] = (ToKey(item.Key ?? throw ApiException.BadKey($"items[{i}] has no \"key\"")),
                    ValueCodec.ToBytes(item.Value, base64, node.Config.HttpMaxValueBytes),
                    ValueCodec.ExpireAt(item.TtlHours, item.TtlSeconds, now));
            }
            BusyGate.Check(node); // once the body is in: a script may have started while it came
            written = CacheEndpoints.Measure(node.Metrics.Command("mset"), () =>
            {
                foreach (var (key, value, expireAt) in writes)
                {
                    if (!Resp.OomRules.Admit(node.Store)) throw new CommandError(Resp.OomRules.Error); // answered 507
                    node.Store.Set(session, key, value, SetCondition.Always, expireAt, false, out _);
                }
                return writes.Length;
            });
        }
        await CacheEndpoints.WaitForCommitAsync(node, session);
        return Results.Json(new BatchSetReply(written, node.Config.NodeId), HttpJson.Api.BatchSetReply);
    }

    private static byte[] ToKey(string? key)
        => string.IsNullOrEmpty(key) ? throw ApiException.BadKey("a key is null or empty") : Encoding.UTF8.GetBytes(key);

    private static void CheckCount(Node node, int count)
    {
        if (count > node.Config.HttpMaxBatchItems)
            throw new ApiException(StatusCodes.Status413PayloadTooLarge, ErrorCodes.TooManyItems,
                $"{count} items; http.max_batch_items is {node.Config.HttpMaxBatchItems}");
    }
}
