namespace HyperCache.Log;

/// <summary>
/// The log could not write: <see cref="Reason"/> is the system's words for why ("No space left on device").
/// FasterLog cannot go on after a failed write, so every later append and commit wait fails with the same reason
/// until the node restarts (recovery then reads the log up to its last good commit).
/// </summary>
public sealed class LogWriteException(string reason) : IOException("Errors writing to the AOF file: " + reason)
{
    public string Reason { get; } = reason;
}
