using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine;

/// <summary>Lists: commands and the events they log (kinds ListFirst..ListLast in EventKind.cs).</summary>
public sealed partial class Store
{
    private void ApplyList(EventKind kind, ref EventReader r, int fields)
        => throw new InvalidDataException($"unknown Lists event kind {(byte)kind}");
}
