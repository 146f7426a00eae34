using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace HyperCache.Frontends.Http;

/// <summary>
/// The key of a <c>/api/cache/{**key}</c> request, as bytes. It is taken from the raw request target, not from
/// the routed value: the router leaves <c>%2F</c> encoded and cannot carry bytes that are not UTF-8, while keys
/// are binary-safe. So <c>/api/cache/a/b</c> is the key <c>a/b</c>, <c>a%2Fb</c> is also <c>a/b</c>, and
/// <c>%FF%00</c> is the two bytes FF 00.
/// </summary>
public static class CacheKey
{
    public const string RoutePrefix = "/api/cache/";

    public static byte[] FromRequest(HttpContext context)
    {
        string target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "";
        int query = target.IndexOf('?');
        if (query >= 0) target = target[..query];
        int start = target.IndexOf(RoutePrefix, StringComparison.OrdinalIgnoreCase); // routing ignores case too
        if (start < 0) throw ApiException.BadKey("the key is missing: use /api/cache/<key>");
        var key = Decode(target.AsSpan(start + RoutePrefix.Length));
        if (key.Length == 0) throw ApiException.BadKey("the key is empty: use /api/cache/<key>");
        return key;
    }

    /// <summary>Percent-decodes to bytes; other characters are taken as UTF-8.</summary>
    public static byte[] Decode(ReadOnlySpan<char> text)
    {
        var bytes = new List<byte>(text.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '%')
            {
                if (i + 2 >= text.Length || !IsHex(text[i + 1]) || !IsHex(text[i + 2]))
                    throw ApiException.BadKey("the key has a malformed percent-escape");
                bytes.Add((byte)(Convert.FromHexString(text.Slice(i + 1, 2))[0]));
                i += 2;
            }
            else if (c < 0x80)
            {
                bytes.Add((byte)c);
            }
            else
            {
                int length = char.IsHighSurrogate(c) && i + 1 < text.Length
                    ? Encoding.UTF8.GetBytes(text.Slice(i++, 2), utf8)
                    : Encoding.UTF8.GetBytes(text.Slice(i, 1), utf8);
                for (int j = 0; j < length; j++) bytes.Add(utf8[j]);
            }
        }
        return bytes.ToArray();
    }

    /// <summary>A key as JSON shows it: its UTF-8 text (bytes that are not UTF-8 become U+FFFD).</summary>
    public static string Display(byte[] key) => Encoding.UTF8.GetString(key);

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);
}
