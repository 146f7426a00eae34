namespace HyperCache.Frontends.Transport;

/// <summary>A connection's count of reply bytes its transport has handed to the kernel: with the bytes the handler
/// flushed, how much output waits unsent (the normal clients' output limit, RespConnectionHandler).</summary>
public interface ISentBytesFeature
{
    long SentBytes { get; }
}
