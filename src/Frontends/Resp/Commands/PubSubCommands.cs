namespace HyperCache.Frontends.Resp.Commands;

/// <summary>SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, their sharded forms (SSUBSCRIBE, SUNSUBSCRIBE,
/// SPUBLISH: a channel namespace of its own, as a Redis 7.0 node out of cluster mode), PUBSUB. Messages are logged
/// only to reach replicas (<see cref="StateMachine.Store.LogPublish"/>).</summary>
public static class PubSubCommands
{
    public static void Register(CommandTable t)
    {
        const CommandFlags P = CommandFlags.None;
        t.Add("subscribe", -2, P, (c, a, r) => Subscribe(c, a, r, SubscriptionKind.Channel));
        t.Add("psubscribe", -2, P, (c, a, r) => Subscribe(c, a, r, SubscriptionKind.Pattern));
        t.Add("ssubscribe", -2, P, (c, a, r) =>
        {
            // As Redis 7.0: unlike SUBSCRIBE, refused where a reply per command is expected (inside EXEC).
            if (c.InExec) throw new StateMachine.CommandError("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
            Subscribe(c, a, r, SubscriptionKind.Shard);
        }, 1, -1, 1);
        t.Add("unsubscribe", -1, P, (c, a, r) => Unsubscribe(c, a, r, SubscriptionKind.Channel));
        t.Add("punsubscribe", -1, P, (c, a, r) => Unsubscribe(c, a, r, SubscriptionKind.Pattern));
        t.Add("sunsubscribe", -1, P, (c, a, r) => Unsubscribe(c, a, r, SubscriptionKind.Shard), 1, -1, 1);
        t.Add("publish", 3, CommandFlags.Fast, (c, a, r) => r.Integer(Publish(c, a, sharded: false)));
        t.Add("spublish", 3, CommandFlags.Fast, (c, a, r) => r.Integer(Publish(c, a, sharded: true)), 1, 1, 1);
        t.Container("pubsub", P,
            new Subcommand("CHANNELS", -2, (c, a, r) => Channels(c, a, r, shard: false)),
            new Subcommand("NUMSUB", -2, (c, a, r) => NumSub(c, a, r, shard: false)),
            new Subcommand("SHARDCHANNELS", -2, (c, a, r) => Channels(c, a, r, shard: true)),
            new Subcommand("SHARDNUMSUB", -2, (c, a, r) => NumSub(c, a, r, shard: true)),
            new Subcommand("NUMPAT", 2, (c, a, r) => r.Integer(c.Node.PubSub.PatternCount)),
            Subcommand.Help(
                "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "CHANNELS [<pattern>]", "    Return the currently active channels matching a <pattern> (default: '*').",
                "NUMPAT", "    Return number of subscriptions to patterns.",
                "NUMSUB [<channel> ...]", "    Return the number of subscribers for the specified channels, excluding", "    pattern subscriptions(default: no channels).",
                "SHARDCHANNELS [<pattern>]", "    Return the currently active shard level channels matching a <pattern> (default: '*').",
                "SHARDNUMSUB [<shardchannel> ...]", "    Return the number of subscribers for the specified shard level channel(s)",
                "HELP", "    Prints this help."));
    }

    /// <summary>Delivers to this node's subscribers and, on a primary with replicas, logs the message for theirs (as
    /// Redis propagates PUBLISH): the reply counts this node's receivers only, as Redis's.</summary>
    private static int Publish(RespClient c, CommandArgs a, bool sharded)
    {
        int receivers = sharded ? c.Node.PubSub.PublishShard(a[1], a[2], c) : c.Node.PubSub.Publish(a[1], a[2], c);
        if (c.Node.Replication is { PassesOnMessages: true }) c.Node.Store.LogPublish(c.Session, a[1], a[2], sharded);
        return receivers;
    }

    /// <summary>One confirmation per name: [kind, name, count after].</summary>
    private static void Subscribe(RespClient c, CommandArgs a, RespWriter r, SubscriptionKind kind)
    {
        var confirmation = kind switch
        {
            SubscriptionKind.Pattern => "psubscribe"u8,
            SubscriptionKind.Shard => "ssubscribe"u8,
            _ => "subscribe"u8,
        };
        for (int i = 1; i < a.Count; i++) Confirm(r, confirmation, a[i], c.Node.PubSub.Subscribe(c, a[i], kind));
    }

    /// <summary>With no names: every current one (or a single confirmation with a nil name when there is none).</summary>
    private static void Unsubscribe(RespClient c, CommandArgs a, RespWriter r, SubscriptionKind kind)
    {
        var confirmation = kind switch
        {
            SubscriptionKind.Pattern => "punsubscribe"u8,
            SubscriptionKind.Shard => "sunsubscribe"u8,
            _ => "unsubscribe"u8,
        };
        if (a.Count > 1)
        {
            for (int i = 1; i < a.Count; i++) Confirm(r, confirmation, a[i], c.Node.PubSub.Unsubscribe(c, a[i], kind));
            return;
        }
        var names = c.Node.PubSub.Names(c, kind);
        if (names.Count == 0)
        {
            Confirm(r, confirmation, default, c.Subscriptions?.CountFor(kind) ?? 0, nilName: true);
            return;
        }
        foreach (var name in names) Confirm(r, confirmation, name, c.Node.PubSub.Unsubscribe(c, name, kind));
    }

    /// <summary>[kind, name (or nil), count]. Like a message, it goes out while CLIENT REPLY OFF or SKIP mutes the
    /// replies (Redis writes both as pushes).</summary>
    private static void Confirm(RespWriter r, ReadOnlySpan<byte> kind, ReadOnlySpan<byte> name, int count, bool nilName = false)
    {
        bool muted = r.Muted;
        r.Muted = false;
        r.PushHeader(3);
        r.Bulk(kind);
        if (nilName) r.NullBulk();
        else r.Bulk(name);
        r.Integer(count);
        r.Muted = muted;
    }

    /// <summary>PUBSUB CHANNELS / SHARDCHANNELS [pattern]: the active channels of either namespace.</summary>
    private static void Channels(RespClient c, CommandArgs a, RespWriter r, bool shard)
    {
        if (a.Count > 3) throw new StateMachine.CommandError($"ERR unknown subcommand or wrong number of arguments for '{(shard ? "SHARDCHANNELS" : "CHANNELS")}'. Try PUBSUB HELP.");
        var channels = c.Node.PubSub.Channels(a.Count == 3 ? a[2] : default, all: a.Count == 2, shard: shard);
        r.ArrayHeader(channels.Count);
        foreach (var channel in channels) r.Bulk(channel);
    }

    /// <summary>PUBSUB NUMSUB / SHARDNUMSUB channel...: each channel and its subscriber count.</summary>
    private static void NumSub(RespClient c, CommandArgs a, RespWriter r, bool shard)
    {
        r.ArrayHeader((a.Count - 2) * 2);
        for (int i = 2; i < a.Count; i++)
        {
            r.Bulk(a[i]);
            r.Integer(c.Node.PubSub.SubscriberCount(a[i], shard: shard));
        }
    }
}
