using System.Text;
using HyperCache.EndToEnd.Tests.Infrastructure;
using StackExchange.Redis;

namespace HyperCache.EndToEnd.Tests;

/// <summary>Keys and values are byte strings: every byte 0..255, CR LF and NUL included.</summary>
[Collection(StringsCollection.Name)]
public sealed class BinarySafetyTests(NodeFixture node) : E2ETest(node)
{
    private static readonly byte[] AllBytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

    private byte[] KeyBytes(params byte[] suffix) => [.. Encoding.ASCII.GetBytes(Prefix), .. suffix];

    [Fact]
    public void Value_with_every_byte_round_trips_through_the_client_library()
    {
        var db = Node.Db();
        var key = K();
        Assert.True(db.StringSet(key, AllBytes));
        byte[]? back = db.StringGet(key);
        Assert.Equal(AllBytes, back);
        Assert.Equal(256, db.StringLength(key));
    }

    [Fact]
    public void Key_with_every_byte_round_trips_through_the_client_library()
    {
        var db = Node.Db();
        RedisKey key = KeyBytes(AllBytes);
        Assert.True(db.StringSet(key, "v"));
        Assert.True(db.KeyExists(key));
        Assert.Equal("v", (string?)db.StringGet(key));
        // A key that differs only in its last byte is another key.
        RedisKey other = KeyBytes([.. AllBytes[..255], 0]);
        Assert.False(db.KeyExists(other));
        Assert.True(db.KeyDelete(key));
        Assert.False(db.KeyExists(key));
    }

    [Fact]
    public void Keys_differing_only_after_a_nul_byte_are_distinct()
    {
        var db = Node.Db();
        RedisKey a = KeyBytes(0x61, 0x00, 0x62);
        RedisKey b = KeyBytes(0x61, 0x00, 0x63);
        RedisKey c = KeyBytes(0x61);
        db.StringSet(a, "1");
        db.StringSet(b, "2");
        Assert.Equal("1", (string?)db.StringGet(a));
        Assert.Equal("2", (string?)db.StringGet(b));
        Assert.False(db.KeyExists(c));
    }

    [Fact]
    public void Value_with_crlf_and_nul_is_returned_with_its_exact_length()
    {
        var value = "a\r\nb\0c\r\n$3\r\n*1\r\n";
        Expect(Resp.Ok, "SET", K(), value);
        Expect($"${value.Length}\r\n{value}\r\n", "GET", K());
        Expect(Resp.Int(value.Length), "STRLEN", K());
    }

    [Fact]
    public void Key_with_crlf_and_nul_works_with_key_commands()
    {
        var key = K("x\r\ny\0z");
        Expect(Resp.Ok, "SET", key, "v");
        Expect(Resp.Int(1), "EXISTS", key);
        Expect(Resp.Bulk("v"), "GET", key);
        Expect(Resp.Int(0), "EXISTS", K("x\r\ny"));
        Expect(Resp.Ok, "RENAME", key, key + "\0");
        Expect(Resp.Bulk("v"), "GET", key + "\0");
        Expect(Resp.Int(1), "DEL", key + "\0");
    }

    [Fact]
    public void Append_getrange_and_setrange_are_byte_exact()
    {
        Expect(Resp.Int(3), "APPEND", K(), "\0\r\n");
        Expect(Resp.Int(6), "APPEND", K(), "\u00ff\u0080\0");
        Expect(Resp.Bulk("\r\n\u00ff"), "GETRANGE", K(), "1", "3");
        Expect(Resp.Int(6), "SETRANGE", K(), "0", "\u00fe");
        Expect(Resp.Bulk("\u00fe\r\n\u00ff\u0080\0"), "GET", K());
    }

    [Fact]
    public void Mset_and_mget_with_binary_values()
    {
        var db = Node.Db();
        var pairs = Enumerable.Range(0, 16)
            .Select(i => new KeyValuePair<RedisKey, RedisValue>(K(i.ToString()), AllBytes[(i * 16)..(i * 16 + 16)]))
            .ToArray();
        Assert.True(db.StringSet(pairs));
        var values = db.StringGet(pairs.Select(p => p.Key).ToArray());
        for (var i = 0; i < pairs.Length; i++)
        {
            Assert.Equal((byte[]?)pairs[i].Value, (byte[]?)values[i]);
        }
    }

    [Fact]
    public void One_megabyte_random_value_round_trips()
    {
        var data = new byte[1024 * 1024];
        new Random(12345).NextBytes(data);
        var db = Node.Db();
        Assert.True(db.StringSet(K(), data));
        Assert.Equal(data, (byte[]?)db.StringGet(K()));
        Assert.Equal(data.Length, db.StringLength(K()));
        Assert.Equal(data[1000..1010], (byte[]?)db.StringGetRange(K(), 1000, 1009));
    }

    [Fact]
    public void Empty_key_is_a_valid_key()
    {
        // Only used in this collection's server, with a unique value, and removed at the end.
        Expect(Resp.Ok, "SET", "", Prefix);
        Expect(Resp.Bulk(Prefix), "GET", "");
        Expect(Resp.Int(1), "DEL", "");
    }
}
