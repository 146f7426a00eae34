using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>GET, SET and the other string and counter commands.</summary>
public static class StringCommands
{
    public static void Register(CommandTable t)
    {
        const CommandFlags R = CommandFlags.ReadOnly | CommandFlags.Fast, W = CommandFlags.Write, WF = W | CommandFlags.Fast;
        t.Key("get", 2, R, Get);
        t.Key("set", -3, W, Set);
        t.Key("setnx", 3, WF, (c, a, r) => r.Integer(c.Store.Set(c.Session, a[1], a[2], SetCondition.IfNotExists, 0, false, out _) ? 1 : 0));
        t.Key("setex", 4, W, (c, a, r) => SetWithExpiry(c, a, r, ExpiryUnit.Seconds, "setex"));
        t.Key("psetex", 4, W, (c, a, r) => SetWithExpiry(c, a, r, ExpiryUnit.Milliseconds, "psetex"));
        t.Key("getset", 3, WF, (c, a, r) =>
        {
            c.Store.Set(c.Session, a[1], a[2], SetCondition.Always, 0, true, out var previous);
            r.Bulk(previous);
        });
        t.Key("getdel", 2, WF, (c, a, r) => r.Bulk(c.Store.GetDelete(c.Session, a[1])));
        t.Key("getex", -2, WF, GetEx);
        t.Add("mget", -2, R, MGet, 1, -1, 1);
        t.Add("mset", -3, W, (c, a, r) => MSet(c, a, r, "mset"), 1, -1, 2);
        t.Add("msetnx", -3, W, (c, a, r) => MSet(c, a, r, "msetnx"), 1, -1, 2);
        t.Key("append", 3, WF, (c, a, r) => r.Integer(c.Store.Append(c.Session, a[1], a[2])));
        t.Key("strlen", 2, R, (c, a, r) => r.Integer(c.Store.ReadString(c.Session, a[1], 0, static (value, _) => value.Length, 0)));
        t.Key("getrange", 4, CommandFlags.ReadOnly, GetRange);
        t.Key("substr", 4, CommandFlags.ReadOnly, GetRange);
        t.Key("setrange", 4, W, SetRange);
        t.Key("incr", 2, W | CommandFlags.Fast, (c, a, r) => r.Integer(c.Store.IncrementBy(c.Session, a[1], 1)));
        t.Key("decr", 2, W | CommandFlags.Fast, (c, a, r) => r.Integer(c.Store.IncrementBy(c.Session, a[1], -1)));
        t.Key("incrby", 3, W | CommandFlags.Fast, (c, a, r) => r.Integer(c.Store.IncrementBy(c.Session, a[1], ArgParse.Int64(a[2]))));
        t.Key("decrby", 3, W | CommandFlags.Fast, (c, a, r) =>
        {
            long delta = ArgParse.Int64(a[2]);
            if (delta == long.MinValue) throw new CommandError("ERR decrement would overflow");
            r.Integer(c.Store.IncrementBy(c.Session, a[1], -delta));
        });
        t.Key("incrbyfloat", 3, W | CommandFlags.Fast, (c, a, r) => r.Bulk(c.Store.IncrementByFloat(c.Session, a[1], a[2])));
    }

    /// <summary>Writes the string as a bulk reply while its shard lock is held: the stored array may be overwritten
    /// in place once the lock is gone (Store.StringsInPlace.cs), so it goes straight into the reply, with no copy
    /// of its own in between (GET and MGET allocate nothing).</summary>
    private static readonly StringReader<RespWriter, bool> BulkReply = static (value, reply) =>
    {
        reply.Bulk(value);
        return true;
    };

    private static void Get(RespClient c, CommandArgs a, RespWriter r)
    {
        if (!c.Store.ReadString(c.Session, a[1], r, BulkReply, false)) r.NullBulk();
    }

