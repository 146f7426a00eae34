using System.Security.Cryptography;
using System.Text;
using HyperCache.Frontends.Resp.Metadata;

namespace HyperCache.Frontends.Resp.Acl;

/// <summary>A rule ACL SETUSER (or a config file's user line) cannot apply: Redis's reason for it.</summary>
public sealed class AclRuleException(string rule, string reason) : Exception(reason)
{
    public string Rule { get; } = rule;
}

/// <summary>
/// Applies one ACL SETUSER rule to a rule set, as Redis 7.0 reads it: on/off, passwords (&gt;pass &lt;pass #hash !hash
/// nopass resetpass), commands (+cmd -cmd +cmd|sub +@cat -@cat allcommands nocommands), key patterns (~pat %R~ %W~
/// %RW~ allkeys resetkeys), channels (&amp;pat allchannels resetchannels), reset. Selectors "(...)" and first-argument
/// rules (+select|0) are refused: see docs/decisions.md. Rules are Latin-1 text so that any bytes round-trip.
/// </summary>
public static class AclRuleParser
{
    public const string UnknownName = "Unknown command or category name in ACL";
    private const string Syntax = "Syntax error";
    private const string BadHash = "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters";
    private const string NoSuchPassword = "The password you are trying to remove from the user does not exist";
    private const string KeyAfterAll = "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
    private const string ChannelAfterAll = "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels";

    public static void Apply(AclRules r, string rule, AclCommandIndex index)
    {
        int count = index.Count;
        switch (rule.ToLowerInvariant())
        {
            case "on": r.Enabled = true; return;
            case "off": r.Enabled = false; return;
            case "nopass":
                r.NoPass = true;
                r.Passwords.Clear();
                return;
            case "resetpass":
                r.NoPass = false;
                r.Passwords.Clear();
                return;
            case "allkeys":
                r.AllKeys = true;
                r.Keys.Clear();
                return;
            case "resetkeys":
                r.AllKeys = false;
                r.Keys.Clear();
                return;
            case "allchannels":
                r.AllChannels = true;
                r.Channels.Clear();
                return;
            case "resetchannels":
                r.AllChannels = false;
                r.Channels.Clear();
                return;
            case "allcommands" or "+@all": r.SetAllCommands(count, true); return;
            case "nocommands" or "-@all": r.SetAllCommands(count, false); return;
            case "sanitize-payload": r.Sanitizing = PayloadSanitizing.Sanitize; return;
            case "skip-sanitize-payload": r.Sanitizing = PayloadSanitizing.Skip; return;
            case "clearselectors": return; // no selectors exist to clear
            case "reset":
                foreach (var part in (string[])["resetpass", "resetkeys", "resetchannels", "off", "-@all"]) Apply(r, part, index);
                r.Sanitizing = PayloadSanitizing.Sanitize;
                return;
        }
        if (rule.Length == 0) throw new AclRuleException(rule, Syntax);
        switch (rule[0])
        {
            case '>':
                AddPassword(r, SHA256.HashData(Encoding.Latin1.GetBytes(rule[1..])));
                return;
            case '#':
                AddPassword(r, ParseHash(rule));
                return;
            case '<':
                RemovePassword(r, rule, SHA256.HashData(Encoding.Latin1.GetBytes(rule[1..])));
                return;
            case '!':
                RemovePassword(r, rule, ParseHash(rule));
                return;
            case '~':
                AddKeyPattern(r, rule, rule[1..], KeyAccess.ReadWrite);
                return;
            case '%':
                // %R~pattern, %W~, %RW~ (at least one letter; as Redis, "%R" alone is the empty pattern)
                int tilde = rule.IndexOf('~');
                if (tilde < 0) tilde = rule.Length;
                if (tilde < 2) throw new AclRuleException(rule, Syntax);
                var access = KeyAccess.None;
                foreach (char c in rule.AsSpan(1, tilde - 1))
                    access |= char.ToUpperInvariant(c) switch
                    {
                        'R' => KeyAccess.Read,
                        'W' => KeyAccess.Write,
                        _ => throw new AclRuleException(rule, Syntax),
                    };
                AddKeyPattern(r, rule, tilde < rule.Length ? rule[(tilde + 1)..] : "", access);
                return;
            case '&':
                if (r.AllChannels) throw new AclRuleException(rule, ChannelAfterAll);
                string channel = rule[1..];
                if (channel == "*")
                {
                    r.AllChannels = true;
                    r.Channels.Clear();
                }
                else if (!r.Channels.Exists(c => c.Text == channel)) r.Channels.Add(new ChannelPattern(channel));
                return;
            case '(':
                throw new AclRuleException(rule, "Selectors are not supported by HyperCache (see docs/decisions.md)");
            case '+' or '-':
                SetCommands(r, rule, index);
                return;
        }
        throw new AclRuleException(rule, Syntax);
    }

