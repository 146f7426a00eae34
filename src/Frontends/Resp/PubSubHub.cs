using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Notifications;

namespace HyperCache.Frontends.Resp;

/// <summary>
/// Who listens to what, for the whole node. Fire-and-forget, as in Redis: subscriptions are not logged, and messages
/// reach a replica's subscribers only as its primary's PUBLISH passed on (<see cref="IPublishSink"/>). One lock guards
/// the maps; delivery happens outside it (each subscriber's <see cref="ClientOutput"/>).
/// </summary>
public sealed class PubSubHub : IPublishSink
{
    private readonly Lock _lock = new();
    private readonly Dictionary<byte[], HashSet<RespClient>> _channels = new(KeyComparer.Instance);
    private readonly Dictionary<byte[], HashSet<RespClient>> _patterns = new(KeyComparer.Instance);
    private readonly Dictionary<byte[], HashSet<RespClient>> _shardChannels = new(KeyComparer.Instance);

    /// <summary>Subscribes; returns the client's subscription count of that kind afterwards (see
    /// <see cref="ClientSubscriptions.CountFor"/>).</summary>
    public int Subscribe(RespClient client, ReadOnlySpan<byte> name, SubscriptionKind kind)
    {
        lock (_lock)
        {
            var mine = client.Subscriptions ??= new ClientSubscriptions();
            var key = name.ToArray();
            if (mine.Of(kind).Add(key))
            {
                var map = Map(kind);
                if (!map.TryGetValue(key, out var listeners)) map[key] = listeners = [];
                listeners.Add(client);
                if (kind != SubscriptionKind.Shard) mine.Count++;
            }
            return mine.CountFor(kind);
        }
    }

    /// <summary>Unsubscribes; returns the client's subscription count of that kind afterwards.</summary>
    public int Unsubscribe(RespClient client, ReadOnlySpan<byte> name, SubscriptionKind kind)
    {
        lock (_lock)
        {
            if (client.Subscriptions is not { } mine) return 0;
            var own = mine.Of(kind);
            var lookup = own.GetAlternateLookup<ReadOnlySpan<byte>>();
            if (lookup.TryGetValue(name, out var key))
            {
                own.Remove(key);
                Forget(Map(kind), key, client);
                if (kind != SubscriptionKind.Shard) mine.Count--;
            }
            return mine.CountFor(kind);
        }
    }

    /// <summary>(P|S)UNSUBSCRIBE with no argument: the names the client had, to confirm one by one.</summary>
    public List<byte[]> Names(RespClient client, SubscriptionKind kind)
    {
        lock (_lock)
        {
            if (client.Subscriptions is not { } mine) return [];
            return [.. mine.Of(kind)];
        }
    }

    /// <summary>RESET and a closed connection: every channel, pattern and shard channel goes.</summary>
    public void UnsubscribeAll(RespClient client)
    {
        lock (_lock)
        {
            if (client.Subscriptions is not { } mine) return;
            foreach (var channel in mine.Channels) Forget(_channels, channel, client);
            foreach (var pattern in mine.Patterns) Forget(_patterns, pattern, client);
            foreach (var channel in mine.ShardChannels) Forget(_shardChannels, channel, client);
            mine.Channels.Clear();
            mine.Patterns.Clear();
            mine.ShardChannels.Clear();
            mine.Count = 0;
        }
    }

    private Dictionary<byte[], HashSet<RespClient>> Map(SubscriptionKind kind) => kind switch
    {
        SubscriptionKind.Pattern => _patterns,
        SubscriptionKind.Shard => _shardChannels,
        _ => _channels,
    };

    private static void Forget(Dictionary<byte[], HashSet<RespClient>> map, byte[] key, RespClient client)
    {
        if (!map.TryGetValue(key, out var listeners)) return;
        listeners.Remove(client);
        if (listeners.Count == 0) map.Remove(key);
    }

    /// <summary>PUBLISH: queues the message for every channel subscriber and every matching pattern (a client with
    /// several matches gets it several times, as in Redis). Returns how many deliveries were made. The publisher is
    /// null for keyspace events.</summary>
    public int Publish(ReadOnlySpan<byte> channel, ReadOnlySpan<byte> payload, RespClient? publisher)
    {
        List<(RespClient Client, byte[]? Pattern)>? deliveries = null;
        lock (_lock)
        {
            if (_channels.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(channel, out var listeners))
                foreach (var client in listeners) (deliveries ??= []).Add((client, null));
            foreach (var (pattern, patternListeners) in _patterns)
                if (Glob.Match(pattern, channel))
                    foreach (var client in patternListeners) (deliveries ??= []).Add((client, pattern));
        }
        if (deliveries is null) return 0;
        var channelBytes = channel.ToArray();
        var payloadBytes = payload.ToArray();
        PubSubMessage? toChannel = null; // one message for every channel subscriber (encoded once)
        foreach (var (client, pattern) in deliveries)
        {
            var message = pattern is null
                ? toChannel ??= new PubSubMessage(null, channelBytes, payloadBytes)
                : new PubSubMessage(pattern, channelBytes, payloadBytes);
            // Publishing to oneself: the connection is running this very command, so write in order, in place.
            if (client == publisher) message.WriteTo(client.Writer);
            else client.Output.Deliver(client, message);
        }
        return deliveries.Count;
    }

    /// <summary>A message the primary published, shipped to this replica.</summary>
    void IPublishSink.Publish(ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message, bool sharded)
    {
        if (sharded) PublishShard(channel, message, null);
        else Publish(channel, message, null);
    }

    /// <summary>SPUBLISH: queues the message for the shard channel's subscribers only (no patterns; a node out of
    /// cluster mode owns every slot). Returns how many got it.</summary>
    public int PublishShard(ReadOnlySpan<byte> channel, ReadOnlySpan<byte> payload, RespClient? publisher)
    {
        RespClient[] receivers;
        lock (_lock)
        {
            if (!_shardChannels.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(channel, out var listeners)) return 0;
            receivers = [.. listeners];
        }
        var message = new PubSubMessage(null, channel.ToArray(), payload.ToArray(), sharded: true);
        foreach (var client in receivers)
        {
            if (client == publisher) message.WriteTo(client.Writer);
            else client.Output.Deliver(client, message);
        }
        return receivers.Length;
    }

    /// <summary>PUBSUB CHANNELS / SHARDCHANNELS: channels with at least one subscriber, matching the pattern if
    /// given.</summary>
    public List<byte[]> Channels(ReadOnlySpan<byte> pattern, bool all, bool shard = false)
    {
        lock (_lock)
        {
            var result = new List<byte[]>();
            foreach (var channel in (shard ? _shardChannels : _channels).Keys)
                if (all || Glob.Match(pattern, channel)) result.Add(channel);
            return result;
        }
    }

    public int SubscriberCount(ReadOnlySpan<byte> channel, bool shard = false)
    {
        lock (_lock)
            return (shard ? _shardChannels : _channels).GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(channel, out var listeners) ? listeners.Count : 0;
    }

    /// <summary>INFO's pubsubshard_channels.</summary>
    public int ShardChannelCount
    {
        get { lock (_lock) return _shardChannels.Count; }
    }

    public int ChannelCount
    {
        get { lock (_lock) return _channels.Count; }
    }

    public int PatternCount
    {
        get { lock (_lock) return _patterns.Count; }
    }
}
