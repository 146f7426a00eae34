using System.Buffers;
using HyperCache.Frontends.Transport;

namespace HyperCache.Frontends.Tests;

/// <summary>The epoll transport's send bookkeeping: partial writes, EAGAIN, errors, multi-segment buffers.</summary>
public sealed class SocketSendTests
{
    /// <summary>A kernel that takes at most <c>chunk</c> bytes per call and <c>room</c> in all, then says EAGAIN
    /// (or fails with <c>failWith</c>); records what it took.</summary>
    private struct FakeSocket(int chunk, int room, int failWith = 0, int interruptEvery = 0) : IRawSender
    {
        public List<byte> Taken = [];
        private int _calls;

        public int Calls => _calls;

        // Takes up to `chunk` bytes across the segments, as sendmsg takes what fits from its pieces.
        public long Send(in ReadOnlySequence<byte> data)
        {
            _calls++;
            if (interruptEvery > 0 && _calls % interruptEvery == 0) return -4; // EINTR
            int free = room - Taken.Count;
            if (free == 0) return failWith != 0 ? -failWith : -11; // EAGAIN
            int n = (int)Math.Min(Math.Min(chunk, free), data.Length);
            Taken.AddRange(data.Slice(0, n).ToArray());
            return n;
        }
    }

    private static ReadOnlySequence<byte> Segments(params byte[][] parts)
    {
        Segment? first = null, last = null;
        foreach (var part in parts) last = last is null ? first = new Segment(part, 0) : last.Append(part);
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data, long index)
        {
            Memory = data;
            RunningIndex = index;
        }

        public Segment Append(byte[] data)
        {
            var next = new Segment(data, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    private static byte[] Bytes(int n, int seed) => [.. Enumerable.Range(0, n).Select(i => (byte)(i * 7 + seed))];

    [Fact]
    public void Sends_every_segment_in_order_through_partial_writes()
    {
        byte[] a = Bytes(100, 1), b = Bytes(37, 2), c = Bytes(250, 3);
        var socket = new FakeSocket(chunk: 33, room: int.MaxValue);
        var status = SocketSend.SendAll(ref socket, Segments(a, b, c), out long sent, out _);
        Assert.Equal(SendStatus.Done, status);
        Assert.Equal(387, sent);
        Assert.Equal([.. a, .. b, .. c], socket.Taken);
    }

    [Fact]
    public void A_sender_that_takes_several_segments_at_once_is_called_once_for_them()
    {
        byte[] a = Bytes(100, 1), b = Bytes(37, 2), c = Bytes(250, 3);
        var socket = new FakeSocket(chunk: int.MaxValue, room: int.MaxValue);
        Assert.Equal(SendStatus.Done, SocketSend.SendAll(ref socket, Segments(a, b, c), out long sent, out _));
        Assert.Equal(387, sent);
        Assert.Equal(1, socket.Calls);
        Assert.Equal([.. a, .. b, .. c], socket.Taken);
    }

    [Fact]
    public void A_full_socket_reports_how_far_it_got_and_the_rest_resumes_there()
    {
        byte[] a = Bytes(100, 1), b = Bytes(100, 2);
        var buffer = Segments(a, b);
        var socket = new FakeSocket(chunk: 64, room: 130); // stops inside the second segment
        Assert.Equal(SendStatus.WouldBlock, SocketSend.SendAll(ref socket, buffer, out long sent, out _));
        Assert.Equal(130, sent);

        var rest = buffer.Slice(sent);
        var drained = new FakeSocket(chunk: 64, room: int.MaxValue);
        Assert.Equal(SendStatus.Done, SocketSend.SendAll(ref drained, rest, out long sentAfter, out _));
        Assert.Equal(70, sentAfter);
        Assert.Equal([.. a, .. b], [.. socket.Taken, .. drained.Taken]);
    }

    [Fact]
    public void A_broken_connection_fails_with_its_errno()
    {
        var socket = new FakeSocket(chunk: 10, room: 25, failWith: 32); // EPIPE after 25 bytes
        Assert.Equal(SendStatus.Failed, SocketSend.SendAll(ref socket, Segments(Bytes(40, 0)), out long sent, out int error));
        Assert.Equal(25, sent);
        Assert.Equal(32, error);
    }

    [Fact]
    public void An_interrupted_send_is_retried()
    {
        var data = Bytes(90, 5);
        var socket = new FakeSocket(chunk: 20, room: int.MaxValue, interruptEvery: 2);
        Assert.Equal(SendStatus.Done, SocketSend.SendAll(ref socket, Segments(data), out long sent, out _));
        Assert.Equal(90, sent);
        Assert.Equal(data, socket.Taken);
    }

    [Fact]
    public void The_gathered_send_structures_have_the_kernels_x64_layout()
    {
        Assert.Equal(16, System.Runtime.CompilerServices.Unsafe.SizeOf<EpollNative.IoVec>());
        Assert.Equal(56, System.Runtime.CompilerServices.Unsafe.SizeOf<EpollNative.MsgHdr>());
        // msg_name, msg_namelen (padded to 8), msg_iov, msg_iovlen, msg_control, msg_controllen, msg_flags (padded)
        Assert.Equal(16, (int)System.Runtime.InteropServices.Marshal.OffsetOf<EpollNative.MsgHdr>(nameof(EpollNative.MsgHdr.Iov)));
        Assert.Equal(24, (int)System.Runtime.InteropServices.Marshal.OffsetOf<EpollNative.MsgHdr>(nameof(EpollNative.MsgHdr.IovLen)));
        Assert.Equal(48, (int)System.Runtime.InteropServices.Marshal.OffsetOf<EpollNative.MsgHdr>(nameof(EpollNative.MsgHdr.Flags)));
    }

    [Fact]
    public void An_empty_buffer_sends_nothing()
    {
        var socket = new FakeSocket(chunk: 10, room: 0);
        Assert.Equal(SendStatus.Done, SocketSend.SendAll(ref socket, ReadOnlySequence<byte>.Empty, out long sent, out _));
        Assert.Equal(0, sent);
    }
}
