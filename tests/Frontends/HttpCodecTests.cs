using System.Text;
using System.Text.Json;
using HyperCache.Frontends.Http;

namespace HyperCache.Frontends.Tests;

public class HttpCodecTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a/b/c", "a/b/c")]
    [InlineData("a%2Fb", "a/b")]
    [InlineData("with%20space", "with space")]
    [InlineData("%C3%A9t%C3%A9", "été")]
    [InlineData("%25", "%")]
    [InlineData("é", "é")]
    public void Keys_are_percent_decoded_to_bytes(string raw, string expected)
        => Assert.Equal(Encoding.UTF8.GetBytes(expected), CacheKey.Decode(raw));

    [Fact]
    public void A_percent_escape_may_be_any_byte()
        => Assert.Equal(new byte[] { (byte)'k', 0xFF, 0x80 }, CacheKey.Decode("k%ff%80"));

    [Theory]
    [InlineData("%")]
    [InlineData("%4")]
    [InlineData("%zz")]
    public void A_malformed_escape_is_a_bad_key(string raw)
    {
        var e = Assert.Throws<ApiException>(() => CacheKey.Decode(raw));
        Assert.Equal(ErrorCodes.BadKey, e.Code);
        Assert.Equal(400, e.Status);
    }

    [Fact]
    public void Json_strings_are_stored_as_utf8_and_other_values_as_compact_json()
    {
        Assert.Equal("héllo"u8.ToArray(), ValueCodec.ToBytes(Element("\"héllo\""), false, 100));
        Assert.Equal("""{"a":[1,2]}"""u8.ToArray(), ValueCodec.ToBytes(Element("""{ "a" : [ 1, 2 ] }"""), false, 100));
        Assert.Equal("12.50"u8.ToArray(), ValueCodec.ToBytes(Element("12.50"), false, 100)); // number text kept as sent
        Assert.Equal(new byte[] { 0xFF, 0 }, ValueCodec.ToBytes(Element("\"/wA=\""), true, 100));
    }

    [Fact]
    public void Values_over_the_limit_are_a_413()
    {
        var e = Assert.Throws<ApiException>(() => ValueCodec.ToBytes(Element("\"12345\""), false, 4));
        Assert.Equal(413, e.Status);
        Assert.Equal(ErrorCodes.ValueTooLarge, e.Code);
    }

    [Fact]
    public void Text_that_is_not_utf8_comes_back_as_base64()
    {
        Assert.Equal(("héllo", null), ValueCodec.ToText("héllo"u8.ToArray(), false));
        Assert.Equal(("/wA=", "base64"), ValueCodec.ToText([0xFF, 0], false));
        Assert.Equal(("aGk=", "base64"), ValueCodec.ToText("hi"u8.ToArray(), true));
    }

    [Fact]
    public void Ttls_become_absolute_expiry_times()
    {
        Assert.Equal(0, ValueCodec.ExpireAt(null, null, 1000));
        Assert.Equal(1000 + 3_600_000, ValueCodec.ExpireAt(1, null, 1000));
        Assert.Equal(1000 + 1_800_000, ValueCodec.ExpireAt(0.5, null, 1000));
        Assert.Equal(1000 + 1500, ValueCodec.ExpireAt(null, 1.5, 1000));
        foreach (var (hours, seconds) in new (double?, double?)[] { (0, null), (-1, null), (null, 0), (null, double.NaN), (1, 1), (null, 1e13) })
            Assert.Equal(ErrorCodes.BadTtl, Assert.Throws<ApiException>(() => ValueCodec.ExpireAt(hours, seconds, 1000)).Code);
        Assert.Null(ValueCodec.TtlSeconds(0, 1000));
        Assert.Equal(60, ValueCodec.TtlSeconds(61_000 - 499, 1000)); // rounds like Redis's TTL
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("application/json", true)]
    [InlineData("application/json; charset=utf-8", true)]
    [InlineData("application/merge-patch+json", true)]
    [InlineData("application/x-www-form-urlencoded", true)]
    [InlineData("text/plain", false)]
    [InlineData("application/xml", false)]
    [InlineData("multipart/form-data; boundary=x", false)]
    public void What_counts_as_a_json_body(string? contentType, bool json) => Assert.Equal(json, JsonBody.IsJson(contentType));

    private static JsonElement Element(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
