using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace HyperCache.Frontends.Http;

/// <summary>Reads a JSON request body: content type checked (415), size bounded by Kestrel (413), syntax (400).</summary>
public static class JsonBody
{
    public static async Task<T> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type) where T : class
    {
        if (!IsJson(context.Request.ContentType))
            throw new ApiException(StatusCodes.Status415UnsupportedMediaType, ErrorCodes.UnsupportedMediaType,
                $"the body must be JSON (Content-Type: application/json), not {context.Request.ContentType}");
        T? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted);
        }
        catch (JsonException e)
        {
            throw ApiException.BadJson("the body is not valid JSON for this route: " + e.Message);
        }
        return body ?? throw ApiException.BadJson("the body must be a JSON object, not null");
    }

    /// <summary>
    /// application/json and any <c>+json</c> type. No content type, and curl's default for <c>-d</c>
    /// (application/x-www-form-urlencoded), are read as JSON too: the seed README's curl examples send that.
    /// </summary>
    public static bool IsJson(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType)) return true;
        var media = contentType.AsSpan();
        int semicolon = media.IndexOf(';');
        if (semicolon >= 0) media = media[..semicolon];
        media = media.Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase)
            || media.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);
    }
}
