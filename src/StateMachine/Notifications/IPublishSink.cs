namespace HyperCache.StateMachine.Notifications;

/// <summary>Where a replica delivers the messages its primary published (the frontends' pub/sub hub). Called on the
/// replica's apply thread with every shard locked: it must only queue, never block or call back into the store.</summary>
public interface IPublishSink
{
    void Publish(ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message, bool sharded);
}
