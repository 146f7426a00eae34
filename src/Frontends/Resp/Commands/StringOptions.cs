using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>
/// The options of SET and GETEX, parsed as Redis's parseExtendedStringArgumentsOrReply does: the whole option list
/// is checked for syntax first (an expiry may repeat in its own unit, the last one counting), and the expiry's
/// number only afterwards (<see cref="ExpireAt"/>), so `SET k v EX -1 BOGUS` is a syntax error.
/// </summary>
public readonly record struct StringOptions(SetCondition Condition, bool Get, bool KeepTtl, bool Persist, ExpiryUnit? Unit, int AmountAt)
{
    /// <summary>SET's options (from argument 3) or GETEX's (from argument 2).</summary>
    public static StringOptions Parse(CommandArgs a, bool set)
    {
        var condition = SetCondition.Always;
        bool get = false, keepTtl = false, persist = false;
        ExpiryUnit? unit = null;
        int amountAt = 0;
        for (int i = set ? 3 : 2; i < a.Count; i++)
        {
            if (set && a.Is(i, "NX"u8) && condition != SetCondition.IfExists) condition = SetCondition.IfNotExists;
            else if (set && a.Is(i, "XX"u8) && condition != SetCondition.IfNotExists) condition = SetCondition.IfExists;
            else if (set && a.Is(i, "GET"u8)) get = true;
            else if (set && a.Is(i, "KEEPTTL"u8) && unit is null) keepTtl = true;
            else if (!set && a.Is(i, "PERSIST"u8) && unit is null) persist = true;
            else if (Expiry.TryUnit(a, i, out var u) && !keepTtl && !persist && (unit is null || unit == u) && i + 1 < a.Count)
            {
                unit = u;
                amountAt = ++i;
            }
            else throw CommandError.Syntax();
        }
        return new StringOptions(condition, get, keepTtl, persist, unit, amountAt);
    }

    /// <summary>The absolute expiry in Unix ms (0 for none), or the command's invalid-expire error.</summary>
    public long ExpireAt(CommandArgs a, RespClient c, string command) =>
        Unit is { } unit ? Expiry.Positive(a[AmountAt], unit, c.Store.NowMs(), command) : 0;
}
