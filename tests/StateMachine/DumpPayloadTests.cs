using System.Buffers.Binary;
using HyperCache.StateMachine.Dump;
using HyperCache.StateMachine.Values;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>The DUMP payload codec on its own: the CRC, LZF, the packed encodings, round trips and hostile payloads.</summary>
public class DumpPayloadTests
{
    [Fact]
    public void Crc64_is_redis_s_variant()
    {
        Assert.Equal(0xe9c6d914c4b8d9caUL, Crc64.Compute("123456789"u8));
        // redis-server 7.0.15: SET k v; DUMP k
        byte[] payload = Convert.FromHexString("0001760A009108CEB219388ACE");
        Assert.Equal("v", Text(Assert.IsType<byte[]>(DumpDecoder.Decode(DumpDecoder.VerifyFooter(payload)))));
        Assert.Equal(payload, DumpEncoder.Encode(Of("v")));
    }

    [Fact]
    public void A_bad_footer_or_a_newer_version_is_refused_as_redis_refuses_it()
    {
        var payload = DumpEncoder.Encode(Of("v"));
        var flipped = (byte[])payload.Clone();
        flipped[^1] ^= 1;
        var newer = WithFooter([0x00, 0x01, (byte)'v'], version: 11);
        foreach (var bad in new[] { flipped, newer, payload[..9], [] })
            Assert.Equal(DumpFormatException.BadFooter, Assert.Throws<DumpFormatException>(() => DumpDecoder.VerifyFooter(bad)).Message);
    }

    [Fact]
    public void Strings_read_in_every_encoding()
    {
        Assert.Equal("-5", Text((byte[])Decode([0x00, 0xC0, 0xFB])));
        Assert.Equal("300", Text((byte[])Decode([0x00, 0xC1, 0x2C, 0x01])));
        Assert.Equal("-70000", Text((byte[])Decode([0x00, 0xC2, 0x90, 0xEE, 0xFE, 0xFF])));
        // LZF: literal "ab", then a back-reference of length 8 at distance 2 -> "ababababab"
        Assert.Equal("ababababab", Text((byte[])Decode([0x00, 0xC3, 0x05, 0x0A, 0x01, (byte)'a', (byte)'b', 0xC0, 0x01])));
        var big = new string('x', 20000);
        Assert.Equal(big, Text((byte[])Decode([0x00, 0x80, 0x00, 0x00, 0x4E, 0x20, .. Of(big)])));
    }

    [Fact]
    public void Packed_encodings_decode_to_their_elements()
    {
        // listpack: "a", 5 (7-bit), -2 (13-bit), 1000 (int16)
        byte[] listpack = [0, 0, 0, 0, 4, 0, 0x81, (byte)'a', 2, 0x05, 1, 0xDF, 0xFE, 2, 0xF1, 0xE8, 0x03, 3, 0xFF];
        BinaryPrimitives.WriteUInt32LittleEndian(listpack, (uint)listpack.Length);
        var list = Assert.IsType<ListValue>(Decode([RdbType.ListQuicklist2, 0x01, 0x02, (byte)listpack.Length, .. listpack]));
        Assert.Equal(["a", "5", "-2", "1000"], Enumerable.Range(0, list.Length).Select(i => Text(list[i])));

        // ziplist: "bb", 12 (immediate), 300 (int16)
        byte[] ziplist = [0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x00, 0x02, (byte)'b', (byte)'b', 0x04, 0xFD, 0x02, 0xC0, 0x2C, 0x01, 0xFF];
        BinaryPrimitives.WriteUInt32LittleEndian(ziplist, (uint)ziplist.Length);
        var old = Assert.IsType<ListValue>(Decode([RdbType.ListZiplist, (byte)ziplist.Length, .. ziplist]));
        Assert.Equal(["bb", "12", "300"], Enumerable.Range(0, old.Length).Select(i => Text(old[i])));

        // intset of 64-bit integers
        byte[] intset = [8, 0, 0, 0, 2, 0, 0, 0, .. BitConverter.GetBytes(-1L), .. BitConverter.GetBytes(5_000_000_000L)];
        var set = Assert.IsType<SetValue>(Decode([RdbType.SetIntset, (byte)intset.Length, .. intset]));
        Assert.Equal(["-1", "5000000000"], set.Members().Select(Text));

        // zipmap: f -> vv (one byte of padding)
        byte[] zipmap = [1, 1, (byte)'f', 2, 1, (byte)'v', (byte)'v', 0, 0xFF];
        var hash = Assert.IsType<HashValue>(Decode([RdbType.HashZipmap, (byte)zipmap.Length, .. zipmap]));
        Assert.True(hash.TryGet(Of("f"), out var value));
        Assert.Equal("vv", Text(value.ToArray()));
    }

