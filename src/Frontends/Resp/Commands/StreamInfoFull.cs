using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>XINFO STREAM key FULL [COUNT n]: Redis 7.0.15's options and reply (maps in RESP3, flat arrays in RESP2),
/// with Redis 7.2's active-time per consumer, as XINFO CONSUMERS answers 7.2's fields.</summary>
internal static class StreamInfoFull
{
    /// <summary>Redis's default COUNT, so that a large stream does not block the server.</summary>
    private const long DefaultCount = 10;

    /// <summary>The options after the key: <paramref name="count"/> is null for the basic form, 0 for all. An error
    /// is returned, not thrown, as Redis reports it only once the key is found to be a stream.</summary>
    public static CommandError? Options(CommandArgs a, out long? count)
    {
        count = null;
        int options = a.Count - 3;
        if (options == 0) return null;
        if ((options != 1 && options != 3) || !a.Is(3, "FULL"u8) || (options == 3 && !a.Is(4, "COUNT"u8)))
            return new CommandError($"ERR unknown subcommand or wrong number of arguments for '{a.Text(1)}'. Try XINFO HELP.");
        long n = DefaultCount;
        if (options == 3 && !Numbers.TryParseInt64(a[5], out n)) return CommandError.NotInteger();
        count = n < 0 ? DefaultCount : n; // as Redis: a negative COUNT is the default
        return null;
    }

    public static void Write(RespWriter r, StreamFullInfo info)
    {
        r.MapHeader(9);
        StreamCommands.WriteCounters(r, info.Summary);
        r.Bulk("entries"u8); StreamCommands.WriteEntries(r, info.Entries);
        r.Bulk("groups"u8);
        r.ArrayHeader(info.Groups.Count);
        foreach (var g in info.Groups)
        {
            r.MapHeader(7);
            r.Bulk("name"u8); r.Bulk(g.Info.Name);
            r.Bulk("last-delivered-id"u8); StreamCommands.WriteId(r, g.Info.LastDeliveredId);
            r.Bulk("entries-read"u8); StreamGroupCommands.IntegerOrNull(r, g.Info.EntriesRead);
            r.Bulk("lag"u8); StreamGroupCommands.IntegerOrNull(r, g.Info.Lag);
            r.Bulk("pel-count"u8); r.Integer(g.Info.Pending);
            r.Bulk("pending"u8);
            r.ArrayHeader(g.Pending.Count);
            foreach (var p in g.Pending)
            {
                r.ArrayHeader(4);
                StreamCommands.WriteId(r, p.Id);
                r.Bulk(p.Consumer);
                r.Integer(p.DeliveryTime);
                r.Integer(p.DeliveryCount);
            }
            r.Bulk("consumers"u8);
            r.ArrayHeader(g.Consumers.Count);
            foreach (var consumer in g.Consumers) WriteConsumer(r, consumer);
        }
    }

    private static void WriteConsumer(RespWriter r, StreamConsumerFullInfo consumer)
    {
        r.MapHeader(5);
        r.Bulk("name"u8); r.Bulk(consumer.Name);
        r.Bulk("seen-time"u8); r.Integer(consumer.SeenTime);
        r.Bulk("active-time"u8); r.Integer(consumer.ActiveTime);
        r.Bulk("pel-count"u8); r.Integer(consumer.PelCount);
        r.Bulk("pending"u8);
        r.ArrayHeader(consumer.Pending.Count);
        foreach (var p in consumer.Pending)
        {
            r.ArrayHeader(3);
            StreamCommands.WriteId(r, p.Id);
            r.Integer(p.DeliveryTime);
            r.Integer(p.DeliveryCount);
        }
    }
}