    /// <summary>SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL]</summary>
    private static void Set(RespClient c, CommandArgs a, RespWriter r)
    {
        var options = StringOptions.Parse(a, set: true);
        long expireAt = options.KeepTtl ? Store.KeepTtl : options.ExpireAt(a, c, "set");
        bool written = c.Store.Set(c.Session, a[1], a[2], options.Condition, expireAt, options.Get, out var previous);
        if (options.Get) r.Bulk(previous);
        else if (written) r.Ok();
        else r.NullBulk();
    }

    private static void SetWithExpiry(RespClient c, CommandArgs a, RespWriter r, ExpiryUnit unit, string name)
    {
        long expireAt = Expiry.Positive(a[2], unit, c.Store.NowMs(), name);
        c.Store.Set(c.Session, a[1], a[3], SetCondition.Always, expireAt, false, out _);
        r.Ok();
    }

    /// <summary>GETEX key [EX s|PX ms|EXAT s|PXAT ms|PERSIST]</summary>
    private static void GetEx(RespClient c, CommandArgs a, RespWriter r)
    {
        var options = StringOptions.Parse(a, set: false);
        long expireAt;
        try
        {
            expireAt = options.Persist ? 0 : options.Unit is null ? Store.KeepTtl : options.ExpireAt(a, c, "getex");
        }
        catch (CommandError)
        {
            // Redis looks the key up before it checks the time: a missing key is nil, another type WRONGTYPE
            switch (c.Store.TypeOf(c.Session, a[1]))
            {
                case "none": r.NullBulk(); return;
                case "string": throw;
                default: throw CommandError.WrongType();
            }
        }
        r.Bulk(c.Store.GetAndExpire(c.Session, a[1], expireAt));
    }

    private static void MGet(RespClient c, CommandArgs a, RespWriter r)
    {
        r.ArrayHeader(a.Count - 1);
        for (int i = 1; i < a.Count; i++)
        {
            bool found;
            try
            {
                found = c.Store.ReadString(c.Session, a[i], r, BulkReply, false);
            }
            catch (CommandError)
            {
                found = false; // MGET answers nil for a key of another type
            }
            if (!found) r.NullBulk();
        }
    }

    private static void MSet(RespClient c, CommandArgs a, RespWriter r, string name)
    {
        if (a.Count % 2 != 1) throw ArgParse.WrongArity(name);
        bool nx = name == "msetnx";
        bool written = c.Store.MultiSet(c.Session, a, 1, nx);
        if (nx) r.Integer(written ? 1 : 0);
        else r.Ok();
    }

    private static void GetRange(RespClient c, CommandArgs a, RespWriter r)
    {
        long start = ArgParse.Int64(a[2]), end = ArgParse.Int64(a[3]);
        if (!c.Store.ReadString(c.Session, a[1], (r, start, end), static (value, s) => WriteRange(s.r, value, s.start, s.end), false))
            WriteRange(r, [], start, end);
    }

    private static bool WriteRange(RespWriter r, ReadOnlySpan<byte> value, long start, long end)
    {
        long length = value.Length;
        if (start < 0 && end < 0 && start > end)
        {
            r.Bulk(ReadOnlySpan<byte>.Empty);
            return true;
        }
        if (start < 0) start = Math.Max(0, length + start);
        if (end < 0) end = Math.Max(0, length + end);
        if (end >= length) end = length - 1;
        if (start > end || length == 0) r.Bulk(ReadOnlySpan<byte>.Empty);
        else r.Bulk(value.Slice((int)start, (int)(end - start + 1)));
        return true;
    }

    private static void SetRange(RespClient c, CommandArgs a, RespWriter r)
    {
        long offset = ArgParse.Int64(a[2]);
        if (offset < 0) throw new CommandError("ERR offset is out of range");
        // As Redis: an empty value only answers the length, and the key's type is checked before the size
        if (!a[3].IsEmpty && offset > c.Node.Config.ProtoMaxBulkLen - a[3].Length) // offset + length, without overflow
        {
            if (c.Store.TypeOf(c.Session, a[1]) is not ("none" or "string")) throw CommandError.WrongType();
            throw new CommandError("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        }
        r.Integer(c.Store.SetRange(c.Session, a[1], a[3].IsEmpty ? 0 : (int)offset, a[3]));
    }
}
