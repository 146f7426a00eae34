using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>DEL, EXISTS, the EXPIRE and TTL families, TYPE, RENAME, COPY, MOVE, KEYS, SCAN, RANDOMKEY (OBJECT: ObjectCommands).</summary>
public static class KeyCommands
{
    public static void Register(CommandTable t)
    {
        const CommandFlags R = CommandFlags.ReadOnly | CommandFlags.Fast, W = CommandFlags.Write;
        t.Add("del", -2, W, (c, a, r) => r.Integer(c.Store.Delete(c.Session, a, 1)), 1, -1, 1);
        t.Add("unlink", -2, W | CommandFlags.Fast, (c, a, r) => r.Integer(c.Store.Delete(c.Session, a, 1)), 1, -1, 1);
        t.Add("exists", -2, R, (c, a, r) => r.Integer(c.Store.CountExisting(c.Session, a, 1, touch: false)), 1, -1, 1);
        t.Add("touch", -2, R, (c, a, r) => r.Integer(c.Store.CountExisting(c.Session, a, 1, touch: true)), 1, -1, 1);
        t.Key("expire", -3, W | CommandFlags.Fast, (c, a, r) => Expire(c, a, r, ExpiryUnit.Seconds, "expire"));
        t.Key("pexpire", -3, W | CommandFlags.Fast, (c, a, r) => Expire(c, a, r, ExpiryUnit.Milliseconds, "pexpire"));
        t.Key("expireat", -3, W | CommandFlags.Fast, (c, a, r) => Expire(c, a, r, ExpiryUnit.UnixSeconds, "expireat"));
        t.Key("pexpireat", -3, W | CommandFlags.Fast, (c, a, r) => Expire(c, a, r, ExpiryUnit.UnixMilliseconds, "pexpireat"));
        t.Key("ttl", 2, R, (c, a, r) => r.Integer(Remaining(c, a[1], 1000)));
        t.Key("pttl", 2, R, (c, a, r) => r.Integer(Remaining(c, a[1], 1)));
        t.Key("expiretime", 2, R, (c, a, r) =>
        {
            long at = c.Store.ExpiryOf(c.Session, a[1]);
            r.Integer(at < 0 ? at : RoundToSeconds(at));
        });
        t.Key("pexpiretime", 2, R, (c, a, r) => r.Integer(c.Store.ExpiryOf(c.Session, a[1])));
        t.Key("persist", 2, W | CommandFlags.Fast, (c, a, r) => r.Integer(c.Store.Persist(c.Session, a[1]) ? 1 : 0));
        t.Key("type", 2, R, (c, a, r) => r.Simple(c.Store.TypeOf(c.Session, a[1])));
        t.Add("rename", 3, W, (c, a, r) => Rename(c, a, r, false), 1, 2, 1);
        t.Add("renamenx", 3, W | CommandFlags.Fast, (c, a, r) => Rename(c, a, r, true), 1, 2, 1);
        t.Add("copy", -3, W, Copy, 1, 2, 1);
        t.Key("move", 3, W | CommandFlags.Fast, Move);
        t.Add("keys", 2, CommandFlags.ReadOnly, Keys);
        t.Add("scan", -2, CommandFlags.ReadOnly, Scan);
        t.Add("randomkey", 1, CommandFlags.ReadOnly, (c, a, r) => r.Bulk(c.Store.RandomKey(c.Session)));
    }

    /// <summary>EXPIRE key amount [NX|XX|GT|LT]</summary>
    private static void Expire(RespClient c, CommandArgs a, RespWriter r, ExpiryUnit unit, string name)
    {
        var condition = ExpireCondition.None;
        for (int i = 3; i < a.Count; i++)
        {
            if (a.Is(i, "NX"u8)) condition |= ExpireCondition.IfNoTtl;
            else if (a.Is(i, "XX"u8)) condition |= ExpireCondition.IfHasTtl;
            else if (a.Is(i, "GT"u8)) condition |= ExpireCondition.IfGreater;
            else if (a.Is(i, "LT"u8)) condition |= ExpireCondition.IfLess;
            else throw new CommandError("ERR Unsupported option " + a.Text(i));
        }
        if ((condition & ExpireCondition.IfNoTtl) != 0 && condition != ExpireCondition.IfNoTtl)
            throw new CommandError("ERR NX and XX, GT or LT options at the same time are not compatible");
        if ((condition & (ExpireCondition.IfGreater | ExpireCondition.IfLess)) == (ExpireCondition.IfGreater | ExpireCondition.IfLess))
            throw new CommandError("ERR GT and LT options at the same time are not compatible");
        long amount = ArgParse.Int64(a[2]); // after the options, as Redis checks them
        long expireAt = Expiry.Absolute(amount, unit, c.Store.NowMs(), name);
        r.Integer(c.Store.Expire(c.Session, a[1], expireAt, condition) ? 1 : 0);
    }

