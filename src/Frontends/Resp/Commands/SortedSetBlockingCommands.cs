using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>BZPOPMIN, BZPOPMAX and BZMPOP: the sorted-set pops that wait for a member (see BlockingArgs).</summary>
public static class SortedSetBlockingCommands
{
    public static void Register(CommandTable t)
    {
        t.Add("bzpopmin", -3, CommandFlags.Write | CommandFlags.Fast, (c, a, r) => BlockingPop(c, a, r, max: false), 1, -2, 1);
        t.Add("bzpopmax", -3, CommandFlags.Write | CommandFlags.Fast, (c, a, r) => BlockingPop(c, a, r, max: true), 1, -2, 1);
        t.Add("bzmpop", -5, CommandFlags.Write, BlockingMultiPop);
    }

    /// <summary>BZPOPMIN/BZPOPMAX key... timeout: [key, member, score], or a null array on timeout.</summary>
    private static void BlockingPop(RespClient c, CommandArgs a, RespWriter r, bool max)
    {
        long timeout = BlockingArgs.Timeout(a[^1]);
        var popped = c.Store.SortedSetPopFirst(c.Session, a, 1, a.Count - 1, max, 1, BlockingArgs.MayBlock(c), out var waiter);
        BlockingArgs.ReplyOrBlock(c, r, popped, waiter, timeout, WriteKeyMemberScore);
    }

    /// <summary>BZMPOP timeout numkeys key... MIN|MAX [COUNT count]: [key, [[member, score], ...]], or a null array.</summary>
    private static void BlockingMultiPop(RespClient c, CommandArgs a, RespWriter r)
    {
        if (!Numbers.TryParseInt64(a[2], out long keyCount) || keyCount < 1)
            throw new CommandError("ERR numkeys should be greater than 0");
        if (keyCount >= a.Count - 3) throw CommandError.Syntax();
        int first = 3, end = first + (int)keyCount;
        bool max = a.Is(end, "MAX"u8);
        if (!max && !a.Is(end, "MIN"u8)) throw CommandError.Syntax();
        long count = 1;
        bool counted = false;
        for (int i = end + 1; i < a.Count; i++)
        {
            if (!counted && a.Is(i, "COUNT"u8) && i + 1 < a.Count)
            {
                if (!Numbers.TryParseInt64(a[++i], out count) || count < 1) throw new CommandError("ERR count should be greater than 0");
                counted = true;
            }
            else throw CommandError.Syntax();
        }
        long timeout = BlockingArgs.Timeout(a[1]); // Redis checks the timeout last
        var popped = c.Store.SortedSetPopFirst(c.Session, a, first, end, max, count, BlockingArgs.MayBlock(c), out var waiter);
        BlockingArgs.ReplyOrBlock(c, r, popped, waiter, timeout, WriteKeyAndMembers);
    }

    private static void WriteKeyMemberScore(RespWriter r, PoppedZSet popped)
    {
        var element = popped.Members[0];
        r.ArrayHeader(3);
        r.Bulk(popped.Key);
        r.Bulk(element.Member);
        r.Double(element.Score);
    }

    private static void WriteKeyAndMembers(RespWriter r, PoppedZSet popped)
    {
        r.ArrayHeader(2);
        r.Bulk(popped.Key);
        r.ArrayHeader(popped.Members.Count);
        foreach (var element in popped.Members)
        {
            r.ArrayHeader(2);
            r.Bulk(element.Member);
            r.Double(element.Score);
        }
    }
}
