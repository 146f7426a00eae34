using System.Security.Cryptography;
using System.Text;
using HyperCache.Frontends.Resp.Acl;
using HyperCache.Frontends.Resp.Metadata;
using HyperCache.StateMachine;
using Microsoft.Extensions.Logging;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>
/// ACL as Redis 7.0 has it, for the users of <see cref="Acl.AclUsers"/>: SETUSER (atomic: a bad rule changes nothing),
/// GETUSER, LIST, USERS, DELUSER (closing the deleted users' connections), DRYRUN, WHOAMI, CAT, GENPASS, and LOG of
/// failed AUTHs and of denied commands, keys and channels, LOAD and SAVE of the ACL file (aclfile).
/// </summary>
public static class AclCommands
{
    private const string NoAclFile = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.";

    private static readonly string[] Help =
    [
        "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CAT [<category>]",
        "    List all commands that belong to <category>, or all command categories",
        "    when no category is specified.",
        "DELUSER <username> [<username> ...]",
        "    Delete a list of users (the default user cannot be deleted); their connections are closed.",
        "DRYRUN <username> <command> [<arg> ...]",
        "    Returns whether the user can execute the given command without executing the command.",
        "GETUSER <username>",
        "    Get the user's details.",
        "GENPASS [<bits>]",
        "    Generate a secure 256-bit user password. The optional `bits` argument can",
        "    be used to specify a different size.",
        "LIST",
        "    Show users details in config file format.",
        "LOAD",
        "    Reload users from the ACL file.",
        "LOG [<count> | RESET]",
        "    Show the ACL log entries.",
        "SAVE",
        "    Save the current config to the ACL file.",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "    Create or modify a user with the specified attributes.",
        "USERS",
        "    List all the registered usernames.",
        "WHOAMI",
        "    Return the current connection username.",
        "HELP",
        "    Print this help.",
    ];

    public static void Register(CommandTable t)
    {
        const CommandFlags A = CommandFlags.Admin;
        t.Container("acl", CommandFlags.None,
            new Subcommand("CAT", -2, Cat, Flags: CommandFlags.None),
            new Subcommand("DELUSER", -3, DelUser, Flags: A),
            new Subcommand("DRYRUN", -4, DryRun, Flags: A),
            new Subcommand("GENPASS", -2, GenPass, Flags: CommandFlags.None),
            new Subcommand("GETUSER", 3, GetUser, Flags: A),
            new Subcommand("LIST", 2, (c, a, r) =>
            {
                var users = c.Node.Acl.All();
                r.ArrayHeader(users.Length);
                foreach (var user in users) r.Bulk(Latin1(AclDescriber.Line(user, c.Node.Acl.Index)));
            }, Flags: A),
            new Subcommand("LOAD", 2, Load, Flags: A),
            new Subcommand("LOG", -2, Log, Flags: A),
            new Subcommand("SAVE", 2, Save, Flags: A),
            new Subcommand("SETUSER", -3, SetUser, Flags: A),
            new Subcommand("USERS", 2, (c, a, r) =>
            {
                var users = c.Node.Acl.All();
                r.ArrayHeader(users.Length);
                foreach (var user in users) r.Bulk(Latin1(user.Name));
            }, Flags: A),
            new Subcommand("WHOAMI", 2, (c, a, r) => r.Bulk(Latin1(c.User.Name)), Flags: CommandFlags.None),
            Subcommand.Help(Help));
    }

    /// <summary>ACL text is Latin-1 so that every byte a client sent comes back as it was.</summary>
    private static byte[] Latin1(string text) => Encoding.Latin1.GetBytes(text);

    private static string Name(CommandArgs a, int i) => Encoding.Latin1.GetString(a[i]);

    /// <summary>ACL LOAD: the ACL file's users replace the current ones, or nothing changes (Redis's error says why).
    /// Connections of the replaced users are closed; the default user's stay.</summary>
    private static void Load(RespClient c, CommandArgs a, RespWriter r)
    {
        string file = c.Node.Config.AclFile;
        if (file.Length == 0) throw new CommandError(NoAclFile);
        List<AclUser> replaced;
        try
        {
            replaced = c.Node.Acl.Replace(AclFile.Read(file, c.Node.Acl.Index), c.Node.Config.RequirePass);
        }
        catch (AclFileException e)
        {
            throw new CommandError("ERR " + e.Message);
        }
        AclConnections.CloseDeleted(c, replaced);
        r.Ok();
    }

