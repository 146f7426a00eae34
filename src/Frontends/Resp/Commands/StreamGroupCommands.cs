using HyperCache.StateMachine;
using HyperCache.StateMachine.Values;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>
/// Stream consumer groups: XGROUP, XREADGROUP (BLOCK included), XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO GROUPS and
/// XINFO CONSUMERS. Arguments and the key are checked in the order Redis 7.0 checks them, so the same bad request
/// gets the same error; XINFO CONSUMERS answers Redis 7.2's fields (with "inactive").
/// </summary>
public static class StreamGroupCommands
{
    private const CommandFlags R = CommandFlags.ReadOnly, W = CommandFlags.Write, F = CommandFlags.Fast;

    public static void Register(CommandTable t)
    {
        t.Container("xgroup", W,
            new Subcommand("CREATE", -5, Create, FirstKey: 2),
            new Subcommand("SETID", -5, SetId, FirstKey: 2),
            new Subcommand("DESTROY", 4, (c, a, r) => r.Integer(c.Store.StreamGroupDestroy(c.Session, a[2], a[3]) ? 1 : 0), FirstKey: 2),
            new Subcommand("CREATECONSUMER", 5, (c, a, r) => r.Integer(c.Store.StreamConsumerCreate(c.Session, a[2], a[3], a[4]) ? 1 : 0), FirstKey: 2),
            new Subcommand("DELCONSUMER", 5, (c, a, r) => r.Integer(c.Store.StreamConsumerDelete(c.Session, a[2], a[3], a[4])), FirstKey: 2),
            Subcommand.Help(
                "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "CREATE <key> <groupname> <id|$> [option]",
                "    Create a new consumer group. Options are:",
                "    * MKSTREAM",
                "      Create the empty stream if it does not exist.",
                "    * ENTRIESREAD entries_read",
                "      Set the group's entries_read counter (internal use).",
                "CREATECONSUMER <key> <groupname> <consumer>",
                "    Create a new consumer in the specified group.",
                "DELCONSUMER <key> <groupname> <consumer>",
                "    Remove the specified consumer.",
                "DESTROY <key> <groupname>",
                "    Remove the specified group.",
                "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
                "    Set the current group ID and entries_read counter.",
                "HELP",
                "    Prints this help."));
        t.Add("xreadgroup", -7, W, ReadGroup);
        t.Key("xack", -4, W | F, Acknowledge);
        t.Key("xpending", -3, R, Pending);
        t.Key("xclaim", -6, W | F, Claim);
        t.Key("xautoclaim", -6, W | F, AutoClaim);
    }

    /// <summary>XINFO's group subcommands, registered in <see cref="StreamCommands"/>'s XINFO container.</summary>
    public static Subcommand[] InfoSubcommands =>
    [
        new("GROUPS", 3, InfoGroups, FirstKey: 2),
        new("CONSUMERS", 4, InfoConsumers, FirstKey: 2),
    ];

    private static CommandError SubcommandSyntax(CommandArgs a)
        => new($"ERR unknown subcommand or wrong number of arguments for '{a.Text(1)}'. Try XGROUP HELP.");

    /// <summary>CREATE's and SETID's options from args[5] (MKSTREAM for CREATE only), parsed before the key is looked at.</summary>
    private static long GroupOptions(CommandArgs a, bool create, out bool makeStream)
    {
        makeStream = false;
        long entriesRead = StreamGroup.EntriesReadUnknown;
        for (int i = 5; i < a.Count;)
        {
            if (create && a.Is(i, "MKSTREAM"u8))
            {
                makeStream = true;
                i++;
            }
            else if (a.Is(i, "ENTRIESREAD"u8) && i + 1 < a.Count)
            {
                entriesRead = ArgParse.Int64(a[i + 1]);
                if (entriesRead < 0 && entriesRead != StreamGroup.EntriesReadUnknown)
                    throw new CommandError("ERR value for ENTRIESREAD must be positive or -1");
                i += 2;
            }
            else throw SubcommandSyntax(a);
        }
        return entriesRead;
    }

    /// <summary>XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD entries-read]</summary>
    private static void Create(RespClient c, CommandArgs a, RespWriter r)
    {
        long entriesRead = GroupOptions(a, create: true, out bool makeStream);
        if (a.Count > 8) throw SubcommandSyntax(a);
        c.Store.StreamGroupCreate(c.Session, a[2], a[3], a[4], makeStream, entriesRead);
        r.Ok();
    }

    /// <summary>XGROUP SETID key group id|$ [ENTRIESREAD entries-read]</summary>
    private static void SetId(RespClient c, CommandArgs a, RespWriter r)
    {
        long entriesRead = GroupOptions(a, create: false, out _);
        if (a.Count != 5 && a.Count != 7) throw SubcommandSyntax(a);
        c.Store.StreamGroupSetId(c.Session, a[2], a[3], a[4], entriesRead);
        r.Ok();
    }

