using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine.Transactions;

/// <summary>
/// The events of one EXEC, gathered as they are applied, to be logged afterwards as a single
/// <see cref="EventKind.Batch"/> entry: <c>[[kind, body], ...]</c>. One entry means a crash keeps all of a
/// transaction or none of it.
/// </summary>
internal sealed class EventBatch
{
    private EventBuffer? _pairs; // made by the first event: a read-only script or EXEC allocates no buffer

    public int Count { get; private set; }

    /// <summary>An EXEC's or a script's batch: the tracker hears its end once, after all its events (BCAST sends the
    /// whole write's keys together). Other batches end the tracker's write at each event.</summary>
    public bool WholeWrite { get; init; }

    /// <summary>Copies the event: the thread's buffer is reused by the next command.</summary>
    public void Add(EventBuffer e)
    {
        if (_pairs is null)
        {
            _pairs = new EventBuffer();
            _pairs.Reset(EventKind.Batch);
        }
        _pairs.WriteArrayHeader(2);
        _pairs.Write((byte)e.Kind);
        _pairs.Write(e.Body);
        Count++;
    }

    /// <summary>Builds the batch entry in the thread's buffer (valid until the next event is started).</summary>
    public EventBuffer ToEntry()
    {
        var entry = EventBuffer.Start(EventKind.Batch);
        entry.WriteArrayHeader(Count);
        if (_pairs != null) entry.WriteRaw(_pairs.Body);
        return entry;
    }
}
