using HyperCache.StateMachine.Keyspace;

namespace HyperCache.Frontends.Resp;

/// <summary>The channels and patterns one client subscribes to (guarded by the <see cref="PubSubHub"/>'s lock).</summary>
public sealed class ClientSubscriptions
{
    public HashSet<byte[]> Channels { get; } = new(KeyComparer.Instance);
    public HashSet<byte[]> Patterns { get; } = new(KeyComparer.Instance);

    /// <summary>What Redis counts in (un)subscribe replies: channels plus patterns.</summary>
    public int Count;
}