    /// <summary>XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]</summary>
    private static void ReadGroup(RespClient c, CommandArgs a, RespWriter r)
    {
        long count = 0, timeout = -1;
        int streamsAt = 0, streams = 0, groupAt = 0;
        bool noAck = false;
        for (int i = 1; i < a.Count; i++)
        {
            bool more = i + 1 < a.Count;
            if (a.Is(i, "BLOCK"u8) && more) timeout = StreamCommands.BlockTimeout(c, a, ++i);
            else if (a.Is(i, "COUNT"u8) && more) count = Math.Max(0, ArgParse.Int64(a[++i]));
            else if (a.Is(i, "STREAMS"u8) && more)
            {
                streamsAt = i + 1;
                streams = a.Count - streamsAt;
                if (streams % 2 != 0)
                    throw new CommandError("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."); // 7.0.15's words
                streams /= 2;
                break;
            }
            else if (a.Is(i, "GROUP"u8) && i + 2 < a.Count)
            {
                groupAt = i + 1;
                i += 2;
            }
            else if (a.Is(i, "NOACK"u8)) noAck = true;
            else throw CommandError.Syntax();
        }
        if (streamsAt == 0) throw CommandError.Syntax();
        if (groupAt == 0) throw new CommandError("ERR Missing GROUP option for XREADGROUP");
        bool block = timeout >= 0 && BlockingArgs.MayBlock(c);
        var read = c.Store.StreamReadGroup(c.Session, a[groupAt], a[groupAt + 1], a, streamsAt, streams, count, noAck, block, out var waiter);
        BlockingArgs.ReplyOrBlock(c, r, read, waiter, timeout, StreamCommands.WriteRead);
    }

    /// <summary>A strict ID (no "-" or "+"), as XACK, XCLAIM and XREADGROUP take them.</summary>
    private static bool TryStrictId(ReadOnlySpan<byte> text, out StreamId id) => StreamId.TryParse(text, 0, false, out id, out _);

    /// <summary>XACK key group id [id ...]: the type, the key and group (missing: 0), then every ID.</summary>
    private static void Acknowledge(RespClient c, CommandArgs a, RespWriter r)
    {
        if (!c.Store.StreamHasGroup(c.Session, a[1], a[2]))
        {
            r.Integer(0);
            return;
        }
        var ids = new StreamId[a.Count - 3];
        for (int i = 3; i < a.Count; i++)
            if (!TryStrictId(a[i], out ids[i - 3])) throw Store.InvalidStreamId();
        r.Integer(c.Store.StreamAcknowledge(c.Session, a[1], a[2], ids));
    }

