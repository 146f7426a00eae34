using System.Buffers;

namespace HyperCache.Frontends.Transport;

/// <summary>A non-blocking socket's send: bytes accepted from the start of the data, or -errno. It may take the
/// data's segments in one gathering call (sendmsg), or only some of them.</summary>
internal interface IRawSender
{
    long Send(in ReadOnlySequence<byte> data);
}

/// <summary>How a <see cref="SocketSend.SendAll"/> ended.</summary>
internal enum SendStatus
{
    /// <summary>Every byte was accepted by the kernel.</summary>
    Done,
    /// <summary>The socket's send buffer is full (EAGAIN): wait until epoll reports it writable, then go on.</summary>
    WouldBlock,
    /// <summary>The connection is broken (EPIPE, ECONNRESET...).</summary>
    Failed,
}

/// <summary>
/// The send side's bookkeeping: hands the kernel a multi-segment buffer and counts what it took, so a partial write
/// resumes exactly where the kernel stopped.
/// </summary>
internal static class SocketSend
{
    /// <param name="sent">Bytes the kernel accepted, from the start of <paramref name="buffer"/>.</param>
    /// <param name="error">The errno when <see cref="SendStatus.Failed"/>.</param>
    public static SendStatus SendAll<TSender>(ref TSender sender, in ReadOnlySequence<byte> buffer, out long sent, out int error)
        where TSender : struct, IRawSender
    {
        sent = 0;
        error = 0;
        var rest = buffer;
        while (!rest.IsEmpty)
        {
            long n = sender.Send(rest);
            if (n > 0)
            {
                sent += n;
                rest = rest.Slice(n);
                continue;
            }
            if (n == -EpollNative.EINTR) continue;
            if (n is 0 or -EpollNative.EAGAIN) return SendStatus.WouldBlock; // 0: nothing taken, wait as for EAGAIN
            error = (int)-n;
            return SendStatus.Failed;
        }
        return SendStatus.Done;
    }
}
