namespace HyperCache.Frontends.Resp.Commands;

/// <summary>SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, PUBSUB. Messages are not logged.</summary>
public static class PubSubCommands
{
    public static void Register(CommandTable t)
    {
        const CommandFlags P = CommandFlags.None;
        t.Add("subscribe", -2, P, (c, a, r) => Subscribe(c, a, r, pattern: false));
        t.Add("psubscribe", -2, P, (c, a, r) => Subscribe(c, a, r, pattern: true));
        t.Add("unsubscribe", -1, P, (c, a, r) => Unsubscribe(c, a, r, pattern: false));
        t.Add("punsubscribe", -1, P, (c, a, r) => Unsubscribe(c, a, r, pattern: true));
        t.Add("publish", 3, CommandFlags.Fast, (c, a, r) => r.Integer(c.Node.PubSub.Publish(a[1], a[2], c)));
        t.Container("pubsub", P,
            new Subcommand("CHANNELS", -2, (c, a, r) =>
            {
                if (a.Count > 3) throw new StateMachine.CommandError("ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.");
                var channels = c.Node.PubSub.Channels(a.Count == 3 ? a[2] : default, all: a.Count == 2);
                r.ArrayHeader(channels.Count);
                foreach (var channel in channels) r.Bulk(channel);
            }),
            new Subcommand("NUMSUB", -2, (c, a, r) =>
            {
                r.ArrayHeader((a.Count - 2) * 2);
                for (int i = 2; i < a.Count; i++)
                {
                    r.Bulk(a[i]);
                    r.Integer(c.Node.PubSub.SubscriberCount(a[i]));
                }
            }),
            new Subcommand("NUMPAT", 2, (c, a, r) => r.Integer(c.Node.PubSub.PatternCount)),
            Subcommand.Help(
                "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "CHANNELS [<pattern>]", "    Return the currently active channels matching a <pattern> (default: '*').",
                "NUMPAT", "    Return number of subscriptions to patterns.",
                "NUMSUB [<channel> ...]", "    Return the number of subscribers for the specified channels, excluding", "    pattern subscriptions(default: no channels).",
                "HELP", "    Prints this help."));
    }

    /// <summary>One confirmation per name: [kind, name, count after].</summary>
    private static void Subscribe(RespClient c, CommandArgs a, RespWriter r, bool pattern)
    {
        for (int i = 1; i < a.Count; i++)
        {
            int count = c.Node.PubSub.Subscribe(c, a[i], pattern);
            Confirm(r, pattern ? "psubscribe"u8 : "subscribe"u8, a[i], count);
        }
    }

    /// <summary>With no names: every current one (or a single confirmation with a nil name when there is none).</summary>
    private static void Unsubscribe(RespClient c, CommandArgs a, RespWriter r, bool pattern)
    {
        var kind = pattern ? "punsubscribe"u8 : "unsubscribe"u8;
        if (a.Count > 1)
        {
            for (int i = 1; i < a.Count; i++) Confirm(r, kind, a[i], c.Node.PubSub.Unsubscribe(c, a[i], pattern));
            return;
        }
        var names = c.Node.PubSub.Names(c, pattern);
        if (names.Count == 0)
        {
            r.PushHeader(3);
            r.Bulk(kind);
            r.NullBulk();
            r.Integer(c.Subscriptions?.Count ?? 0);
            return;
        }
        foreach (var name in names) Confirm(r, kind, name, c.Node.PubSub.Unsubscribe(c, name, pattern));
    }

    private static void Confirm(RespWriter r, ReadOnlySpan<byte> kind, ReadOnlySpan<byte> name, int count)
    {
        r.PushHeader(3);
        r.Bulk(kind);
        r.Bulk(name);
        r.Integer(count);
    }
}
