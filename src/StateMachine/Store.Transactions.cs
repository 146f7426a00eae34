using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine;

/// <summary>MULTI/EXEC: the events of one transaction are logged as one <see cref="EventKind.Batch"/> entry.</summary>
public sealed partial class Store
{
    private void ApplyBatch(ref EventReader r, int fields)
        => throw new InvalidDataException("batch events are not implemented yet");
}
