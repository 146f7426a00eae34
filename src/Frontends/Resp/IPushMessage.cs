namespace HyperCache.Frontends.Resp;

/// <summary>Something written to a client's output from another thread, outside its replies: a pub/sub message or
/// a MONITOR line (see <see cref="ClientOutput.Deliver"/>).</summary>
public interface IPushMessage
{
    /// <summary>Roughly what it costs queued, for the output buffer limit.</summary>
    long Size { get; }

    void WriteTo(RespWriter writer);
}