    [Fact]
    public void Every_type_round_trips_through_the_encoder()
    {
        var list = new ListValue();
        for (int i = 0; i < 3000; i++) list.Push(ListSide.Right, Of("e" + i));
        var hash = new HashValue();
        for (int i = 0; i < 700; i++) hash.Set(Of("f" + i), Of(new string('v', i % 90)));
        var set = new SetValue();
        foreach (var m in new[] { "1", "-40000", "9000000000", "x" }) set.Add(Of(m));
        var zset = new ZSetValue();
        zset.Set(double.NegativeInfinity, Of("a"));
        zset.Set(1.5, Of("b"));
        zset.Set(double.PositiveInfinity, Of("c"));
        foreach (CollectionValue value in new CollectionValue[] { list, hash, set, zset })
        {
            var back = Assert.IsAssignableFrom<CollectionValue>(DumpDecoder.Decode(DumpDecoder.VerifyFooter(DumpEncoder.Encode(value))));
            Assert.Equal(Digest(value), Digest(back));
            Assert.Equal(value.Encoding, back.Encoding);
        }
        var text = new byte[100_000];
        new Random(1).NextBytes(text);
        Assert.Equal(text, DumpDecoder.Decode(DumpDecoder.VerifyFooter(DumpEncoder.Encode(text))));
    }

    [Fact]
    public void Streams_round_trip_with_groups_consumers_and_pending_entries()
    {
        var stream = new StreamValue();
        for (int i = 1; i <= 250; i++)
            stream.Add(new StreamId((ulong)(1000 + i / 3), (ulong)(i % 3)), i % 7 == 0 ? [Of("other"), Of("x" + i)] : [Of("f"), Of("v" + i), Of("g"), Of(i.ToString())]);
        stream.Delete(new StreamId(1010, 1));
        stream.CreateGroup(Of("g1"), new StreamId(1050, 0), 140);
        stream.CreateGroup(Of("empty"), StreamId.Zero, StreamGroup.EntriesReadUnknown);
        var group = stream.Group(Of("g1"))!;
        var alice = group.GetOrAddConsumer(Of("alice"), 5000, out _);
        group.GetOrAddConsumer(Of("bob"), 6000, out _);
        group.Assign(new StreamId(1001, 0), alice, 4000, 3);
        group.Assign(new StreamId(1020, 2), alice, 4500, 1);
        stream.GroupChanged();
        // Redis 7.0's payload has no active time: a consumer read back is taken as active when last seen (as
        // Redis 7.2 loads such a payload), so the digests compare once the source says so too.
        foreach (var consumer in group.Consumers.Values) consumer.ActiveTime = consumer.SeenTime;

        var back = Assert.IsType<StreamValue>(DumpDecoder.Decode(DumpDecoder.VerifyFooter(DumpEncoder.Encode(stream))));
        Assert.Equal(Digest(stream), Digest(back));
        Assert.Equal(249, back.Count);
        var g1 = back.Group(Of("g1"))!;
        Assert.Equal(140, g1.EntriesRead);
        Assert.Equal(StreamGroup.EntriesReadUnknown, back.Group(Of("empty"))!.EntriesRead);
        Assert.Equal([new StreamId(1001, 0), new StreamId(1020, 2)], g1.Consumer(Of("alice"))!.Pending.Select(p => p.Id));
        Assert.Equal(3, g1.FindPending(new StreamId(1001, 0))!.DeliveryCount);
        Assert.Equal(6000, g1.Consumer(Of("bob"))!.SeenTime);

        var empty = Assert.IsType<StreamValue>(DumpDecoder.Decode(DumpDecoder.VerifyFooter(DumpEncoder.Encode(new StreamValue()))));
        Assert.Equal(0, empty.Count);
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0x05, (byte)'a' })]                                 // string longer than the payload
    [InlineData(new byte[] { 0x00, 0xC3, 0x02, 0x80, 0x7F, 0xFF, 0xFF, 0xFF, 0x00, 0x00 })] // LZF claiming a huge output
    [InlineData(new byte[] { 0x00, 0xC3, 0x02, 0x05, 0x20, 0x00 })]                   // LZF reference before the start
    [InlineData(new byte[] { 0x01, 0x80, 0x7F, 0xFF, 0xFF, 0xFF })]                   // a list claiming 2^31 elements
    [InlineData(new byte[] { 0x01, 0x00 })]                                           // an empty list
    [InlineData(new byte[] { 0x02, 0x02, 0x01, (byte)'a', 0x01, (byte)'a' })]         // a set member twice
    [InlineData(new byte[] { 0x05, 0x01, 0x01, (byte)'a', 0, 0, 0, 0, 0, 0, 0xF8, 0x7F })] // a NaN score
    [InlineData(new byte[] { 0x10, 0x03, 1, 2, 3 })]                                   // a listpack with a bad header
    [InlineData(new byte[] { 0x07, 0x01 })]                                            // a module type
    [InlineData(new byte[] { 0x63 })]                                                  // an unknown type
    [InlineData(new byte[] { })]                                                       // nothing
    public void Malformed_bodies_are_bad_data_format(byte[] body)
    {
        Assert.Equal(DumpFormatException.BadFormat, Assert.Throws<DumpFormatException>(() => DumpDecoder.Decode(DumpDecoder.VerifyFooter(WithFooter(body)))).Message);
    }

    private static object Decode(byte[] body) => DumpDecoder.Decode(DumpDecoder.VerifyFooter(WithFooter(body)));

    internal static byte[] WithFooter(byte[] body, int version = RdbType.Version)
    {
        var payload = new byte[body.Length + 10];
        body.CopyTo(payload, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(body.Length), (ushort)version);
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(body.Length + 2), Crc64.Compute(payload.AsSpan(0, body.Length + 2)));
        return payload;
    }

    private static ulong Digest(CollectionValue value)
    {
        var hash = new System.IO.Hashing.XxHash3();
        value.AppendDigest(hash);
        return hash.GetCurrentHashAsUInt64();
    }
}
