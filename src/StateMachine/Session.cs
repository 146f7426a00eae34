namespace HyperCache.StateMachine;

/// <summary>Per-client state the store needs: the selected database, and the last log address this client wrote
/// (which the frontend waits on before replying, under <c>appendfsync always</c>).</summary>
public sealed class Session
{
    public int Db;
    public long LastLogAddress = -1;
}

/// <summary>A list of keys that lives in a request buffer; implemented by the frontends without copying.</summary>
public interface IKeyList
{
    int Count { get; }
    ReadOnlySpan<byte> this[int index] { get; }
}
