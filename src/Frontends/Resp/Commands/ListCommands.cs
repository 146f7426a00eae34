using HyperCache.StateMachine;
using HyperCache.StateMachine.Values;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>LPUSH, LPOP, LRANGE and the other list commands, blocking pops included. Arguments are checked in the
/// order Redis checks them, so the same bad request gets the same error.</summary>
public static class ListCommands
{
    private const CommandFlags R = CommandFlags.ReadOnly, W = CommandFlags.Write, F = CommandFlags.Fast;

    public static void Register(CommandTable t)
    {
        t.Key("lpush", -3, W | F, (c, a, r) => r.Integer(c.Store.ListPush(c.Session, a[1], a, 2, ListSide.Left, false)));
        t.Key("rpush", -3, W | F, (c, a, r) => r.Integer(c.Store.ListPush(c.Session, a[1], a, 2, ListSide.Right, false)));
        t.Key("lpushx", -3, W | F, (c, a, r) => r.Integer(c.Store.ListPush(c.Session, a[1], a, 2, ListSide.Left, true)));
        t.Key("rpushx", -3, W | F, (c, a, r) => r.Integer(c.Store.ListPush(c.Session, a[1], a, 2, ListSide.Right, true)));
        t.Key("lpop", -2, W | F, (c, a, r) => Pop(c, a, r, ListSide.Left, "lpop"));
        t.Key("rpop", -2, W | F, (c, a, r) => Pop(c, a, r, ListSide.Right, "rpop"));
        t.Key("llen", 2, R | F, (c, a, r) => r.Integer(c.Store.ListLength(c.Session, a[1])));
        t.Key("lrange", 4, R, (c, a, r) =>
        {
            long start = ArgParse.Int64(a[2]), stop = ArgParse.Int64(a[3]);
            var items = c.Store.ListRange(c.Session, a[1], start, stop);
            r.ArrayHeader(items.Length);
            foreach (var item in items) r.Bulk(item);
        });
        t.Key("lindex", 3, R, (c, a, r) => r.Bulk(c.Store.ListIndex(c.Session, a[1], a[2])));
        t.Key("lset", 4, W, (c, a, r) =>
        {
            c.Store.ListSet(c.Session, a[1], a[2], a[3]);
            r.Ok();
        });
        t.Key("linsert", 5, W, (c, a, r) =>
        {
            bool after = a.Is(2, "AFTER"u8);
            if (!after && !a.Is(2, "BEFORE"u8)) throw CommandError.Syntax();
            r.Integer(c.Store.ListInsert(c.Session, a[1], after, a[3], a[4]));
        });
        t.Key("lrem", 4, W, (c, a, r) => r.Integer(c.Store.ListRemove(c.Session, a[1], ArgParse.Int64(a[2]), a[3])));
        t.Key("ltrim", 4, W, (c, a, r) =>
        {
            long start = ArgParse.Int64(a[2]), stop = ArgParse.Int64(a[3]);
            c.Store.ListTrim(c.Session, a[1], start, stop);
            r.Ok();
        });
        t.Key("lpos", -3, R, Position);
        t.Add("lmove", 5, W, (c, a, r) => r.Bulk(c.Store.ListMove(c.Session, a[1], a[2], Side(a, 3), Side(a, 4))), 1, 2, 1);
        t.Add("rpoplpush", 3, W, (c, a, r) => r.Bulk(c.Store.ListMove(c.Session, a[1], a[2], ListSide.Right, ListSide.Left)), 1, 2, 1);
        t.Add("lmpop", -4, W, (c, a, r) => MultiPop(c, a, r, 1, block: false));

        t.Add("blpop", -3, W, (c, a, r) => BlockingPop(c, a, r, ListSide.Left), 1, -2, 1);
        t.Add("brpop", -3, W, (c, a, r) => BlockingPop(c, a, r, ListSide.Right), 1, -2, 1);
        t.Add("blmpop", -5, W, (c, a, r) => MultiPop(c, a, r, 2, block: true));
        t.Add("blmove", 6, W, (c, a, r) =>
        {
            var from = Side(a, 3);
            var to = Side(a, 4);
            BlockingMove(c, a, r, from, to, BlockingArgs.Timeout(a[5]));
        }, 1, 2, 1);
        t.Add("brpoplpush", 4, W, (c, a, r) => BlockingMove(c, a, r, ListSide.Right, ListSide.Left, BlockingArgs.Timeout(a[3])), 1, 2, 1);
    }

    /// <summary>LPOP/RPOP key [count]: a bulk without count; an array with it (null array for a missing key).</summary>
    private static void Pop(RespClient c, CommandArgs a, RespWriter r, ListSide side, string name)
    {
        if (a.Count > 3) throw ArgParse.WrongArity(name);
        if (a.Count == 2)
        {
            r.Bulk(c.Store.ListPopOne(c.Session, a[1], side));
            return;
        }
        long count = Positive(a[2], "ERR value is out of range, must be positive");
        var popped = c.Store.ListPop(c.Session, a[1], side, count);
        if (popped is null) r.NullArray();
        else WriteArray(r, popped);
    }

