using System.Buffers;
using System.Buffers.Text;
using HyperCache.Frontends.Hosting;
using HyperCache.StateMachine.Notifications;

namespace HyperCache.Frontends.Resp;

/// <summary>
/// Publishes the store's keyspace events through the pub/sub hub, as Redis's notifyKeyspaceEvent:
/// <c>__keyspace@&lt;db&gt;__:&lt;key&gt;</c> with the event name as message (K), <c>__keyevent@&lt;db&gt;__:&lt;event&gt;</c>
/// with the key as message (E). Runs on the thread of the command, so subscribers get events in command order.
/// </summary>
public sealed class KeyspaceEventPublisher(PubSubHub hub) : IKeyspaceEventSink
{
    /// <summary>Hands the store the node's notify-keyspace-events setting (at start and after CONFIG SET); the
    /// default "" leaves the store without a notifier.</summary>
    public static void Configure(Node node)
    {
        KeyspaceEventFlags.TryParse(node.Config.NotifyKeyspaceEvents, out var flags);
        node.Store.SetKeyspaceNotifier(new KeyspaceNotifier(flags, new KeyspaceEventPublisher(node.PubSub)));
    }

    public void Publish(ReadOnlySpan<byte> eventName, int db, ReadOnlySpan<byte> key, bool keyspace, bool keyevent)
    {
        if (keyspace) Publish("__keyspace@"u8, db, key, eventName);
        if (keyevent) Publish("__keyevent@"u8, db, eventName, key);
    }

    private void Publish(ReadOnlySpan<byte> prefix, int db, ReadOnlySpan<byte> suffix, ReadOnlySpan<byte> message)
    {
        int length = prefix.Length + 11 + 3 + suffix.Length; // an int has at most 11 characters, then "__:"
        byte[]? rented = null;
        Span<byte> channel = length <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(length));
        prefix.CopyTo(channel);
        int at = prefix.Length;
        Utf8Formatter.TryFormat(db, channel[at..], out int written);
        at += written;
        "__:"u8.CopyTo(channel[at..]);
        at += 3;
        suffix.CopyTo(channel[at..]);
        at += suffix.Length;
        hub.Publish(channel[..at], message, publisher: null);
        if (rented != null) ArrayPool<byte>.Shared.Return(rented);
    }
}
