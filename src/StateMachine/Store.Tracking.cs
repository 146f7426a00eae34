using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Notifications;

namespace HyperCache.StateMachine;

/// <summary>
/// Server-assisted client-side caching (CLIENT TRACKING): every write, live or replicated, tells the tracker the
/// keys it modifies, found by the same walk as WATCH's. The tracker is set only while some client tracks, so a
/// write otherwise pays one null test.
/// </summary>
public sealed partial class Store
{
    private IWriteTracker? _tracker;

    /// <summary>Set while at least one client has tracking on; null otherwise.</summary>
    public void SetWriteTracker(IWriteTracker? tracker) => Volatile.Write(ref _tracker, tracker);

    /// <param name="done">Whether this event ends a write: false within EXEC or a script (and a replicated batch),
    /// whose end calls <see cref="IWriteTracker.EventDone"/> once, so BCAST gathers all its keys as Redis does.</param>
    private void TellTracker(IWriteTracker tracker, EventKind kind, ReadOnlySpan<byte> body, bool done = true)
    {
        var visitor = new TrackingVisitor(tracker);
        try
        {
            VisitEventKeys(kind, body, ref visitor);
        }
        catch (Exception e) when (e is InvalidDataException or OverflowException or ArgumentOutOfRangeException)
        {
            tracker.Flushed(); // a body the walk cannot read (Apply reports it as a fault): drop every cached key
        }
        finally
        {
            if (done) tracker.EventDone();
        }
    }

    /// <summary>SWAPDB invalidates nothing, as in Redis 7.0 (the tracking table does not tell databases apart).</summary>
    private readonly struct TrackingVisitor(IWriteTracker tracker) : IEventKeyVisitor
    {
        public void Key(int db, ReadOnlySpan<byte> key, bool deleting) => tracker.KeyWritten(key);
        public void Flush(int db) => tracker.Flushed();
        public void Swap(int db, int other) { }
        public void Unknown(int db) => tracker.Flushed();
    }
}
