using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE destination], and
/// SORT_RO (the same without STORE), parsed as Redis 7.0's sortCommand does; the work is <see cref="Store.Sort"/>.</summary>
public static class SortCommands
{
    public static void Register(CommandTable t)
    {
        t.Key("sort", -2, CommandFlags.Write, (c, a, r) => Sort(c, a, r, readOnly: false));
        t.Key("sort_ro", -2, CommandFlags.ReadOnly, (c, a, r) => Sort(c, a, r, readOnly: true));
    }

    private static void Sort(RespClient c, CommandArgs a, RespWriter r, bool readOnly)
    {
        var options = Parse(a, readOnly, c.User.Rules) with { FromScript = c.IsScript };
        var result = c.Store.Sort(c.Session, a[1], options);
        if (options.Destination != null)
        {
            r.Integer(result.Count);
            return;
        }
        r.ArrayHeader(result.Count);
        foreach (var item in result) r.Bulk(item);
    }

    /// <summary>As Redis 7.0: BY with a pattern and GET read keys the key specs do not name, so they need a user who
    /// may read every key (allkeys, or a read pattern "*").</summary>
    private static void DemandReadAll(Acl.AclRules rules, string option)
    {
        if (rules.AllKeys || rules.Keys.Exists(k => k.Text == "*" && k.Access.HasFlag(Acl.KeyAccess.Read))) return;
        throw new CommandError($"ERR {option} option of SORT denied due to insufficient ACL permissions.");
    }

    private static SortOptions Parse(CommandArgs a, bool readOnly, Acl.AclRules rules)
    {
        var options = new SortOptions();
        for (int j = 2; j < a.Count; j++)
        {
            int left = a.Count - j - 1;
            if (a.Is(j, "ASC"u8)) options = options with { Descending = false };
            else if (a.Is(j, "DESC"u8)) options = options with { Descending = true };
            else if (a.Is(j, "ALPHA"u8)) options = options with { Alpha = true };
            else if (a.Is(j, "LIMIT"u8) && left >= 2)
            {
                options = options with { Offset = ArgParse.Int64(a[j + 1]), Count = ArgParse.Int64(a[j + 2]) };
                j += 2;
            }
            else if (!readOnly && a.Is(j, "STORE"u8) && left >= 1) options = options with { Destination = a[++j].ToArray() };
            else if (a.Is(j, "BY"u8) && left >= 1)
            {
                if (a[j + 1].Contains((byte)'*')) DemandReadAll(rules, "BY"); // without a '*' BY means "don't sort"
                options = options with { By = a[++j].ToArray() };
            }
            else if (a.Is(j, "GET"u8) && left >= 1)
            {
                DemandReadAll(rules, "GET");
                options.Gets.Add(a[++j].ToArray());
            }
            else throw CommandError.Syntax();
        }
        return options;
    }
}
