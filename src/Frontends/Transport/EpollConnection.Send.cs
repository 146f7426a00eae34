using System.Buffers;
using static HyperCache.Frontends.Transport.EpollNative;

namespace HyperCache.Frontends.Transport;

/// <summary>
/// The send side: one async loop over the output pipe. Its reader continuation is inline: a flush by a pub/sub
/// publisher (on its own thread) sends right there; a flush by the handler on the loop thread sends at the end of the
/// loop's round of events, with the other connections' replies (<see cref="EpollLoop.TryDeferSend"/>). The pipe lets
/// one send run at a time. When the kernel's buffer is full it waits for EPOLLOUT and the loop thread finishes it.
/// </summary>
internal sealed partial class EpollConnection
{
    private readonly WritableSignal _writable = new();
    private readonly WritableSignal _sendTurn = new(); // the loop's end of a round of events (EpollLoop.TryDeferSend)
    private long _sentBytes; // written by the send loop only

    public long SentBytes => Volatile.Read(ref _sentBytes);

    private async Task SendLoopAsync()
    {
        var reader = _output.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                if (result.IsCanceled || _abortReason != null) break;
                var buffer = result.Buffer;
                if (!result.IsCompleted && _loop.TryDeferSend(this))
                {
                    // Sent with the round's other replies, after the loop has handled every ready connection.
                    if (!await _sendTurn.Arm()) break;
                    reader.AdvanceTo(buffer.Start); // read again: the handler may have flushed more meanwhile
                    continue;
                }
                var sender = new FdSender(_fd);
                var status = SocketSend.SendAll(ref sender, buffer, out long sent, out _);
                Volatile.Write(ref _sentBytes, _sentBytes + sent);
                if (status == SendStatus.Done)
                {
                    reader.AdvanceTo(buffer.End);
                    if (result.IsCompleted) break;
                    continue;
                }
                reader.AdvanceTo(buffer.GetPosition(sent)); // frees what was sent; the rest is read again
                if (status == SendStatus.Failed || !await WaitWritableAsync()) break;
            }
        }
        catch (Exception) when (_abortReason != null)
        {
            // Aborted mid-send: nothing more to deliver.
        }
        finally
        {
            await reader.CompleteAsync();
            SideDone();
        }
    }

    /// <summary>Loop thread, at the end of a round of events: the deferred send goes now (inline).</summary>
    internal void SendDeferred() => _sendTurn.Signal(true);

    /// <summary>Asks epoll for EPOLLOUT and waits for it; false when the connection is aborted or gone.</summary>
    private ValueTask<bool> WaitWritableAsync()
    {
        var wait = _writable.Arm();
        if (_abortReason != null || !ChangeInterest(add: EPOLLOUT, remove: 0)) _writable.Signal(false);
        return wait;
    }

    /// <summary>send(2) for one segment; sendmsg(2) gathering up to <see cref="MaxGather"/> segments otherwise, so
    /// a reply of many pipe segments (a big value, a long pipelined batch) is one system call, not one per 4 KB.</summary>
    private const int MaxGather = 64;

    private readonly struct FdSender(int fd) : IRawSender
    {
        public unsafe long Send(in ReadOnlySequence<byte> data)
        {
            if (data.IsSingleSegment)
            {
                fixed (byte* p = data.FirstSpan)
                {
                    nint n = send(fd, p, data.FirstSpan.Length, MSG_NOSIGNAL);
                    return n >= 0 ? n : -Errno;
                }
            }
            var vectors = stackalloc IoVec[MaxGather];
            var pins = new PinnedSegments();
            int count = 0;
            try
            {
                foreach (var segment in data)
                {
                    if (segment.IsEmpty) continue;
                    pins[count] = segment.Pin();
                    vectors[count] = new IoVec { Base = (byte*)pins[count].Pointer, Length = (nuint)segment.Length };
                    if (++count == MaxGather) break;
                }
                var message = new MsgHdr { Iov = vectors, IovLen = (nuint)count };
                nint n = sendmsg(fd, &message, MSG_NOSIGNAL);
                return n >= 0 ? n : -Errno;
            }
            finally
            {
                for (int i = 0; i < count; i++) pins[i].Dispose();
            }
        }
    }

    [System.Runtime.CompilerServices.InlineArray(MaxGather)]
    private struct PinnedSegments
    {
        private MemoryHandle _first;
    }
}