    /// <summary>XPENDING key group [[IDLE min-idle-time] start end count [consumer]]</summary>
    private static void Pending(RespClient c, CommandArgs a, RespWriter r)
    {
        if (a.Count != 3 && (a.Count < 6 || a.Count > 9)) throw CommandError.Syntax();
        if (a.Count == 3)
        {
            var summary = c.Store.StreamPending(c.Session, a[1], a[2]);
            r.ArrayHeader(4);
            r.Integer(summary.Count);
            if (summary.Count == 0)
            {
                r.NullBulk();
                r.NullBulk();
                r.NullArray();
                return;
            }
            StreamCommands.WriteId(r, summary.First);
            StreamCommands.WriteId(r, summary.Last);
            r.ArrayHeader(summary.Consumers.Count);
            foreach (var (consumer, pending) in summary.Consumers)
            {
                r.ArrayHeader(2);
                r.Bulk(consumer);
                r.Bulk(pending.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            return;
        }
        int at = 3;
        long minIdle = 0;
        if (a.Is(3, "IDLE"u8))
        {
            minIdle = ArgParse.Int64(a[4]);
            if (a.Count < 8) throw CommandError.Syntax();
            at = 5;
        }
        long count = Math.Max(0, ArgParse.Int64(a[at + 2]));
        var start = StreamCommands.RangeStart(a[at]);
        var end = StreamCommands.RangeEnd(a[at + 1]);
        bool consumerGiven = at + 3 < a.Count;
        var lines = c.Store.StreamPendingRange(c.Session, a[1], a[2], minIdle, start, end, count,
            consumerGiven ? a[at + 3] : default, consumerGiven);
        r.ArrayHeader(lines.Count);
        foreach (var line in lines)
        {
            r.ArrayHeader(4);
            StreamCommands.WriteId(r, line.Id);
            r.Bulk(line.Consumer);
            r.Integer(line.IdleMs);
            r.Integer(line.DeliveryCount);
        }
    }

    private static long Integer(ReadOnlySpan<byte> text, string error)
        => Numbers.TryParseInt64(text, out long value) ? value : throw new CommandError(error);

    /// <summary>XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms] [RETRYCOUNT count] [FORCE]
    /// [JUSTID] [LASTID id]: the key and group first, then min-idle-time, the IDs (up to the first that is not
    /// one), then the options.</summary>
    private static void Claim(RespClient c, CommandArgs a, RespWriter r)
    {
        if (!c.Store.StreamHasGroup(c.Session, a[1], a[2])) throw Store.NoKeyOrGroup(a[1], a[2]);
        long minIdle = Math.Max(0, Integer(a[4], "ERR Invalid min-idle-time argument for XCLAIM"));
        var ids = new List<StreamId>();
        int i = 5;
        for (; i < a.Count && TryStrictId(a[i], out var id); i++) ids.Add(id);
        long? idle = null, time = null;
        long retryCount = -1;
        bool force = false, justId = false;
        var lastId = StreamId.Zero;
        for (; i < a.Count; i++)
        {
            bool more = i + 1 < a.Count;
            if (a.Is(i, "FORCE"u8)) force = true;
            else if (a.Is(i, "JUSTID"u8)) justId = true;
            else if (a.Is(i, "IDLE"u8) && more)
            {
                idle = Integer(a[++i], "ERR Invalid IDLE option argument for XCLAIM");
                time = null;
            }
            else if (a.Is(i, "TIME"u8) && more)
            {
                time = Integer(a[++i], "ERR Invalid TIME option argument for XCLAIM");
                idle = null;
            }
            else if (a.Is(i, "RETRYCOUNT"u8) && more) retryCount = Integer(a[++i], "ERR Invalid RETRYCOUNT option argument for XCLAIM");
            else if (a.Is(i, "LASTID"u8) && more)
            {
                if (!TryStrictId(a[++i], out lastId)) throw Store.InvalidStreamId();
            }
            else throw new CommandError($"ERR Unrecognized XCLAIM option '{a.Text(i)}'");
        }
        var claimed = c.Store.StreamClaim(c.Session, a[1], a[2], a[3], minIdle, [.. ids],
            new StreamClaimOptions(idle, time, retryCount, force, justId, lastId));
        WriteClaimed(r, claimed, justId);
    }

    /// <summary>XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]: the arguments, then the
    /// key's type, then the key and group.</summary>
    private static void AutoClaim(RespClient c, CommandArgs a, RespWriter r)
    {
        long minIdle = Math.Max(0, Integer(a[4], "ERR Invalid min-idle-time argument for XAUTOCLAIM"));
        var start = StreamCommands.RangeStart(a[5]);
        long count = 100;
        bool justId = false;
        for (int i = 6; i < a.Count; i++)
        {
            if (a.Is(i, "COUNT"u8) && i + 1 < a.Count)
            {
                // Redis's bound: count × 10 attempts, and count × 16 bytes of reply IDs, must fit.
                count = Integer(a[++i], "ERR COUNT must be > 0");
                if (count < 1 || count > long.MaxValue / 16) throw new CommandError("ERR COUNT must be > 0");
            }
            else if (a.Is(i, "JUSTID"u8)) justId = true;
            else throw CommandError.Syntax();
        }
        var result = c.Store.StreamAutoClaim(c.Session, a[1], a[2], a[3], minIdle, start, count, justId);
        r.ArrayHeader(3);
        StreamCommands.WriteId(r, result.Next);
        WriteClaimed(r, result.Claimed, justId);
        r.ArrayHeader(result.Deleted.Count);
        foreach (var id in result.Deleted) StreamCommands.WriteId(r, id);
    }

    private static void WriteClaimed(RespWriter r, List<StreamEntry> claimed, bool justId)
    {
        r.ArrayHeader(claimed.Count);
        foreach (var entry in claimed)
        {
            if (justId) StreamCommands.WriteId(r, entry.Id);
            else StreamCommands.WriteEntry(r, entry);
        }
    }

    /// <summary>XINFO GROUPS key</summary>
    private static void InfoGroups(RespClient c, CommandArgs a, RespWriter r)
    {
        var groups = c.Store.StreamGroups(c.Session, a[2]);
        r.ArrayHeader(groups.Count);
        foreach (var g in groups)
        {
            r.MapHeader(6);
            r.Bulk("name"u8); r.Bulk(g.Name);
            r.Bulk("consumers"u8); r.Integer(g.Consumers);
            r.Bulk("pending"u8); r.Integer(g.Pending);
            r.Bulk("last-delivered-id"u8); StreamCommands.WriteId(r, g.LastDeliveredId);
            r.Bulk("entries-read"u8); IntegerOrNull(r, g.EntriesRead);
            r.Bulk("lag"u8); IntegerOrNull(r, g.Lag);
        }
    }

    internal static void IntegerOrNull(RespWriter r, long? value)
    {
        if (value is { } v) r.Integer(v);
        else r.NullBulk();
    }

    /// <summary>XINFO CONSUMERS key group</summary>
    private static void InfoConsumers(RespClient c, CommandArgs a, RespWriter r)
    {
        var consumers = c.Store.StreamConsumers(c.Session, a[2], a[3]);
        r.ArrayHeader(consumers.Count);
        foreach (var consumer in consumers)
        {
            r.MapHeader(4);
            r.Bulk("name"u8); r.Bulk(consumer.Name);
            r.Bulk("pending"u8); r.Integer(consumer.Pending);
            r.Bulk("idle"u8); r.Integer(consumer.IdleMs);
            r.Bulk("inactive"u8); r.Integer(consumer.InactiveMs);
        }
    }
}
