using HyperCache.StateMachine.Keyspace;

namespace HyperCache.Frontends.Resp;

/// <summary>What a subscription names: a channel (SUBSCRIBE), a pattern (PSUBSCRIBE) or a shard channel
/// (SSUBSCRIBE, a namespace of its own).</summary>
public enum SubscriptionKind { Channel, Pattern, Shard }

/// <summary>The channels, patterns and shard channels one client subscribes to (guarded by the
/// <see cref="PubSubHub"/>'s lock).</summary>
public sealed class ClientSubscriptions
{
    public HashSet<byte[]> Channels { get; } = new(KeyComparer.Instance);
    public HashSet<byte[]> Patterns { get; } = new(KeyComparer.Instance);
    public HashSet<byte[]> ShardChannels { get; } = new(KeyComparer.Instance);

    /// <summary>What Redis counts in (un)subscribe replies: channels plus patterns (shard channels count apart).</summary>
    public int Count;

    /// <summary>Subscribed to anything, shard channels included: a RESP2 client is then in subscribe mode.</summary>
    public bool Active => Count > 0 || ShardChannels.Count > 0;

    public HashSet<byte[]> Of(SubscriptionKind kind) => kind switch
    {
        SubscriptionKind.Pattern => Patterns,
        SubscriptionKind.Shard => ShardChannels,
        _ => Channels,
    };

    /// <summary>The count an (un)subscribe confirmation of this kind carries, as Redis 7.0.</summary>
    public int CountFor(SubscriptionKind kind) => kind == SubscriptionKind.Shard ? ShardChannels.Count : Count;
}
