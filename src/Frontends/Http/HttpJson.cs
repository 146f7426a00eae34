using System.Text.Json;
using System.Text.Json.Serialization;

namespace HyperCache.Frontends.Http;

// The HTTP API's request and reply bodies. Field names are snake_case, as the seed's API documented them.

/// <summary>PUT /api/cache/{key}: <c>value</c> is any JSON (a string is stored as its UTF-8 bytes, anything else as
/// its JSON text); at most one of <c>ttl_hours</c> and <c>ttl_seconds</c>; neither means no expiry.</summary>
public sealed record PutRequest(JsonElement Value, double? TtlHours = null, double? TtlSeconds = null);

public sealed record PutReply(string Key, bool Stored, long? TtlSeconds, string Node);

public sealed record GetReply(string Key, string Value, long? TtlSeconds, string Node, string? Encoding);

public sealed record DeleteReply(bool Deleted, string Key, string Node);

public sealed record BatchGetRequest(List<string>? Keys);

public sealed record BatchGetItem(string Key, bool Found, string? Value, long? TtlSeconds, string? Encoding);

public sealed record BatchGetReply(List<BatchGetItem> Items, string Node);

public sealed record BatchSetItem(string? Key, JsonElement Value, double? TtlHours = null, double? TtlSeconds = null);

public sealed record BatchSetRequest(List<BatchSetItem>? Items);

public sealed record BatchSetReply(int Stored, string Node);

/// <summary>Every error: a stable machine-readable code (<see cref="ErrorCodes"/>) and a human message.</summary>
public sealed record ApiError(string Error, string Message);

public sealed record HealthReply(bool Healthy, string Node);

public sealed record ReadyReply(bool Ready, string Node, long RecoveredEntries);

public sealed record MemoryStats(long UsedBytes, long RssBytes, long MaxBytes, string Policy);

public sealed record LogStats(bool Enabled, string Durability, long BeginAddress, long CommittedAddress, long TailAddress,
    long SizeBytes, long RecoveredEntries);

public sealed record StatsReply(
    string Node,
    long UptimeSeconds,
    long Keys,
    Dictionary<string, long> KeysByDb,
    MemoryStats Memory,
    long Hits,
    long Misses,
    double HitRatio,
    long Evictions,
    long ExpiredKeys,
    int ConnectedClients,
    long TotalCommands,
    Dictionary<string, long> OpsByCommand,
    LogStats Log);

public sealed record ConfigReply(string Node, Dictionary<string, string> Settings);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(PutRequest))]
[JsonSerializable(typeof(PutReply))]
[JsonSerializable(typeof(GetReply))]
[JsonSerializable(typeof(DeleteReply))]
[JsonSerializable(typeof(BatchGetRequest))]
[JsonSerializable(typeof(BatchGetReply))]
[JsonSerializable(typeof(BatchSetRequest))]
[JsonSerializable(typeof(BatchSetReply))]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(HealthReply))]
[JsonSerializable(typeof(ReadyReply))]
[JsonSerializable(typeof(StatsReply))]
[JsonSerializable(typeof(ConfigReply))]
public sealed partial class HttpJson : JsonSerializerContext
{
    /// <summary>The context the API writes with: like <see cref="Default"/>, but without escaping quotes, '&lt;' or
    /// non-ASCII as \uXXXX (safe for application/json; these replies are never embedded in HTML).</summary>
    public static HttpJson Api { get; } = new(Configure(new JsonSerializerOptions()));

    /// <summary>The API's settings, also given to ASP.NET's JSON options so the OpenAPI schemas match the wire.</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        return options;
    }
}
