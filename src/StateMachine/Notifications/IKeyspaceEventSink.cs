namespace HyperCache.StateMachine.Notifications;

/// <summary>Where keyspace events go (the frontends' pub/sub hub). Called synchronously from the thread that ran
/// the command, after its effect and possibly under a shard lock: it must only queue, never block or call back
/// into the store.</summary>
public interface IKeyspaceEventSink
{
    /// <param name="keyspace">Publish on __keyspace@db__:key (K).</param>
    /// <param name="keyevent">Publish on __keyevent@db__:event (E).</param>
    void Publish(ReadOnlySpan<byte> eventName, int db, ReadOnlySpan<byte> key, bool keyspace, bool keyevent);
}
