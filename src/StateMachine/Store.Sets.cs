using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine;

/// <summary>Sets: commands and the events they log (kinds SetFirst..SetLast in EventKind.cs).</summary>
public sealed partial class Store
{
    private void ApplySet(EventKind kind, ref EventReader r, int fields)
        => throw new InvalidDataException($"unknown Sets event kind {(byte)kind}");
}
