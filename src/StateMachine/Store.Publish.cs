using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Notifications;

namespace HyperCache.StateMachine;

/// <summary>
/// PUBLISH passed on to replicas. Redis sends PUBLISH down its replication stream (not to its AOF) so that a replica's
/// subscribers hear what the primary's hear; here the replication stream is the log, so the message is logged as a
/// <see cref="EventKind.Publish"/> entry that changes no data. Replay skips it; a live replica hands it to
/// <see cref="PublishSink"/> as it applies the batch it came in, in order with the writes around it.
/// </summary>
public sealed partial class Store
{
    /// <summary>The replica side's delivery (null: messages shipped here are dropped).</summary>
    public IPublishSink? PublishSink { get; set; }

    /// <summary>Logs a message for the replicas: into the transaction or script running on <paramref name="session"/>
    /// when there is one (so it keeps its place among their writes), else as an entry of its own. It does not become the
    /// session's last write: a message is fire-and-forget, and the sync strategy does not hold PUBLISH's reply for it.</summary>
    public void LogPublish(Session session, ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message, bool sharded)
    {
        var buffer = EventBuffer.Start(EventKind.Publish);
        buffer.WriteArrayHeader(3);
        buffer.Write(channel);
        buffer.Write(message);
        buffer.Write(sharded ? 1 : 0);
        if (session.Batch is { } batch) batch.Add(buffer);
        else _log?.Append(buffer.Entry, (byte)EventKind.Publish);
    }

    private void DeliverPublished(ReadOnlySpan<byte> body)
    {
        if (PublishSink is not { } sink) return;
        var r = new EventReader(body);
        r.ReadArrayHeader();
        var channel = r.ReadBytes();
        var message = r.ReadBytes();
        sink.Publish(channel, message, sharded: r.ReadInt32() != 0);
    }
}
