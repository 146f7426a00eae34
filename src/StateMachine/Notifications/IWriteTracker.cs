namespace HyperCache.StateMachine.Notifications;

/// <summary>Client-side caching's view of writes (the frontends' CLIENT TRACKING): told each key a write modifies,
/// live or from a primary's stream, and each flush. Called with shard locks held, before the event is applied (no
/// reader can see the new value until the locks are released): it must only queue, never block or call back into
/// the store.</summary>
public interface IWriteTracker
{
    /// <summary>A write modified <paramref name="key"/> (tracking, as Redis's, does not tell databases apart).</summary>
    void KeyWritten(ReadOnlySpan<byte> key);

    /// <summary>FLUSHDB or FLUSHALL, or a write whose keys could not be listed: every cached key is invalid.</summary>
    void Flushed();

    /// <summary>The keys of one write have all been told: one event, or all those of an EXEC, a script or a
    /// replicated batch (BCAST sends them as one message per prefix).</summary>
    void EventDone();
}