    /// <summary>TTL/PTTL: -2 missing, -1 no TTL, else the time left rounded as Redis rounds it.</summary>
    private static long Remaining(RespClient c, ReadOnlySpan<byte> key, long unitMs)
    {
        long at = c.Store.ExpiryOf(c.Session, key);
        if (at < 0) return at;
        long left = Math.Max(0, at - c.Store.NowMs());
        return unitMs == 1 ? left : RoundToSeconds(left);
    }

    /// <summary>Redis's (ms + 500) / 1000 for ms &gt;= 0, without overflowing near long.MaxValue (where Redis's
    /// answer, e.g. 9223372036854776 for PEXPIREAT 9223372036854775807, is the rounded value too).</summary>
    private static long RoundToSeconds(long ms) => ms / 1000 + (ms % 1000 >= 500 ? 1 : 0);

    private static void Rename(RespClient c, CommandArgs a, RespWriter r, bool nx)
    {
        var result = c.Store.Rename(c.Session, a[1], a[2], nx);
        if (result == RenameResult.NoSource) throw CommandError.NoSuchKey();
        if (nx) r.Integer(result == RenameResult.Renamed ? 1 : 0);
        else r.Ok();
    }

    /// <summary>COPY source destination [DB index] [REPLACE]</summary>
    private static void Copy(RespClient c, CommandArgs a, RespWriter r)
    {
        int db = c.Session.Db;
        bool replace = false;
        for (int i = 3; i < a.Count; i++)
        {
            if (a.Is(i, "REPLACE"u8)) replace = true;
            else if (a.Is(i, "DB"u8) && i + 1 < a.Count)
            {
                db = ArgParse.Int32(a[++i]);
                if (db < 0 || db >= c.Store.Databases) throw new CommandError("ERR DB index is out of range");
            }
            else throw CommandError.Syntax();
        }
        if (db == c.Session.Db && a[1].SequenceEqual(a[2]))
            throw new CommandError("ERR source and destination objects are the same");
        r.Integer(c.Store.Copy(c.Session, a[1], a[2], db, replace) ? 1 : 0);
    }

    /// <summary>MOVE key db: Redis's checks in Redis's order (number, int range, db range, same db).</summary>
    private static void Move(RespClient c, CommandArgs a, RespWriter r)
    {
        long db = ArgParse.Int64(a[2]);
        if (db is < int.MinValue or > int.MaxValue)
            throw new CommandError("ERR value is out of range, value must between -2147483648 and 2147483647");
        if (db < 0 || db >= c.Store.Databases) throw new CommandError("ERR DB index is out of range");
        if (db == c.Session.Db) throw new CommandError("ERR source and destination objects are the same");
        r.Integer(c.Store.Move(c.Session, a[1], (int)db) ? 1 : 0);
    }

    private static void Keys(RespClient c, CommandArgs a, RespWriter r)
    {
        var keys = c.Store.Keys(c.Session, a[1]);
        r.ArrayHeader(keys.Count);
        foreach (var key in keys) r.Bulk(key);
    }

    /// <summary>SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]</summary>
    private static void Scan(RespClient c, CommandArgs a, RespWriter r)
    {
        if (!ArgParse.TryUInt64(a[1], out ulong cursor)) throw new CommandError("ERR invalid cursor");
        ReadOnlySpan<byte> pattern = "*"u8;
        int count = 10;
        string? type = null;
        for (int i = 2; i < a.Count; i++)
        {
            if (i + 1 >= a.Count) throw CommandError.Syntax();
            if (a.Is(i, "MATCH"u8)) pattern = a[++i];
            else if (a.Is(i, "COUNT"u8))
            {
                count = ArgParse.Int32(a[++i]);
                if (count < 1) throw CommandError.Syntax();
            }
            else if (a.Is(i, "TYPE"u8)) type = a.Text(++i).ToLowerInvariant();
            else throw CommandError.Syntax();
        }
        var keys = new List<byte[]>();
        long next = cursor > long.MaxValue ? 0 : c.Store.Scan(c.Session, (long)cursor, pattern, count, type, keys);
        r.ArrayHeader(2);
        r.Bulk(next.ToString(System.Globalization.CultureInfo.InvariantCulture));
        r.ArrayHeader(keys.Count);
        foreach (var key in keys) r.Bulk(key);
    }
}
