using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine;

/// <summary>Hashes: commands and the events they log (kinds HashFirst..HashLast in EventKind.cs).</summary>
public sealed partial class Store
{
    private void ApplyHash(EventKind kind, ref EventReader r, int fields)
        => throw new InvalidDataException($"unknown Hashes event kind {(byte)kind}");
}
