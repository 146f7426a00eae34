using System.Text;
using HyperCache.Frontends.Resp.Metadata;

namespace HyperCache.Frontends.Resp.Acl;

/// <summary>
/// A user's rules written back as rules, as Redis 7.0 writes them for ACL LIST, ACL GETUSER and the config file:
/// flags, passwords, keys, channels, then commands as "+@all" or "-@all" followed by the categories that fit best
/// and the single commands that still differ.
/// </summary>
public static class AclDescriber
{
    /// <summary>ACL LIST's line: "user name on #hash ~keys resetchannels &amp;ch -@all +get".</summary>
    public static string Line(AclUser user, AclCommandIndex index)
    {
        var rules = user.Rules;
        var line = new StringBuilder("user ").Append(user.Name).Append(' ').Append(rules.Enabled ? "on" : "off");
        if (rules.NoPass) line.Append(" nopass");
        if (rules.Sanitizing != PayloadSanitizing.Unset) line.Append(' ').Append(SanitizingFlag(rules.Sanitizing));
        foreach (var hash in rules.Passwords) line.Append(" #").Append(Convert.ToHexStringLower(hash));
        string keys = Keys(rules);
        if (keys.Length > 0) line.Append(' ').Append(keys);
        line.Append(' ').Append(rules.AllChannels ? "&*" : ("resetchannels " + Channels(rules)).TrimEnd());
        return line.Append(' ').Append(Commands(rules, index)).ToString();
    }

    public static string SanitizingFlag(PayloadSanitizing s) => s == PayloadSanitizing.Skip ? "skip-sanitize-payload" : "sanitize-payload";

    /// <summary>The key patterns as rules: "~*", or each pattern with its access ("~a %R~b %W~c").</summary>
    public static string Keys(AclRules rules)
        => rules.AllKeys ? "~*" : string.Join(' ', rules.Keys.Select(k => k.Access switch
        {
            KeyAccess.Read => "%R~",
            KeyAccess.Write => "%W~",
            _ => "~",
        } + k.Text));

    /// <summary>The channel patterns as rules: "&amp;*", or each "&amp;pattern" (none: empty).</summary>
    public static string Channels(AclRules rules)
        => rules.AllChannels ? "&*" : string.Join(' ', rules.Channels.Select(c => "&" + c.Text));

    /// <summary>
    /// Redis's way: start from +@all when the rules came from it, else -@all; then, repeatedly, the category that
    /// covers the most of the commands still to describe (more of them in than out), and last the single commands
    /// (and subcommands) whose bit still differs, in the table's order.
    /// </summary>
    public static string Commands(AclRules rules, AclCommandIndex index)
    {
        int count = index.Count;
        bool additive = !rules.FromAllCommands;
        var text = new StringBuilder(additive ? "-@all" : "+@all");
        var described = new AclRules(count);
        described.SetAllCommands(count, !additive);
        var rest = rules.Clone(); // commands not yet covered by a chosen category
        for (int round = 0; round < AclCategoryNames.Names.Length; round++)
        {
            int best = -1, most = 0;
            for (int c = 0; c < AclCategoryNames.Names.Length; c++)
            {
                var (on, off) = Count(rest, index, (AclCategories)(1u << c));
                int fit = additive ? on : off, misfit = additive ? off : on;
                if (fit > misfit && fit > most)
                {
                    best = c;
                    most = fit;
                }
            }
            if (best < 0) break;
            var category = (AclCategories)(1u << best);
            AclRuleParser.SetCategory(described, index, category, additive);
            AclRuleParser.SetCategory(rest, index, category, !additive);
            text.Append(additive ? " +" : " -").Append(AclCategoryNames.Names[best]);
        }
        for (int id = 0; id < count; id++)
        {
            bool wanted = rules.MayRun(id);
            if (wanted == described.MayRun(id)) continue;
            text.Append(wanted ? " +" : " -").Append(index[id].Name);
            foreach (int member in index.FamilyOf(index[id])) described.SetCommand(member, wanted);
        }
        return text.ToString();
    }

    private static (int On, int Off) Count(AclRules rules, AclCommandIndex index, AclCategories category)
    {
        int on = 0, off = 0;
        for (int id = 0; id < index.Count; id++)
        {
            if ((index.CategoriesOf(id) & category) == 0) continue;
            if (rules.MayRun(id)) on++;
            else off++;
        }
        return (on, off);
    }
}
