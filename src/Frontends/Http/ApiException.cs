using Microsoft.AspNetCore.Http;

namespace HyperCache.Frontends.Http;

/// <summary>The stable <c>error</c> codes of the HTTP API. Clients match on these, never on the message.</summary>
public static class ErrorCodes
{
    public const string BadJson = "bad_json";
    public const string BadKey = "bad_key";
    public const string BadValue = "bad_value";
    public const string BadTtl = "bad_ttl";
    public const string BadEncoding = "bad_encoding";
    public const string BadRequest = "bad_request";
    public const string Unauthorized = "unauthorized";
    public const string NotFound = "not_found";
    public const string KeyNotFound = "key_not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string WrongType = "wrong_type";
    public const string ValueTooLarge = "value_too_large";
    public const string BodyTooLarge = "body_too_large";
    public const string TooManyItems = "too_many_items";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string OutOfMemory = "out_of_memory";
    /// <summary>The AOF cannot be written (Redis's MISCONF): writes are refused until the node restarts.</summary>
    public const string LogWriteFailed = "log_write_failed";
    public const string CommandFailed = "command_failed";
    public const string NotReady = "not_ready";
    public const string ReadOnlyReplica = "read_only_replica";
    /// <summary>A Lua script or function is busy (past busy-reply-threshold): Redis's BUSY.</summary>
    public const string Busy = "busy";
    public const string Internal = "internal_error";

    /// <summary>The code for a bare status (an unknown route, a wrong method) that no handler explained.</summary>
    public static string ForStatus(int status) => status switch
    {
        StatusCodes.Status400BadRequest => BadRequest,
        StatusCodes.Status401Unauthorized => Unauthorized,
        StatusCodes.Status404NotFound => NotFound,
        StatusCodes.Status405MethodNotAllowed => MethodNotAllowed,
        StatusCodes.Status413PayloadTooLarge => BodyTooLarge,
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType,
        StatusCodes.Status503ServiceUnavailable => NotReady,
        _ => status >= 500 ? Internal : BadRequest,
    };
}

/// <summary>Thrown by request handling to answer with a JSON error; <see cref="ErrorHandling"/> writes it.</summary>
public sealed class ApiException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;

    /// <summary>A write sent to a replica: it belongs on the primary (503, as "not the owner").</summary>
    public static ApiException ReadOnlyReplica() => new(StatusCodes.Status503ServiceUnavailable, ErrorCodes.ReadOnlyReplica,
        "this node is a read-only replica; write to its primary");

    public static ApiException BadJson(string message) => new(StatusCodes.Status400BadRequest, ErrorCodes.BadJson, message);
    public static ApiException BadKey(string message) => new(StatusCodes.Status400BadRequest, ErrorCodes.BadKey, message);
    public static ApiException BadValue(string message) => new(StatusCodes.Status400BadRequest, ErrorCodes.BadValue, message);
    public static ApiException BadTtl(string message) => new(StatusCodes.Status400BadRequest, ErrorCodes.BadTtl, message);
}
