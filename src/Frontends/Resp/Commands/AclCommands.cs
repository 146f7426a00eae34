using System.Security.Cryptography;
using System.Text;
using HyperCache.Frontends.Resp.Metadata;
using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>
/// ACL, as Redis 7.0 answers it with only its "default" user: on, allowed every command, key and channel, its password
/// <c>requirepass</c> (nopass when none is set). What reads users (WHOAMI, USERS, LIST, GETUSER, CAT, DRYRUN), the
/// log of failed AUTHs, GENPASS, and DELUSER / LOAD / SAVE answer as Redis does in that state. Creating or changing
/// users (SETUSER) is refused: HyperCache has no other users (docs/decisions.md, "ACL").
/// </summary>
public static class AclCommands
{
    private const string NoAclFile = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.";
    private const string NoSetUser = "ERR ACL SETUSER is not supported: HyperCache has only the default user, whose password is requirepass (CONFIG SET requirepass)";

    private static readonly string[] Help =
    [
        "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CAT [<category>]",
        "    List all commands that belong to <category>, or all command categories",
        "    when no category is specified.",
        "DELUSER <username> [<username> ...]",
        "    Delete a list of users (the default user cannot be deleted).",
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
        "    Reload users from the ACL file (not configured here).",
        "LOG [<count> | RESET]",
        "    Show the ACL log entries (failed AUTHs).",
        "SAVE",
        "    Save the current config to the ACL file (not configured here).",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "    Not supported: the default user is the only user.",
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
                r.ArrayHeader(1);
                r.Bulk(DefaultUserLine(c.Node.Config.RequirePass));
            }, Flags: A),
            new Subcommand("LOAD", 2, (c, a, r) => throw new CommandError(NoAclFile), Flags: A),
            new Subcommand("LOG", -2, Log, Flags: A),
            new Subcommand("SAVE", 2, (c, a, r) => throw new CommandError(NoAclFile), Flags: A),
            new Subcommand("SETUSER", -3, (c, a, r) => throw new CommandError(NoSetUser), Flags: A),
            new Subcommand("USERS", 2, (c, a, r) =>
            {
                r.ArrayHeader(1);
                r.Bulk("default");
            }, Flags: A),
            new Subcommand("WHOAMI", 2, (c, a, r) => r.Bulk("default"), Flags: CommandFlags.None),
            Subcommand.Help(Help));
    }

    /// <summary>ACL LIST's line for the default user: its password as Redis stores it, a SHA-256 in hex.</summary>
    private static string DefaultUserLine(string password)
        => "user default on " + (password.Length == 0 ? "nopass" : "#" + PasswordHash(password)) + " ~* &* +@all";

    private static string PasswordHash(string password)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(password)));

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

    private static void DelUser(RespClient c, CommandArgs a, RespWriter r)
    {
        for (int i = 2; i < a.Count; i++)
            if (a.Is(i, "default"u8)) throw new CommandError("ERR The 'default' user cannot be removed");
        r.Integer(0); // no other user exists to delete
    }

    private static void DryRun(RespClient c, CommandArgs a, RespWriter r)
    {
        if (!a.Is(2, "default"u8)) throw new CommandError($"ERR User '{a.Text(2)}' not found");
        if (!c.Node.Commands.TryFind(a[3], out var spec)) throw new CommandError($"ERR Command '{a.Text(3)}' not found");
        int args = a.Count - 3;
        if (spec.Arity > 0 ? args != spec.Arity : args < -spec.Arity)
            throw new CommandError($"ERR wrong number of arguments for '{spec.Name}' command");
        r.Ok(); // the default user may run everything
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

    private static void GetUser(RespClient c, CommandArgs a, RespWriter r)
    {
        if (!a.Is(2, "default"u8))
        {
            r.NullBulk();
            return;
        }
        string password = c.Node.Config.RequirePass;
        r.MapHeader(6);
        r.Bulk("flags");
        r.SetHeader(password.Length == 0 ? 2 : 1);
        r.Bulk("on");
        if (password.Length == 0) r.Bulk("nopass");
        r.Bulk("passwords");
        r.ArrayHeader(password.Length == 0 ? 0 : 1);
        if (password.Length > 0) r.Bulk(PasswordHash(password));
        r.Bulk("commands");
        r.Bulk("+@all");
        r.Bulk("keys");
        r.Bulk("~*");
        r.Bulk("channels");
        r.Bulk("&*");
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
