using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine;

/// <summary>SortedSets: commands and the events they log (kinds SortedSetFirst..SortedSetLast in EventKind.cs).</summary>
public sealed partial class Store
{
    private void ApplySortedSet(EventKind kind, ref EventReader r, int fields)
        => throw new InvalidDataException($"unknown SortedSets event kind {(byte)kind}");
}
