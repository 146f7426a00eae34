using System.Buffers;
using System.IO.Pipelines;

namespace HyperCache.Frontends.Scripting;

/// <summary>
/// Where a command run by redis.call writes its reply: a growable buffer behind a <see cref="PipeWriter"/>, so the
/// ordinary handlers and <see cref="Resp.RespWriter"/> write into it unchanged; the script then reads the bytes back.
/// </summary>
internal sealed class ReplyBuffer : PipeWriter
{
    private ArrayBufferWriter<byte> _buffer = new(256);

    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    /// <summary>Forgets the last reply; a huge one does not stay allocated.</summary>
    public void Clear()
    {
        if (_buffer.Capacity > 1 << 20) _buffer = new ArrayBufferWriter<byte>(256);
        else _buffer.ResetWrittenCount();
    }

    public override void Advance(int bytes) => _buffer.Advance(bytes);
    public override Memory<byte> GetMemory(int sizeHint = 0) => _buffer.GetMemory(sizeHint);
    public override Span<byte> GetSpan(int sizeHint = 0) => _buffer.GetSpan(sizeHint);
    public override void CancelPendingFlush() { }
    public override void Complete(Exception? exception = null) { }
    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => new(new FlushResult());
}
