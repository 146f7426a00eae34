using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace HyperCache.Frontends.Http;

/// <summary>
/// How values and TTLs cross between JSON and the store. The same key is the same value over RESP and HTTP:
/// a JSON string is stored as its UTF-8 bytes, and a value that is valid UTF-8 reads back as a JSON string.
/// Any other JSON value is stored as its compact JSON text. <c>?encoding=base64</c> carries arbitrary bytes both ways.
/// </summary>
public static class ValueCodec
{
    public const string Base64 = "base64";

    /// <summary>The <c>encoding</c> query parameter: true for base64, false when absent; anything else is a 400.</summary>
    public static bool WantsBase64(HttpContext context)
    {
        var encoding = context.Request.Query["encoding"];
        if (encoding.Count == 0) return false;
        string value = encoding.ToString();
        if (value.Equals(Base64, StringComparison.OrdinalIgnoreCase)) return true;
        if (value.Equals("utf8", StringComparison.OrdinalIgnoreCase) || value.Equals("utf-8", StringComparison.OrdinalIgnoreCase)) return false;
        throw new ApiException(StatusCodes.Status400BadRequest, ErrorCodes.BadEncoding, "encoding must be base64 or utf8");
    }

    public static byte[] ToBytes(JsonElement value, bool base64, long maxBytes)
    {
        byte[] bytes;
        switch (value.ValueKind)
        {
            case JsonValueKind.Undefined:
                throw ApiException.BadValue("the body has no \"value\"");
            case JsonValueKind.String when base64:
                if (!value.TryGetBytesFromBase64(out var decoded)) throw ApiException.BadValue("\"value\" is not valid base64");
                bytes = decoded;
                break;
            case JsonValueKind.String:
                bytes = Encoding.UTF8.GetBytes(value.GetString()!);
                break;
            default:
                if (base64) throw ApiException.BadValue("with encoding=base64, \"value\" must be a base64 string");
                bytes = CompactJson(value);
                break;
        }
        if (bytes.Length > maxBytes)
            throw new ApiException(StatusCodes.Status413PayloadTooLarge, ErrorCodes.ValueTooLarge,
                $"the value is {bytes.Length} bytes; http.max_value_bytes is {maxBytes}");
        return bytes;
    }

    /// <summary>The element as compact JSON, so equal values sent with different spacing store equal bytes.</summary>
    private static byte[] CompactJson(JsonElement value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            value.WriteTo(writer);
        return buffer.WrittenSpan.ToArray();
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The value as JSON shows it, and the encoding used when that is not plain text.</summary>
    public static (string Text, string? Encoding) ToText(byte[] value, bool base64)
    {
        if (!base64)
        {
            try
            {
                return (StrictUtf8.GetString(value), null);
            }
            catch (DecoderFallbackException)
            {
                // binary: fall through to base64 and say so
            }
        }
        return (Convert.ToBase64String(value), Base64);
    }

    /// <summary>Absolute expiry in Unix ms (0 = none) from <c>ttl_hours</c> or <c>ttl_seconds</c>.</summary>
    public static long ExpireAt(double? ttlHours, double? ttlSeconds, long nowMs)
    {
        if (ttlHours is not null && ttlSeconds is not null) throw ApiException.BadTtl("give ttl_hours or ttl_seconds, not both");
        double? seconds = ttlSeconds ?? ttlHours * 3600;
        if (seconds is not { } s) return 0;
        // Redis's limit for SET EX: the absolute time in ms must fit a 64-bit integer; 1e12 s is ~31,700 years.
        if (!(s > 0) || s > 1e12) throw ApiException.BadTtl("the TTL must be a positive number of at most 1e12 seconds");
        long ms = Math.Max(1, (long)Math.Round(s * 1000));
        return nowMs + ms;
    }

    /// <summary>Remaining whole seconds, rounded as Redis's TTL rounds; null when the key has no expiry.</summary>
    public static long? TtlSeconds(long expireAt, long nowMs)
        => expireAt == 0 ? null : Math.Max(0, (expireAt - nowMs + 500) / 1000);
}