    private static void AddPassword(AclRules r, byte[] hash)
    {
        r.NoPass = false;
        if (!r.Passwords.Exists(p => p.AsSpan().SequenceEqual(hash))) r.Passwords.Add(hash);
    }

    private static void RemovePassword(AclRules r, string rule, byte[] hash)
    {
        r.NoPass = false;
        if (r.Passwords.RemoveAll(p => p.AsSpan().SequenceEqual(hash)) == 0) throw new AclRuleException(rule, NoSuchPassword);
    }

    private static byte[] ParseHash(string rule)
    {
        var hex = rule.AsSpan(1);
        if (hex.Length != 64) throw new AclRuleException(rule, BadHash);
        foreach (char c in hex)
            if (c is not (>= '0' and <= '9' or >= 'a' and <= 'f')) throw new AclRuleException(rule, BadHash);
        return Convert.FromHexString(hex);
    }

    /// <summary>~* (any access) is allkeys; a pattern given twice gains the second one's access.</summary>
    private static void AddKeyPattern(AclRules r, string rule, string pattern, KeyAccess access)
    {
        if (r.AllKeys) throw new AclRuleException(rule, KeyAfterAll);
        if (pattern == "*" && access == KeyAccess.ReadWrite)
        {
            r.AllKeys = true;
            r.Keys.Clear();
            return;
        }
        var existing = r.Keys.Find(k => k.Text == pattern);
        if (existing != null) existing.Access |= access;
        else r.Keys.Add(new KeyPattern(pattern, access));
    }

    /// <summary>+name / -name for a command (a container with every subcommand) or "command|subcommand", and
    /// +@category / -@category for every command and subcommand in it.</summary>
    private static void SetCommands(AclRules r, string rule, AclCommandIndex index)
    {
        bool allow = rule[0] == '+';
        string name = rule[1..];
        if (name.StartsWith('@'))
        {
            int category = Array.FindIndex(AclCategoryNames.Names, n => n.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (category < 0) throw new AclRuleException(rule, UnknownName);
            SetCategory(r, index, (AclCategories)(1u << category), allow);
            return;
        }
        if (!TryFindCommand(index, name, out var spec))
        {
            int bar = name.IndexOf('|');
            if (allow && bar > 0 && index.Table.TryFind(name[..bar], out var command) && command.ListedSubcommands.Count() == 0)
                throw new AclRuleException(rule, "Rules on a command's first argument (+command|argument) are not supported by HyperCache");
            throw new AclRuleException(rule, UnknownName);
        }
        foreach (int id in index.FamilyOf(spec)) r.SetCommand(id, allow);
    }

    /// <summary>As Redis: a command in the category gets its whole family, then each subcommand in it gets its own bit.</summary>
    public static void SetCategory(AclRules r, AclCommandIndex index, AclCategories category, bool allow)
    {
        for (int id = 0; id < index.Count; id++)
        {
            var spec = index[id];
            if (spec.AclId != id || (index.CategoriesOf(id) & category) == 0) continue;
            if (spec.Name.Contains('|')) r.SetCommand(id, allow);
            else foreach (int member in index.FamilyOf(spec)) r.SetCommand(member, allow);
        }
    }

    /// <summary>A command by the name a rule gives it: "get", or "config|get" for a listed subcommand. A first
    /// argument of a command without subcommands (Redis's deprecated +select|0) is not one.</summary>
    public static bool TryFindCommand(AclCommandIndex index, string name, out CommandSpec spec)
    {
        spec = null!;
        if (name.Length == 0 || name.Length > 128) return false;
        int bar = name.IndexOf('|');
        if (bar == 0 || (bar > 0 && name.IndexOf('|', bar + 1) >= 0)) return false;
        return index.Table.TryFindFullName(name, out spec);
    }
}