    /// <summary>ACL SAVE: every user's ACL LIST line into the ACL file.</summary>
    private static void Save(RespClient c, CommandArgs a, RespWriter r)
    {
        string file = c.Node.Config.AclFile;
        if (file.Length == 0) throw new CommandError(NoAclFile);
        try
        {
            AclFile.Write(file, c.Node.Acl.All().Select(user => AclDescriber.Line(user, c.Node.Acl.Index)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            c.Node.Logger.LogWarning("ACL SAVE: writing {File} failed: {Message}", file, e.Message);
            throw new CommandError("ERR There was an error trying to save the ACLs. Please check the server logs for more information");
        }
        r.Ok();
    }

    /// <summary>ACL SETUSER name rule...: Redis's checks on the name, then every rule or none.</summary>
    private static void SetUser(RespClient c, CommandArgs a, RespWriter r)
    {
        string name = Name(a, 2);
        if (name.Contains(' ') || name.Contains('\0')) throw new CommandError("ERR Usernames can't contain spaces or null characters");
        var rules = new string[a.Count - 3];
        for (int i = 3; i < a.Count; i++) rules[i - 3] = Name(a, i);
        try
        {
            AclConnections.CloseSubscribersNoLongerAllowed(c, c.Node.Acl.SetUser(name, rules));
        }
        catch (AclRuleException e)
        {
            throw new CommandError($"ERR Error in ACL SETUSER modifier '{e.Rule}': {e.Message}");
        }
        r.Ok();
    }

    private static void Cat(RespClient c, CommandArgs a, RespWriter r)
    {
        if (a.Count > 3) throw new CommandError($"ERR unknown subcommand or wrong number of arguments for '{a.Text(1)}'. Try ACL HELP.");
        if (a.Count == 2)
        {
            r.ArrayHeader(AclCategoryNames.Names.Length);
            foreach (var name in AclCategoryNames.Names) r.Bulk(name[1..]);
            return;
        }
        string wanted = a.Text(2);
        int index = Array.FindIndex(AclCategoryNames.Names, n => n.AsSpan(1).Equals(wanted, StringComparison.OrdinalIgnoreCase));
        if (index < 0) throw new CommandError($"ERR Unknown category '{wanted}'");
        var names = CommandCommands.NamesIn(c.Node.Commands, (AclCategories)(1u << index));
        r.ArrayHeader(names.Count);
        foreach (var name in names) r.Bulk(name);
    }

    /// <summary>ACL DELUSER name...: how many existed; their connections are closed (the caller's after its reply).</summary>
    private static void DelUser(RespClient c, CommandArgs a, RespWriter r)
    {
        var names = new List<string>();
        for (int i = 2; i < a.Count; i++)
        {
            if (a.Is(i, "default"u8)) throw new CommandError("ERR The 'default' user cannot be removed");
            names.Add(Name(a, i));
        }
        var removed = c.Node.Acl.Delete(names);
        AclConnections.CloseDeleted(c, removed);
        r.Integer(removed.Count);
    }

    /// <summary>ACL DRYRUN user command arg...: OK, or why the user could not run it (a bulk string, as Redis).</summary>
    private static void DryRun(RespClient c, CommandArgs a, RespWriter r)
    {
        var user = c.Node.Acl.Find(Name(a, 2)) ?? throw new CommandError($"ERR User '{a.Text(2)}' not found");
        var line = new CommandArgs();
        var bytes = new byte[a.Count - 3][];
        int total = 0;
        for (int i = 3; i < a.Count; i++) total += (bytes[i - 3] = a[i].ToArray()).Length;
        var buffer = new byte[total];
        for (int i = 0, at = 0; i < bytes.Length; at += bytes[i].Length, i++) bytes[i].CopyTo(buffer, at);
        line.Reset(buffer);
        for (int i = 0, at = 0; i < bytes.Length; at += bytes[i].Length, i++) line.Add(at, bytes[i].Length);
        if (c.Node.Commands.Resolve(line, out var spec) != CommandLookup.Found) throw new CommandError($"ERR Command '{a.Text(3)}' not found");
        if (!spec.ArityOk(line.Count)) throw new CommandError($"ERR wrong number of arguments for '{spec.Name}' command");
        var index = c.Node.Acl.Index;
        var denial = AclCheck.Check(user.Rules, index, spec, line, out int position);
        if (denial == AclDenial.None) r.Ok();
        else r.Bulk(AclCheck.DryRunText(denial, index, spec, line, position));
    }

    private static void GenPass(RespClient c, CommandArgs a, RespWriter r)
    {
        long bits = 256;
        if (a.Count > 3) throw new CommandError($"ERR unknown subcommand or wrong number of arguments for '{a.Text(1)}'. Try ACL HELP.");
        if (a.Count == 3 && !Numbers.TryParseInt64(a[2], out bits)) throw new CommandError("ERR value is not an integer or out of range");
        if (bits <= 0 || bits > 4096)
            throw new CommandError("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096");
        int chars = (int)((bits + 3) / 4); // one hex digit per four bits, rounded up
        r.Bulk(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes((chars + 1) / 2))[..chars]);
    }

    /// <summary>ACL GETUSER name: flags, passwords (hashes), commands, keys and channels as rules, no selectors.</summary>
    private static void GetUser(RespClient c, CommandArgs a, RespWriter r)
    {
        var user = c.Node.Acl.Find(Name(a, 2));
        if (user is null)
        {
            r.NullBulk();
            return;
        }
        var rules = user.Rules;
        r.MapHeader(6);
        r.Bulk("flags");
        var flags = new List<string> { rules.Enabled ? "on" : "off" };
        if (rules.NoPass) flags.Add("nopass");
        if (rules.Sanitizing != PayloadSanitizing.Unset) flags.Add(AclDescriber.SanitizingFlag(rules.Sanitizing));
        r.SetHeader(flags.Count);
        foreach (var flag in flags) r.Bulk(flag);
        r.Bulk("passwords");
        r.ArrayHeader(rules.Passwords.Count);
        foreach (var hash in rules.Passwords) r.Bulk(Convert.ToHexStringLower(hash));
        r.Bulk("commands");
        r.Bulk(Latin1(AclDescriber.Commands(rules, c.Node.Acl.Index)));
        r.Bulk("keys");
        r.Bulk(Latin1(AclDescriber.Keys(rules)));
        r.Bulk("channels");
        r.Bulk(Latin1(AclDescriber.Channels(rules)));
        r.Bulk("selectors");
        r.ArrayHeader(0);
    }

    private static void Log(RespClient c, CommandArgs a, RespWriter r)
    {
        if (a.Count > 3) throw new CommandError($"ERR unknown subcommand or wrong number of arguments for '{a.Text(1)}'. Try ACL HELP.");
        long count = 10;
        if (a.Count == 3)
        {
            if (a.Is(2, "RESET"u8))
            {
                c.Node.AclLog.Reset();
                r.Ok();
                return;
            }
            if (!Numbers.TryParseInt64(a[2], out count)) throw new CommandError("ERR value is not an integer or out of range");
        }
        var entries = count > 0 ? c.Node.AclLog.Newest(count) : [];
        r.ArrayHeader(entries.Length);
        foreach (var (entry, n, age, client) in entries)
        {
            r.MapHeader(7);
            r.Bulk("count");
            r.Integer(n);
            r.Bulk("reason");
            r.Bulk(entry.Reason);
            r.Bulk("context");
            r.Bulk(entry.Context);
            r.Bulk("object");
            r.Bulk(entry.Object);
            r.Bulk("username");
            r.Bulk(entry.Username);
            r.Bulk("age-seconds");
            r.Double(age);
            r.Bulk("client-info");
            r.Bulk(client);
        }
    }
}
