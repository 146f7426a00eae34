using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using HyperCache.Frontends.Resp;

namespace HyperCache.Frontends.Tests;

/// <summary>The RESP3 reply types and their RESP2 fallbacks, byte for byte (as Redis 7.0 writes them).</summary>
public class RespWriterTests
{
    private static string Write(int protocol, Action<RespWriter> write)
    {
        var pipe = new Pipe();
        var writer = new RespWriter { Protocol = protocol };
        writer.Attach(pipe.Writer);
        write(writer);
        writer.Commit();
        pipe.Writer.Complete();
        var read = pipe.Reader.ReadAsync().AsTask().Result;
        return Encoding.Latin1.GetString(read.Buffer.ToArray());
    }

    [Theory]
    [InlineData(2, "*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n")]
    [InlineData(3, "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n")]
    public void Map(int protocol, string expected) => Assert.Equal(expected, Write(protocol, w =>
    {
        w.MapHeader(2);
        w.Bulk("a"u8); w.Integer(1);
        w.Bulk("b"u8); w.Integer(2);
    }));

    [Theory]
    [InlineData(2, "*2\r\n$1\r\nx\r\n$1\r\ny\r\n")]
    [InlineData(3, "~2\r\n$1\r\nx\r\n$1\r\ny\r\n")]
    public void Set(int protocol, string expected) => Assert.Equal(expected, Write(protocol, w =>
    {
        w.SetHeader(2);
        w.Bulk("x"u8);
        w.Bulk("y"u8);
    }));

    [Fact]
    public void Bulks_of_every_size_around_the_small_path_and_across_chunks_come_out_whole()
    {
        // Small bulks go out in one reservation, larger ones in three; a run of them crosses many 4 KB chunks.
        var sizes = Enumerable.Range(0, 1100).Concat([4095, 4096, 4097, 70_000]).ToArray();
        var expected = new StringBuilder();
        string written = Write(2, w =>
        {
            foreach (int size in sizes)
            {
                var value = Enumerable.Range(0, size).Select(i => (byte)('a' + (size + i) % 26)).ToArray();
                w.Bulk(value);
                expected.Append('$').Append(size).Append("\r\n").Append(Encoding.Latin1.GetString(value)).Append("\r\n");
            }
        });
        Assert.Equal(expected.ToString(), written);
    }

    [Theory]
    [InlineData(2, 1.5, "$3\r\n1.5\r\n")]
    [InlineData(3, 1.5, ",1.5\r\n")]
    [InlineData(3, double.PositiveInfinity, ",inf\r\n")]
    [InlineData(3, double.NegativeInfinity, ",-inf\r\n")]
    [InlineData(2, double.NegativeInfinity, "$4\r\n-inf\r\n")]
    public void Double(int protocol, double value, string expected) => Assert.Equal(expected, Write(protocol, w => w.Double(value)));

    [Theory]
    [InlineData(2, "$-1\r\n*-1\r\n")]
    [InlineData(3, "_\r\n_\r\n")]
    public void Nulls(int protocol, string expected) => Assert.Equal(expected, Write(protocol, w =>
    {
        w.NullBulk();
        w.NullArray();
    }));

    [Theory]
    [InlineData(2, "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n")]
    [InlineData(3, ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n")]
    public void Push(int protocol, string expected)
        => Assert.Equal(expected, Write(protocol, w => new PubSubMessage(null, "ch"u8.ToArray(), "hi"u8.ToArray()).WriteTo(w)));

    [Fact]
    public void One_message_shared_by_receivers_of_both_protocols_gives_each_its_own_encoding()
    {
        var message = new PubSubMessage("p*"u8.ToArray(), "ch"u8.ToArray(), "hi"u8.ToArray());
        const string Resp2 = "*4\r\n$8\r\npmessage\r\n$2\r\np*\r\n$2\r\nch\r\n$2\r\nhi\r\n";
        Assert.Equal(Resp2, Write(2, message.WriteTo));
        Assert.Equal(">4" + Resp2[2..], Write(3, message.WriteTo));
        Assert.Equal(Resp2, Write(2, message.WriteTo));
        var shard = new PubSubMessage(null, "ch"u8.ToArray(), "hi"u8.ToArray(), sharded: true);
        Assert.Equal("*3\r\n$8\r\nsmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n", Write(2, shard.WriteTo));
    }

    [Theory]
    [InlineData(2, "$5\r\nhello\r\n")]
    [InlineData(3, "=9\r\ntxt:hello\r\n")]
    public void Verbatim(int protocol, string expected) => Assert.Equal(expected, Write(protocol, w => w.Verbatim("hello")));
}
