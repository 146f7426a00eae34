using System.IO.Pipelines;

namespace HyperCache.Frontends.Resp;

/// <summary>A pipe writer that drops what is written (CLIENT REPLY OFF/SKIP): one reused buffer, nothing sent.</summary>
internal sealed class DiscardWriter : PipeWriter
{
    private byte[] _buffer = new byte[4096];

    public override Memory<byte> GetMemory(int sizeHint = 0) => Buffer(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => Buffer(sizeHint).Span;

    private Memory<byte> Buffer(int sizeHint)
    {
        if (_buffer.Length < sizeHint) _buffer = new byte[sizeHint];
        return _buffer;
    }

    public override void Advance(int bytes) { }

    public override void CancelPendingFlush() { }

    public override void Complete(Exception? exception = null) { }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => default;
}
