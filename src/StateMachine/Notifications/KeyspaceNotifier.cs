namespace HyperCache.StateMachine.Notifications;

/// <summary>
/// The notify-keyspace-events setting in effect and where its events go. The store holds one only while something
/// would be published (<see cref="Active"/>): with the default "" it holds none, and a write pays one null check.
/// </summary>
public sealed class KeyspaceNotifier(KeyspaceEventTypes flags, IKeyspaceEventSink sink)
{
    private readonly bool _keyspace = flags.HasFlag(KeyspaceEventTypes.Keyspace);
    private readonly bool _keyevent = flags.HasFlag(KeyspaceEventTypes.Keyevent);

    public KeyspaceEventTypes Flags { get; } = flags;

    /// <summary>Whether any event could be published: a channel family (K or E) and at least one class.</summary>
    public bool Active => (_keyspace || _keyevent) && (Flags & ~(KeyspaceEventTypes.Keyspace | KeyspaceEventTypes.Keyevent)) != 0;

    public bool Wants(KeyspaceEventTypes type) => (Flags & type) != 0;

    /// <summary>Redis's notifyKeyspaceEvent: publishes the event if its class is selected.</summary>
    public void Raise(KeyspaceEventTypes type, ReadOnlySpan<byte> eventName, int db, ReadOnlySpan<byte> key)
    {
        if ((Flags & type) != 0) sink.Publish(eventName, db, key, _keyspace, _keyevent);
    }
}