    /// <summary>LPOS key element [RANK rank] [COUNT num] [MAXLEN len]</summary>
    private static void Position(RespClient c, CommandArgs a, RespWriter r)
    {
        long rank = 1, count = -1, maxLength = 0;
        for (int i = 3; i < a.Count; i++)
        {
            bool more = i + 1 < a.Count;
            if (a.Is(i, "RANK"u8) && more)
            {
                rank = ArgParse.Int64(a[++i]);
                if (rank == 0)
                {
                    throw new CommandError("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... " +
                        "or use negative to start from the end of the list");
                }
            }
            else if (a.Is(i, "COUNT"u8) && more) count = Positive(a[++i], "ERR COUNT can't be negative");
            else if (a.Is(i, "MAXLEN"u8) && more) maxLength = Positive(a[++i], "ERR MAXLEN can't be negative");
            else throw CommandError.Syntax();
        }
        var found = new List<long>();
        bool exists = c.Store.ListPositions(c.Session, a[1], a[2], rank, count < 0 ? 1 : count, maxLength, found);
        if (count < 0)
        {
            if (found.Count > 0) r.Integer(found[0]);
            else r.NullBulk();
            return;
        }
        if (!exists)
        {
            r.EmptyArray();
            return;
        }
        r.ArrayHeader(found.Count);
        foreach (var index in found) r.Integer(index);
    }

    /// <summary>LMPOP numkeys key... LEFT|RIGHT [COUNT n], and BLMPOP timeout numkeys ... (numkeys at
    /// <paramref name="numKeysAt"/>). Replies [key, [elements]], or a null array.</summary>
    private static void MultiPop(RespClient c, CommandArgs a, RespWriter r, int numKeysAt, bool block)
    {
        if (!Numbers.TryParseInt64(a[numKeysAt], out long keys) || keys <= 0)
            throw new CommandError("ERR numkeys should be greater than 0");
        int first = numKeysAt + 1;
        if (keys >= a.Count - first) throw CommandError.Syntax();
        int end = first + (int)keys;
        var side = Side(a, end);
        long count = 1;
        bool counted = false;
        for (int i = end + 1; i < a.Count; i++)
        {
            if (a.Is(i, "COUNT"u8) && !counted && i + 1 < a.Count)
            {
                if (!Numbers.TryParseInt64(a[++i], out count) || count <= 0) throw new CommandError("ERR count should be greater than 0");
                counted = true;
            }
            else throw CommandError.Syntax();
        }
        long timeout = block ? BlockingArgs.Timeout(a[1]) : 0; // Redis checks the timeout last
        var popped = c.Store.ListPopFirst(c.Session, a, first, end, side, count, block && BlockingArgs.MayBlock(c), out var waiter);
        BlockingArgs.ReplyOrBlock(c, r, popped, waiter, timeout, WriteKeyAndElements);
    }

    /// <summary>BLPOP/BRPOP key... timeout: replies [key, element], or a null array on timeout.</summary>
    private static void BlockingPop(RespClient c, CommandArgs a, RespWriter r, ListSide side)
    {
        long timeout = BlockingArgs.Timeout(a[^1]);
        var popped = c.Store.ListPopFirst(c.Session, a, 1, a.Count - 1, side, 1, BlockingArgs.MayBlock(c), out var waiter);
        BlockingArgs.ReplyOrBlock(c, r, popped, waiter, timeout, WriteKeyAndElement);
    }

    /// <summary>BLMOVE/BRPOPLPUSH: the element moved, or a null array on timeout, a null bulk inside EXEC (as Redis 7.0
    /// replies).</summary>
    private static void BlockingMove(RespClient c, CommandArgs a, RespWriter r, ListSide from, ListSide to, long timeout)
    {
        byte[]? moved;
        if (!BlockingArgs.MayBlock(c))
        {
            // inside EXEC Redis answers an empty source with a null bulk (its timeout reply is a null array)
            r.Bulk(c.Store.ListMove(c.Session, a[1], a[2], from, to));
            return;
        }
        moved = c.Store.ListMoveOrBlock(c.Session, a[1], a[2], from, to, out var waiter);
        BlockingArgs.ReplyOrBlock(c, r, moved, waiter, timeout, static (w, element) => w.Bulk(element));
    }

    private static ListSide Side(CommandArgs a, int index)
    {
        if (a.Is(index, "LEFT"u8)) return ListSide.Left;
        if (a.Is(index, "RIGHT"u8)) return ListSide.Right;
        throw CommandError.Syntax();
    }

    /// <summary>A non-negative integer, with the command's own error text for anything else.</summary>
    private static long Positive(ReadOnlySpan<byte> text, string error)
        => Numbers.TryParseInt64(text, out long value) && value >= 0 ? value : throw new CommandError(error);

    private static void WriteArray(RespWriter r, byte[][] items)
    {
        r.ArrayHeader(items.Length);
        foreach (var item in items) r.Bulk(item);
    }

    private static void WriteKeyAndElement(RespWriter r, PoppedList popped)
    {
        r.ArrayHeader(2);
        r.Bulk(popped.Key);
        r.Bulk(popped.Elements[0]);
    }

    private static void WriteKeyAndElements(RespWriter r, PoppedList popped)
    {
        r.ArrayHeader(2);
        r.Bulk(popped.Key);
        WriteArray(r, popped.Elements);
    }
}
