using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>PFADD, PFCOUNT, PFMERGE over Redis-compatible HLL strings (StateMachine/Values/HyperLogLog.cs).</summary>
public static class HyperLogLogCommands
{
    public static void Register(CommandTable t)
    {
        t.Key("pfadd", -2, CommandFlags.Write | CommandFlags.Fast, (c, a, r) => r.Integer(c.Store.PfAdd(c.Session, a[1], a, 2) ? 1 : 0));
        t.Add("pfcount", -2, CommandFlags.ReadOnly, (c, a, r) => r.Integer(c.Store.PfCount(c.Session, a, 1)), 1, -1, 1);
        t.Add("pfmerge", -2, CommandFlags.Write, (c, a, r) =>
        {
            c.Store.PfMerge(c.Session, a, 1);
            r.Ok();
        }, 1, -1, 1);
    }
}
