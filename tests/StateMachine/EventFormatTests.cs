using System.Buffers;
using HyperCache.Log;
using HyperCache.StateMachine.Events;
using MessagePack;

namespace HyperCache.StateMachine.Tests;

/// <summary>Our event codec writes and reads real MessagePack: checked both ways against the MessagePack library.</summary>
public class EventFormatTests
{
    private static readonly long[] Integers = [0, 1, 127, 128, 255, 256, -1, -32, -33, -128, -129, 65535, 65536, int.MaxValue, int.MinValue, (long)int.MaxValue + 1, long.MaxValue, long.MinValue];
    private static readonly int[] Lengths = [0, 1, 255, 256, 65535, 65536, 70000];

    [Fact]
    public void What_we_write_MessagePack_reads()
    {
        var buffer = EventBuffer.Start(EventKind.Set);
        buffer.WriteArrayHeader(Integers.Length + Lengths.Length);
        foreach (long n in Integers) buffer.Write(n);
        foreach (int length in Lengths) buffer.Write(Pattern(length));
        var reader = new MessagePackReader(buffer.Body.ToArray());
        Assert.Equal(Integers.Length + Lengths.Length, reader.ReadArrayHeader());
        foreach (long n in Integers) Assert.Equal(n, reader.ReadInt64());
        foreach (int length in Lengths) Assert.Equal(Pattern(length), reader.ReadBytes()!.Value.ToArray());
        Assert.True(reader.End);
        Assert.Equal(EntryHeader.Size + buffer.Body.Length, buffer.Entry.Length);
    }

    [Fact]
    public void What_MessagePack_writes_we_read()
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);
        writer.WriteArrayHeader(70000); // array32 header
        foreach (long n in Integers) writer.Write(n);
        foreach (ulong n in new ulong[] { 200, 60000, 4_000_000_000 }) writer.Write(n); // uint encodings
        foreach (int length in Lengths) writer.Write(Pattern(length));
        writer.Flush();
        var reader = new EventReader(output.WrittenSpan);
        Assert.Equal(70000, reader.ReadArrayHeader());
        foreach (long n in Integers) Assert.Equal(n, reader.ReadInt64());
        foreach (long n in new long[] { 200, 60000, 4_000_000_000 }) Assert.Equal(n, reader.ReadInt64());
        foreach (int length in Lengths) Assert.Equal(Pattern(length), reader.ReadBytes().ToArray());
    }

    [Fact]
    public void A_truncated_body_is_an_error_not_garbage()
    {
        var buffer = EventBuffer.Start(EventKind.Set);
        buffer.WriteArrayHeader(1);
        buffer.Write(Pattern(300));
        var cut = buffer.Body[..100].ToArray();
        Assert.Throws<InvalidDataException>(() =>
        {
            var reader = new EventReader(cut);
            reader.ReadArrayHeader();
            reader.ReadBytes();
        });
    }

    private static byte[] Pattern(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();
}
