using System.Buffers;
using System.Text;
using HyperCache.Frontends.Resp;

namespace HyperCache.Frontends.Tests;

public class SpanningCommandBufferTests
{
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes, Segment? previous = null)
        {
            Memory = bytes;
            if (previous != null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }

    /// <summary>The text cut into segments of <paramref name="size"/> bytes, as Kestrel's 4 KB blocks cut a batch.</summary>
    private static ReadOnlySequence<byte> Split(string text, int size)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        Segment? first = null, last = null;
        for (int at = 0; at < bytes.Length; at += size)
        {
            last = new Segment(bytes[at..Math.Min(bytes.Length, at + size)], last);
            first ??= last;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    [Fact]
    public void A_command_split_over_segments_parses_from_the_copy()
    {
        var spanning = new SpanningCommandBuffer();
        var parser = new RespParser(new RespLimits());
        var args = new CommandArgs();
        const string command = "*5\r\n$4\r\nMSET\r\n$2\r\nk1\r\n$5\r\nhello\r\n$2\r\nk2\r\n$5\r\nworld\r\n";

        var copy = spanning.Copy(Split(command, 7));

        Assert.Equal(ParseStatus.Complete, parser.TryParse(copy, args, out int used, out _));
        Assert.Equal(command.Length, used);
        Assert.Equal(["MSET", "k1", "hello", "k2", "world"], Enumerable.Range(0, args.Count).Select(args.Text));
    }

    [Fact]
    public void Small_commands_reuse_one_buffer_and_big_ones_get_their_own()
    {
        var spanning = new SpanningCommandBuffer();
        var first = spanning.Copy(Split(new string('a', 3000), 1000));
        var second = spanning.Copy(Split(new string('b', 2000), 1000));
        Assert.True(MemoryMarshalArray(first) == MemoryMarshalArray(second), "the kept buffer is reused");
        Assert.Equal(new string('b', 2000), Encoding.ASCII.GetString(second.Span));

        var big = spanning.Copy(Split(new string('c', SpanningCommandBuffer.KeepLimit + 1), 4096));
        Assert.False(MemoryMarshalArray(big) == MemoryMarshalArray(second));
        Assert.Equal(SpanningCommandBuffer.KeepLimit + 1, big.Length);
        var after = spanning.Copy(Split("xyz", 2));
        Assert.True(MemoryMarshalArray(after) == MemoryMarshalArray(second), "a big command does not replace the kept buffer");
    }

    [Fact]
    public void A_big_command_borrows_a_pooled_array_and_gives_it_back_when_its_batch_has_run()
    {
        var spanning = new SpanningCommandBuffer();
        var big = spanning.Copy(Split(new string('c', SpanningCommandBuffer.KeepLimit + 1), 4096));
        var borrowed = MemoryMarshalArray(big);
        Assert.Equal(new string('c', SpanningCommandBuffer.KeepLimit + 1), Encoding.ASCII.GetString(big.Span));

        spanning.Release();
        var rentedAgain = System.Buffers.ArrayPool<byte>.Shared.Rent(SpanningCommandBuffer.KeepLimit + 1);
        Assert.Same(borrowed, rentedAgain); // the pool's per-thread slot holds what Release gave back
        System.Buffers.ArrayPool<byte>.Shared.Return(rentedAgain);
    }

    private static byte[] MemoryMarshalArray(ReadOnlyMemory<byte> memory)
        => System.Runtime.InteropServices.MemoryMarshal.TryGetArray(memory, out var segment) ? segment.Array! : [];
}
