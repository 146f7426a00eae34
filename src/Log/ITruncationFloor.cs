namespace HyperCache.Log;

/// <summary>
/// Something that still needs log entries from <see cref="LowestNeededAddress"/> on: truncation never cuts above
/// the lowest of them. Snapshots pass their own address to <see cref="AppendOnlyLog.TruncateUntil"/>; replicas will
/// register their acknowledged addresses here, so a lagging replica keeps the entries it has not received.
/// </summary>
public interface ITruncationFloor
{
    long LowestNeededAddress { get; }
}
