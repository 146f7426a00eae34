using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine;

/// <summary>Bitmaps: commands and the events they log (kinds BitmapFirst..BitmapLast in EventKind.cs).</summary>
public sealed partial class Store
{
    private void ApplyBitmap(EventKind kind, ref EventReader r, int fields)
        => throw new InvalidDataException($"unknown Bitmaps event kind {(byte)kind}");
}
