using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>PFADD, PFCOUNT, PFMERGE over Redis-compatible HLL strings (StateMachine/Values/HyperLogLog.cs), and
/// Redis's introspection of them, PFDEBUG and PFSELFTEST.</summary>
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
        t.Add("pfdebug", 3, CommandFlags.Write | CommandFlags.Admin, PfDebug, 2, 2, 1);
        t.Add("pfselftest", 1, CommandFlags.Admin, (c, a, r) =>
        {
            if (StateMachine.Values.HyperLogLogSelfTest.Run() is { } failure) r.Error(failure);
            else r.Ok();
        });
    }

    /// <summary>PFDEBUG GETREG | DECODE | ENCODING | TODENSE key, with Redis's replies and errors, in Redis's order:
    /// the key first (missing, not a HLL), then the subcommand.</summary>
    private static void PfDebug(RespClient c, CommandArgs a, RespWriter r)
    {
        Store.PfDebugOp? op = a.Is(1, "GETREG"u8) ? Store.PfDebugOp.GetReg : a.Is(1, "DECODE"u8) ? Store.PfDebugOp.Decode
            : a.Is(1, "ENCODING"u8) ? Store.PfDebugOp.Encoding : a.Is(1, "TODENSE"u8) ? Store.PfDebugOp.ToDense : null;
        switch (c.Store.PfDebug(c.Session, a[2], op))
        {
            case null:
                throw new CommandError($"ERR Unknown PFDEBUG subcommand '{a.Text(1)}'");
            case int[] registers:
                r.ArrayHeader(registers.Length);
                foreach (int register in registers) r.Integer(register);
                break;
            case bool converted:
                r.Integer(converted ? 1 : 0);
                break;
            case string text when op == Store.PfDebugOp.Encoding:
                r.Simple(text);
                break;
            case string text:
                r.Bulk(System.Text.Encoding.ASCII.GetBytes(text));
                break;
        }
    }
}
