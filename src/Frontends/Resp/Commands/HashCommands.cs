using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>HSET, HGET and the other hash commands.</summary>
public static class HashCommands
{
    public static void Register(CommandTable t)
    {
        const CommandFlags R = CommandFlags.ReadOnly | CommandFlags.Fast, W = CommandFlags.Write | CommandFlags.Fast;
        t.Key("hset", -4, W, (c, a, r) => r.Integer(SetFields(c, a, "hset")));
        t.Key("hmset", -4, W, (c, a, r) =>
        {
            SetFields(c, a, "hmset");
            r.Ok();
        });
        t.Key("hsetnx", 4, W, (c, a, r) => r.Integer(c.Store.HashSetIfAbsent(c.Session, a[1], a[2], a[3]) ? 1 : 0));
        t.Key("hget", 3, R, (c, a, r) =>
        {
            if (!c.Store.HashReadField(c.Session, a[1], a[2], r, static (value, reply) => { reply.Bulk(value); return true; }, false)) r.NullBulk();
        });
        t.Key("hmget", -3, R, (c, a, r) =>
        {
            var values = c.Store.HashGetMany(c.Session, a[1], a, 2);
            r.ArrayHeader(values.Length);
            foreach (var value in values) r.Bulk(value);
        });
        t.Key("hgetall", 2, CommandFlags.ReadOnly, (c, a, r) =>
        {
            var items = c.Store.HashGetAll(c.Session, a[1], fields: true, values: true);
            r.MapHeader(items.Length / 2);
            foreach (var item in items) r.Bulk(item);
        });
        t.Key("hkeys", 2, CommandFlags.ReadOnly, (c, a, r) => CollectionArgs.BulkArray(r, c.Store.HashGetAll(c.Session, a[1], fields: true, values: false)));
        t.Key("hvals", 2, CommandFlags.ReadOnly, (c, a, r) => CollectionArgs.BulkArray(r, c.Store.HashGetAll(c.Session, a[1], fields: false, values: true)));
        t.Key("hdel", -3, W, (c, a, r) => r.Integer(c.Store.HashDelete(c.Session, a[1], a, 2)));
        t.Key("hexists", 3, R, (c, a, r) => r.Integer(c.Store.HashExists(c.Session, a[1], a[2]) ? 1 : 0));
        t.Key("hlen", 2, R, (c, a, r) => r.Integer(c.Store.HashLength(c.Session, a[1])));
        t.Key("hstrlen", 3, R, (c, a, r) => r.Integer(c.Store.HashReadField(c.Session, a[1], a[2], 0, static (value, _) => value.Length, 0)));
        t.Key("hincrby", 4, W, (c, a, r) => r.Integer(c.Store.HashIncrementBy(c.Session, a[1], a[2], ArgParse.Int64(a[3]))));
        t.Key("hincrbyfloat", 4, W, (c, a, r) =>
        {
            if (!ExactDecimalSum.IsExact(a[3]))
            {
                if (!LongDouble.TryParse(a[3], out var delta)) throw CommandError.NotFloat();
                if (delta.IsInfinity) throw new CommandError("ERR value is NaN or Infinity");
            }
            r.Bulk(c.Store.HashIncrementByFloat(c.Session, a[1], a[2], a[3]));
        });
        t.Key("hrandfield", -2, CommandFlags.ReadOnly, RandomFields);
        t.Key("hscan", -3, CommandFlags.ReadOnly, Scan);
    }

    private static long SetFields(RespClient c, CommandArgs a, string name)
    {
        if (a.Count % 2 != 0) throw ArgParse.WrongArity(name);
        return c.Store.HashSet(c.Session, a[1], a, 2);
    }

    /// <summary>HRANDFIELD key [count [WITHVALUES]]</summary>
    private static void RandomFields(RespClient c, CommandArgs a, RespWriter r)
    {
        if (a.Count == 2)
        {
            r.Bulk(c.Store.HashRandomField(c.Session, a[1]));
            return;
        }
        long count = CollectionArgs.RandomCount(a[2]);
        bool withValues = a.Count == 4;
        if (a.Count > 4 || (withValues && !a.Is(3, "WITHVALUES"u8))) throw CommandError.Syntax();
        if (withValues && (count < -long.MaxValue / 2 || count > long.MaxValue / 2)) throw new CommandError("ERR value is out of range");
        var items = c.Store.HashRandomFields(c.Session, a[1], count, withValues);
        if (withValues && c.Protocol == 3)
        {
            // RESP3: an array of [field, value] pairs
            r.ArrayHeader(items.Length / 2);
            for (int i = 0; i < items.Length; i += 2)
            {
                r.ArrayHeader(2);
                r.Bulk(items[i]);
                r.Bulk(items[i + 1]);
            }
            return;
        }
        CollectionArgs.BulkArray(r, items);
    }

    /// <summary>HSCAN key cursor [MATCH pattern] [COUNT count]</summary>
    private static void Scan(RespClient c, CommandArgs a, RespWriter r)
    {
        ulong cursor = CollectionArgs.Cursor(a[2]);
        CollectionArgs.ScanOptions(a, 3, out int pattern, out int count, out var error);
        var items = new List<byte[]>();
        if (error != null)
        {
            if (c.Store.HashLength(c.Session, a[1]) > 0) throw error;
            CollectionArgs.ScanReply(r, 0, items);
            return;
        }
        ulong next = c.Store.HashScan(c.Session, a[1], cursor, pattern < 0 ? "*"u8 : a[pattern], count, items);
        CollectionArgs.ScanReply(r, next, items);
    }
}
