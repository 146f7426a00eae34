using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>SADD, SMEMBERS and the other set commands.</summary>
public static class SetCommands
{
    public static void Register(CommandTable t)
    {
        const CommandFlags R = CommandFlags.ReadOnly | CommandFlags.Fast, W = CommandFlags.Write;
        t.Key("sadd", -3, W | CommandFlags.Fast, (c, a, r) => r.Integer(c.Store.SetAdd(c.Session, a[1], a, 2)));
        t.Key("srem", -3, W | CommandFlags.Fast, (c, a, r) => r.Integer(c.Store.SetRemove(c.Session, a[1], a, 2)));
        t.Key("smembers", 2, CommandFlags.ReadOnly, (c, a, r) => CollectionArgs.BulkSet(r, c.Store.SetMembers(c.Session, a[1])));
        t.Key("sismember", 3, R, (c, a, r) => r.Integer(c.Store.SetContains(c.Session, a[1], a[2]) ? 1 : 0));
        t.Key("smismember", -3, R, (c, a, r) =>
        {
            var answers = c.Store.SetContainsMany(c.Session, a[1], a, 2);
            r.ArrayHeader(answers.Length);
            foreach (bool answer in answers) r.Integer(answer ? 1 : 0);
        });
        t.Key("scard", 2, R, (c, a, r) => r.Integer(c.Store.SetCount(c.Session, a[1])));
        t.Key("spop", -2, W | CommandFlags.Fast, Pop);
        t.Key("srandmember", -2, CommandFlags.ReadOnly, RandomMembers);
        t.Add("smove", 4, W | CommandFlags.Fast, (c, a, r) => r.Integer(c.Store.SetMove(c.Session, a[1], a[2], a[3]) ? 1 : 0), 1, 2, 1);
        t.Add("sinter", -2, CommandFlags.ReadOnly, (c, a, r) => Combine(c, a, r, SetOperation.Intersection), 1, -1, 1);
        t.Add("sunion", -2, CommandFlags.ReadOnly, (c, a, r) => Combine(c, a, r, SetOperation.Union), 1, -1, 1);
        t.Add("sdiff", -2, CommandFlags.ReadOnly, (c, a, r) => Combine(c, a, r, SetOperation.Difference), 1, -1, 1);
        t.Add("sinterstore", -3, W, (c, a, r) => r.Integer(c.Store.SetCombineStore(c.Session, SetOperation.Intersection, a, 1)), 1, -1, 1);
        t.Add("sunionstore", -3, W, (c, a, r) => r.Integer(c.Store.SetCombineStore(c.Session, SetOperation.Union, a, 1)), 1, -1, 1);
        t.Add("sdiffstore", -3, W, (c, a, r) => r.Integer(c.Store.SetCombineStore(c.Session, SetOperation.Difference, a, 1)), 1, -1, 1);
        // Keys follow numkeys: Redis lists no fixed key positions for it either (movablekeys).
        t.Add("sintercard", -3, CommandFlags.ReadOnly, IntersectionCount);
        t.Key("sscan", -3, CommandFlags.ReadOnly, Scan);
    }

    /// <summary>SPOP key [count]</summary>
    private static void Pop(RespClient c, CommandArgs a, RespWriter r)
    {
        if (a.Count == 2)
        {
            r.Bulk(c.Store.SetPop(c.Session, a[1]));
            return;
        }
        if (a.Count > 3) throw CommandError.Syntax();
        if (!Numbers.TryParseInt64(a[2], out long count) || count < 0)
            throw new CommandError("ERR value is out of range, must be positive");
        CollectionArgs.BulkSet(r, c.Store.SetPop(c.Session, a[1], count));
    }

    /// <summary>SRANDMEMBER key [count]</summary>
    private static void RandomMembers(RespClient c, CommandArgs a, RespWriter r)
    {
        if (a.Count == 2)
        {
            r.Bulk(c.Store.SetRandomMember(c.Session, a[1]));
            return;
        }
        if (a.Count > 3) throw CommandError.Syntax();
        CollectionArgs.BulkArray(r, c.Store.SetRandomMembers(c.Session, a[1], CollectionArgs.RandomCount(a[2])));
    }

    private static void Combine(RespClient c, CommandArgs a, RespWriter r, SetOperation operation)
        => CollectionArgs.BulkSet(r, c.Store.SetCombine(c.Session, operation, a, 1, a.Count));

    /// <summary>SINTERCARD numkeys key [key ...] [LIMIT limit]</summary>
    private static void IntersectionCount(RespClient c, CommandArgs a, RespWriter r)
    {
        if (!Numbers.TryParseInt64(a[1], out long keys) || keys < 1) throw new CommandError("ERR numkeys should be greater than 0");
        if (keys > a.Count - 2) throw new CommandError("ERR Number of keys can't be greater than number of args");
        int end = 2 + (int)keys;
        long limit = 0;
        for (int i = end; i < a.Count; i++)
        {
            if (!a.Is(i, "LIMIT"u8) || i + 1 >= a.Count) throw CommandError.Syntax();
            if (!Numbers.TryParseInt64(a[++i], out limit) || limit < 0) throw new CommandError("ERR LIMIT can't be negative");
        }
        r.Integer(c.Store.SetIntersectionCount(c.Session, a, 2, end, limit));
    }

    /// <summary>SSCAN key cursor [MATCH pattern] [COUNT count]</summary>
    private static void Scan(RespClient c, CommandArgs a, RespWriter r)
    {
        ulong cursor = CollectionArgs.Cursor(a[2]);
        CollectionArgs.ScanOptions(a, 3, out int pattern, out int count, out var error);
        var items = new List<byte[]>();
        if (error != null)
        {
            if (c.Store.SetCount(c.Session, a[1]) > 0) throw error;
            CollectionArgs.ScanReply(r, 0, items);
            return;
        }
        ulong next = c.Store.SetScan(c.Session, a[1], cursor, pattern < 0 ? "*"u8 : a[pattern], count, items);
        CollectionArgs.ScanReply(r, next, items);
    }
}
