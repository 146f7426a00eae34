using HyperCache.StateMachine;
using HyperCache.StateMachine.Dump;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>DUMP and RESTORE, with payloads in Redis 7.0's format (RDB value, version, CRC-64) so that values move
/// between redis-server and HyperCache either way.</summary>
public static class DumpCommands
{
    private const string BusyKey = "BUSYKEY Target key name already exists.";

    public static void Register(CommandTable t)
    {
        t.Key("dump", 2, CommandFlags.ReadOnly, (c, a, r) => r.Bulk(c.Store.Dump(c.Session, a[1])));
        t.Key("restore", -4, CommandFlags.Write, Restore);
        // What MIGRATE sends in cluster mode; without a cluster Redis runs it as RESTORE, and so does HyperCache.
        t.Key("restore-asking", -4, CommandFlags.Write, Restore);
    }

    /// <summary>RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency], checked in Redis's
    /// order: options, an existing key, the TTL, the footer, the value.</summary>
    private static void Restore(RespClient c, CommandArgs a, RespWriter r)
    {
        bool replace = false, absolute = false;
        long idle = -1, frequency = -1;
        for (int i = 4; i < a.Count; i++)
        {
            bool more = i + 1 < a.Count;
            if (a.Is(i, "REPLACE"u8)) replace = true;
            else if (a.Is(i, "ABSTTL"u8)) absolute = true;
            else if (a.Is(i, "IDLETIME"u8) && more && frequency == -1)
            {
                idle = ArgParse.Int64(a[++i]);
                if (idle < 0) throw new CommandError("ERR Invalid IDLETIME value, must be >= 0");
            }
            else if (a.Is(i, "FREQ"u8) && more && idle == -1)
            {
                frequency = ArgParse.Int64(a[++i]);
                if (frequency is < 0 or > 255) throw new CommandError("ERR Invalid FREQ value, must be >= 0 and <= 255");
            }
            else throw CommandError.Syntax();
        }
        if (!replace && c.Store.IsLive(c.Session, a[1])) throw new CommandError(BusyKey);
        long ttl = ArgParse.Int64(a[2]);
        if (ttl < 0) throw new CommandError("ERR Invalid TTL value, must be >= 0");
        object value;
        try
        {
            value = DumpDecoder.Decode(DumpDecoder.VerifyFooter(a[3]));
        }
        catch (DumpFormatException e)
        {
            throw new CommandError(e.Message);
        }
        long now = c.Store.NowMs();
        long expireAt = ttl == 0 ? 0 : absolute ? ttl : ttl > long.MaxValue - now ? long.MaxValue : now + ttl;
        if (c.Store.Restore(c.Session, a[1], value, expireAt, replace, idle, (int)frequency) == RestoreResult.Busy)
            throw new CommandError(BusyKey);
        r.Ok();
    }
}
