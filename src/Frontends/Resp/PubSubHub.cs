using HyperCache.StateMachine.Keyspace;

namespace HyperCache.Frontends.Resp;

/// <summary>
/// Who listens to what, for the whole node. Not logged and not replicated: pub/sub is fire-and-forget, as in
/// Redis. One lock guards the maps; delivery happens outside it (each subscriber's <see cref="ClientOutput"/>).
/// </summary>
public sealed class PubSubHub
{
    private readonly Lock _lock = new();
    private readonly Dictionary<byte[], HashSet<RespClient>> _channels = new(KeyComparer.Instance);
    private readonly Dictionary<byte[], HashSet<RespClient>> _patterns = new(KeyComparer.Instance);

    /// <summary>Subscribes; returns the client's subscription count afterwards.</summary>
    public int Subscribe(RespClient client, ReadOnlySpan<byte> name, bool pattern)
    {
        lock (_lock)
        {
            var mine = client.Subscriptions ??= new ClientSubscriptions();
            var own = pattern ? mine.Patterns : mine.Channels;
            var key = name.ToArray();
            if (own.Add(key))
            {
                var map = pattern ? _patterns : _channels;
                if (!map.TryGetValue(key, out var listeners)) map[key] = listeners = [];
                listeners.Add(client);
                mine.Count++;
            }
            return mine.Count;
        }
    }

    /// <summary>Unsubscribes; returns the client's subscription count afterwards.</summary>
    public int Unsubscribe(RespClient client, ReadOnlySpan<byte> name, bool pattern)
    {
        lock (_lock)
        {
            if (client.Subscriptions is not { } mine) return 0;
            var own = pattern ? mine.Patterns : mine.Channels;
            var lookup = own.GetAlternateLookup<ReadOnlySpan<byte>>();
            if (lookup.TryGetValue(name, out var key))
            {
                own.Remove(key);
                Forget(pattern ? _patterns : _channels, key, client);
                mine.Count--;
            }
            return mine.Count;
        }
    }

    /// <summary>UNSUBSCRIBE / PUNSUBSCRIBE with no argument: the names the client had, to confirm one by one.</summary>
    public List<byte[]> Names(RespClient client, bool pattern)
    {
        lock (_lock)
        {
            if (client.Subscriptions is not { } mine) return [];
            return [.. pattern ? mine.Patterns : mine.Channels];
        }
    }

    public void UnsubscribeAll(RespClient client)
    {
        lock (_lock)
        {
            if (client.Subscriptions is not { } mine) return;
            foreach (var channel in mine.Channels) Forget(_channels, channel, client);
            foreach (var pattern in mine.Patterns) Forget(_patterns, pattern, client);
            mine.Channels.Clear();
            mine.Patterns.Clear();
            mine.Count = 0;
        }
    }

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
        foreach (var (client, pattern) in deliveries)
        {
            var message = new PubSubMessage(pattern, channelBytes, payloadBytes);
            // Publishing to oneself: the connection is running this very command, so write in order, in place.
            if (client == publisher) message.WriteTo(client.Writer);
            else client.Output.Deliver(client, message);
        }
        return deliveries.Count;
    }

    /// <summary>PUBSUB CHANNELS: channels with at least one subscriber, matching the pattern if given.</summary>
    public List<byte[]> Channels(ReadOnlySpan<byte> pattern, bool all)
    {
        lock (_lock)
        {
            var result = new List<byte[]>();
            foreach (var channel in _channels.Keys)
                if (all || Glob.Match(pattern, channel)) result.Add(channel);
            return result;
        }
    }

    public int SubscriberCount(ReadOnlySpan<byte> channel)
    {
        lock (_lock)
            return _channels.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(channel, out var listeners) ? listeners.Count : 0;
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
