using HyperCache.StateMachine;
using HyperCache.StateMachine.Values;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>
/// The stream commands: XADD, XLEN, XRANGE, XREVRANGE, XDEL, XTRIM, XSETID, XREAD (BLOCK included) and XINFO STREAM
/// (FULL's reply in <see cref="StreamInfoFull"/>; consumer groups are in <see cref="StreamGroupCommands"/>). Arguments
/// are checked in the order Redis 7.0 checks them (mostly IDs and options before the key's type; XDEL and XREAD look
/// at the keys first), so the same bad request gets the same error.
/// </summary>
public static class StreamCommands
{
    private const CommandFlags R = CommandFlags.ReadOnly, W = CommandFlags.Write, F = CommandFlags.Fast;

    /// <summary>Redis's default LIMIT for "~" trimming: 100 nodes' worth (0 or a product below 1: 10 000; at most 1 000 000).</summary>
    private static long DefaultApproximateLimit()
    {
        long limit = 100 * HyperCache.StateMachine.Values.EncodingLimits.StreamNodeMaxEntries;
        return limit <= 0 ? 10_000 : Math.Min(limit, 1_000_000);
    }

    public static void Register(CommandTable t)
    {
        t.Key("xadd", -5, W | F, Add);
        t.Key("xlen", 2, R | F, (c, a, r) => r.Integer(c.Store.StreamLength(c.Session, a[1])));
        t.Key("xrange", -4, R, (c, a, r) => Range(c, a, r, reverse: false));
        t.Key("xrevrange", -4, R, (c, a, r) => Range(c, a, r, reverse: true));
        t.Key("xdel", -3, W | F, Delete);
        t.Key("xtrim", -4, W, Trim);
        t.Key("xsetid", -3, W | F, SetId);
        t.Add("xread", -4, R, Read);
        t.Container("xinfo", R,
            [new Subcommand("STREAM", -3, Info, FirstKey: 2),
            .. StreamGroupCommands.InfoSubcommands,
            Subcommand.Help(
                "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "CONSUMERS <key> <groupname>",
                "    Show consumers of <groupname>.",
                "GROUPS <key>",
                "    Show the stream consumer groups.",
                "STREAM <key> [FULL [COUNT <count>]",
                "    Show information about the stream.",
                "HELP",
                "    Prints this help.")]);
    }

    /// <summary>XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]</summary>
    private static void Add(RespClient c, CommandArgs a, RespWriter r)
    {
        bool noMakeStream = false;
        var trim = ParseTrim(a, 2, xadd: true, out int idAt, ref noMakeStream);
        var mode = StreamIdMode.Auto;
        StreamId id = default;
        bool seqGiven = false;
        if (idAt < a.Count && !a.Is(idAt, "*"u8))
        {
            if (!StreamId.TryParse(a[idAt], 0, true, out id, out seqGiven)) throw Store.InvalidStreamId();
            mode = seqGiven ? StreamIdMode.Explicit : StreamIdMode.AutoSeq;
        }
        int fieldsAt = idAt + 1;
        if (a.Count - fieldsAt < 2 || (a.Count - fieldsAt) % 2 == 1) throw ArgParse.WrongArity("xadd");
        // Refused before the key is looked at, so no empty stream is ever created for it.
        if (seqGiven && id == StreamId.Zero) throw new CommandError("ERR The ID specified in XADD must be greater than 0-0");
        var added = c.Store.StreamAdd(c.Session, a[1], noMakeStream, mode, id, trim, a, fieldsAt);
        if (added is { } newId) WriteId(r, newId);
        else r.NullBulk();
    }

