using System.Security.Cryptography;
using System.Text;
using HyperCache.Frontends.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace HyperCache.Frontends.Http;

/// <summary>
/// When <c>http.api_key</c> is set, every route but <c>/health</c> (which load balancers probe without
/// credentials) needs <c>Authorization: Bearer &lt;key&gt;</c>. Keys are compared as SHA-256 digests with a
/// constant-time comparison, so neither the content nor the length of the key leaks through timing.
/// </summary>
public sealed class ApiKeyAuth(RequestDelegate next, Node node, ILogger<ApiKeyAuth> logger)
{
    private readonly byte[]? _keyDigest = node.Config.HttpApiKey is { Length: > 0 } key ? SHA256.HashData(Encoding.UTF8.GetBytes(key)) : null;

    public Task InvokeAsync(HttpContext context)
    {
        if (_keyDigest is null || context.Request.Path.Equals("/health", StringComparison.Ordinal) || Authorized(context))
            return next(context);
        logger.LogWarning("HTTP {method} {path} rejected: missing or wrong API key (from {remote})",
            context.Request.Method, context.Request.Path.Value, context.Connection.RemoteIpAddress?.ToString());
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return context.Response.WriteAsJsonAsync(
            new ApiError(ErrorCodes.Unauthorized, "this node needs an API key: send Authorization: Bearer <key>"), HttpJson.Api.ApiError);
    }

    private bool Authorized(HttpContext context)
    {
        string header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header.AsSpan(scheme.Length).Trim().ToString()));
        return CryptographicOperations.FixedTimeEquals(given, _keyDigest);
    }
}