    /// <summary>XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]: the options are
    /// checked before the key, as Redis 7.0.15 does (the last of a repeated option wins).</summary>
    private static void SetId(RespClient c, CommandArgs a, RespWriter r)
    {
        if (!StreamId.TryParse(a[2], 0, false, out var lastId, out _)) throw Store.InvalidStreamId();
        long entriesAdded = -1;
        var maxDeleted = StreamId.Zero;
        for (int i = 3; i < a.Count; i += 2)
        {
            bool more = i + 1 < a.Count;
            if (a.Is(i, "ENTRIESADDED"u8) && more)
            {
                entriesAdded = ArgParse.Int64(a[i + 1]);
                if (entriesAdded < 0) throw new CommandError("ERR entries_added must be positive");
            }
            else if (a.Is(i, "MAXDELETEDID"u8) && more)
            {
                if (!StreamId.TryParse(a[i + 1], 0, false, out maxDeleted, out _)) throw Store.InvalidStreamId();
                if (lastId < maxDeleted)
                    throw new CommandError("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
            }
            else throw CommandError.Syntax();
        }
        c.Store.StreamSetId(c.Session, a[1], lastId, entriesAdded, maxDeleted);
        r.Ok();
    }

    /// <summary>XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]</summary>
    private static void Trim(RespClient c, CommandArgs a, RespWriter r)
    {
        bool unused = false;
        var trim = ParseTrim(a, 2, xadd: false, out _, ref unused);
        r.Integer(c.Store.StreamTrimEntries(c.Session, a[1], trim));
    }

    /// <summary>
    /// Redis's streamParseAddOrTrimArgsOrReply from args[first]: the trim options (and NOMKSTREAM for XADD). For
    /// XADD it stops at the ID ("*" or the first argument that is no option), whose index is
    /// <paramref name="idAt"/>. "~" removes whole nodes, no more entries than its LIMIT (Redis's default: 100 nodes'
    /// worth, 100 × stream-node-max-entries, within 10 000 and 1 000 000).
    /// </summary>
    private static StreamTrim ParseTrim(CommandArgs a, int first, bool xadd, out int idAt, ref bool noMakeStream)
    {
        var strategy = StreamTrimStrategy.None;
        bool approximate = false, limitGiven = false;
        long maxLength = 0, limit = 0;
        StreamId minId = default;
        int i = first;
        for (; i < a.Count; i++)
        {
            bool more = i + 1 < a.Count;
            bool maxLen = a.Is(i, "MAXLEN"u8), minIdOption = a.Is(i, "MINID"u8);
            if (xadd && a.Is(i, "*"u8)) break;
            if ((maxLen || minIdOption) && more)
            {
                if (strategy != StreamTrimStrategy.None)
                    throw new CommandError("ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
                approximate = false;
                if (i + 2 < a.Count && a.Is(i + 1, "~"u8)) { approximate = true; i++; }
                else if (i + 2 < a.Count && a.Is(i + 1, "="u8)) i++;
                if (maxLen)
                {
                    maxLength = ArgParse.Int64(a[i + 1]);
                    if (maxLength < 0) throw new CommandError("ERR The MAXLEN argument must be >= 0.");
                    strategy = StreamTrimStrategy.MaxLength;
                }
                else
                {
                    if (!StreamId.TryParse(a[i + 1], 0, false, out minId, out _)) throw Store.InvalidStreamId();
                    strategy = StreamTrimStrategy.MinId;
                }
                i++;
            }
            else if (a.Is(i, "LIMIT"u8) && more)
            {
                limit = ArgParse.Int64(a[i + 1]);
                if (limit < 0) throw new CommandError("ERR The LIMIT argument must be >= 0.");
                limitGiven = true;
                i++;
            }
            else if (xadd && a.Is(i, "NOMKSTREAM"u8)) noMakeStream = true;
            else if (xadd) break; // the ID, parsed by the caller
            else throw CommandError.Syntax();
        }
        idAt = i;
        if (limit != 0 && strategy == StreamTrimStrategy.None)
            throw new CommandError("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
        if (!xadd && strategy == StreamTrimStrategy.None)
            throw new CommandError("ERR syntax error, XTRIM must be called with a trimming strategy");
        if (limitGiven && !approximate) throw new CommandError("ERR syntax error, LIMIT cannot be used without the special ~ option");
        if (!limitGiven) limit = approximate ? DefaultApproximateLimit() : 0;
        return new StreamTrim(strategy, maxLength, minId, limit, approximate);
    }

    /// <summary>XDEL key id [id ...]: every ID is checked before anything is deleted.</summary>
    private static void Delete(RespClient c, CommandArgs a, RespWriter r) => r.Integer(c.Store.StreamDelete(c.Session, a[1], a, 2));

    /// <summary>XRANGE key start end [COUNT n] / XREVRANGE key end start [COUNT n]. COUNT 0 (or negative) answers a
    /// null array, as Redis 7.0 does.</summary>
    private static void Range(RespClient c, CommandArgs a, RespWriter r, bool reverse)
    {
        var start = RangeStart(a[reverse ? 3 : 2]);
        var end = RangeEnd(a[reverse ? 2 : 3]);
        long count = -1;
        for (int i = 4; i < a.Count; i++)
        {
            if (a.Is(i, "COUNT"u8) && i + 1 < a.Count)
            {
                count = Math.Max(0, ArgParse.Int64(a[++i]));
            }
            else throw CommandError.Syntax();
        }
        var entries = c.Store.StreamRange(c.Session, a[1], start, end, Math.Max(0, count), reverse);
        if (entries is null) r.EmptyArray();
        else if (count == 0) r.NullArray();
        else WriteEntries(r, entries);
    }

    /// <summary>An interval's first ID, inclusive (XRANGE, XPENDING, XAUTOCLAIM): "(" excludes the ID given.</summary>
    internal static StreamId RangeStart(ReadOnlySpan<byte> text)
    {
        var id = IntervalId(text, 0, out bool excluded);
        return !excluded || id.TryNext(out id) ? id : throw new CommandError("ERR invalid start ID for the interval");
    }

    /// <summary>An interval's last ID, inclusive: "(" excludes the ID given.</summary>
    internal static StreamId RangeEnd(ReadOnlySpan<byte> text)
    {
        var id = IntervalId(text, ulong.MaxValue, out bool excluded);
        return !excluded || id.TryPrevious(out id) ? id : throw new CommandError("ERR invalid end ID for the interval");
    }

    /// <summary>An XRANGE bound: "-", "+", "ms" (seq <paramref name="missingSeq"/>), "ms-seq", or "(" before an ID
    /// to exclude it.</summary>
    private static StreamId IntervalId(ReadOnlySpan<byte> text, ulong missingSeq, out bool excluded)
    {
        excluded = text.Length > 1 && text[0] == '(';
        if (excluded) text = text[1..];
        else if (text.SequenceEqual("-"u8)) return StreamId.Zero;
        else if (text.SequenceEqual("+"u8)) return StreamId.Max;
        return StreamId.TryParse(text, missingSeq, false, out var id, out _) ? id : throw Store.InvalidStreamId();
    }

    /// <summary>XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]</summary>
    private static void Read(RespClient c, CommandArgs a, RespWriter r)
    {
        long count = 0, timeout = -1;
        int streamsAt = 0, streams = 0;
        for (int i = 1; i < a.Count; i++)
        {
            bool more = i + 1 < a.Count;
            if (a.Is(i, "BLOCK"u8) && more) timeout = BlockTimeout(c, a, ++i);
            else if (a.Is(i, "COUNT"u8) && more) count = Math.Max(0, ArgParse.Int64(a[++i]));
            else if (a.Is(i, "STREAMS"u8) && more)
            {
                streamsAt = i + 1;
                streams = a.Count - streamsAt;
                if (streams % 2 != 0)
                    throw new CommandError("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
                streams /= 2;
                break;
            }
            else if (a.Is(i, "GROUP"u8) && i + 2 < a.Count)
                throw new CommandError("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
            else if (a.Is(i, "NOACK"u8))
                throw new CommandError("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
            else throw CommandError.Syntax();
        }
        if (streamsAt == 0) throw CommandError.Syntax();
        bool block = timeout >= 0 && BlockingArgs.MayBlock(c);
        var read = c.Store.StreamReadAfter(c.Session, a, streamsAt, streams, count, block, out var waiter);
        BlockingArgs.ReplyOrBlock(c, r, read, waiter, timeout, WriteRead);
    }

    /// <summary>BLOCK's milliseconds (a[at]); refused in a script, as Redis does, naming the command as typed.</summary>
    internal static long BlockTimeout(RespClient c, CommandArgs a, int at)
    {
        if (c.IsScript) throw new CommandError($"ERR {a.Text(0)} command is not allowed with BLOCK option from scripts");
        return BlockTimeout(a[at]);
    }

    /// <summary>BLOCK's milliseconds: an integer, not negative (0 waits forever), as Redis's UNIT_MILLISECONDS timeout.</summary>
    internal static long BlockTimeout(ReadOnlySpan<byte> text)
    {
        if (!Numbers.TryParseInt64(text, out long ms)) throw new CommandError("ERR timeout is not an integer or out of range");
        if (ms < 0) throw new CommandError("ERR timeout is negative");
        return ms;
    }

    /// <summary>XINFO STREAM key [FULL [COUNT n]]. The key is looked up before the arguments after it, as Redis does.</summary>
    private static void Info(RespClient c, CommandArgs a, RespWriter r)
    {
        var badOptions = StreamInfoFull.Options(a, out long? count);
        if (count is { } full)
        {
            StreamInfoFull.Write(r, c.Store.StreamInfoFull(c.Session, a[2], full) ?? throw CommandError.NoSuchKey());
            return;
        }
        var info = c.Store.StreamInfo(c.Session, a[2]) ?? throw CommandError.NoSuchKey();
        if (badOptions is not null) throw badOptions;
        r.MapHeader(10);
        WriteCounters(r, info);
        r.Bulk("groups"u8); r.Integer(info.Groups);
        r.Bulk("first-entry"u8); WriteEntryOrNull(r, info.First);
        r.Bulk("last-entry"u8); WriteEntryOrNull(r, info.Last);
    }

    /// <summary>The fields both forms of XINFO STREAM start with.</summary>
    internal static void WriteCounters(RespWriter r, StreamSummary info)
    {
        r.Bulk("length"u8); r.Integer(info.Length);
        // Redis's radix tree of listpacks: its keys are the nodes Redis would have (StreamNodes); its inner nodes
        // depend on how the keys' bytes share prefixes, reported as one more than the keys.
        r.Bulk("radix-tree-keys"u8); r.Integer(info.Nodes);
        r.Bulk("radix-tree-nodes"u8); r.Integer(info.Nodes + 1);
        r.Bulk("last-generated-id"u8); WriteId(r, info.LastId);
        r.Bulk("max-deleted-entry-id"u8); WriteId(r, info.MaxDeletedId);
        r.Bulk("entries-added"u8); r.Integer(info.EntriesAdded);
        r.Bulk("recorded-first-entry-id"u8); WriteId(r, info.FirstId);
    }

    private static void WriteEntryOrNull(RespWriter r, StreamEntry? entry)
    {
        if (entry is { } e) WriteEntry(r, e);
        else r.NullBulk();
    }

    /// <summary>XREAD's reply: [[key, entries], ...] in RESP2, a map of key → entries in RESP3.</summary>
    internal static void WriteRead(RespWriter r, List<StreamRead> read)
    {
        if (r.Protocol == 3) r.MapHeader(read.Count);
        else r.ArrayHeader(read.Count);
        foreach (var stream in read)
        {
            if (r.Protocol == 2) r.ArrayHeader(2);
            r.Bulk(stream.Key);
            WriteEntries(r, stream.Entries);
        }
    }

    internal static void WriteEntries(RespWriter r, List<StreamEntry> entries)
    {
        r.ArrayHeader(entries.Count);
        foreach (var entry in entries) WriteEntry(r, entry);
    }

    /// <summary>[id, [field, value, ...]]; [id, null] for a pending entry since deleted (XREADGROUP's history).</summary>
    internal static void WriteEntry(RespWriter r, StreamEntry entry)
    {
        r.ArrayHeader(2);
        WriteId(r, entry.Id);
        if (entry.IsDeleted)
        {
            r.NullArray();
            return;
        }
        r.ArrayHeader(entry.Fields.Length);
        foreach (var field in entry.Fields) r.Bulk(field);
    }

    internal static void WriteId(RespWriter r, StreamId id)
    {
        Span<byte> text = stackalloc byte[StreamId.MaxTextLength];
        r.Bulk(text[..id.Format(text)]);
    }
}
