using System.Text;
using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>
/// AUTH [user] password against the node's ACL users (one argument: the default user, whose password is
/// <c>requirepass</c>). Until a client authenticates, the dispatcher refuses everything but AUTH, HELLO, QUIT and
/// RESET (<see cref="ConnectionGate"/>).
/// </summary>
public static class AuthCommands
{
    private const string NoPassword = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?";
    private const string WrongPass = "WRONGPASS invalid username-password pair or user is disabled.";

    public static void Register(CommandTable t)
    {
        t.Add("auth", -2, CommandFlags.Fast | CommandFlags.NoAuth, (c, a, r) =>
        {
            if (a.Count > 3) throw CommandError.Syntax();
            if (a.Count == 2 && c.Node.Acl.Default.Rules.NoPass) throw new CommandError(NoPassword);
            Authenticate(c, a.Text(0), a.Count == 3 ? a[1] : "default"u8, a[^1]);
            r.Ok();
        });
    }

    /// <summary>AUTH and HELLO ... AUTH: the user must exist and be on, and the password be one of its own (any
    /// password, for a nopass user). The connection then runs as that user. Throws WRONGPASS otherwise, logged in
    /// ACL LOG; a failure keeps the client's state. <paramref name="command"/> as the client sent it, ACL LOG's
    /// object.</summary>
    public static void Authenticate(RespClient c, string command, ReadOnlySpan<byte> user, ReadOnlySpan<byte> password)
    {
        string name = Encoding.Latin1.GetString(user);
        var found = c.Node.Acl.Find(name);
        var rules = found?.Rules;
        // The password is hashed even for an unknown user, so the reply's timing does not tell which names exist.
        bool passwordOk = rules is null ? Acl.AclRules.Unmatched(password) : rules.HasPassword(password);
        if (found is null || rules is not { Enabled: true } || !(rules.NoPass || passwordOk))
        {
            c.Node.AclLog.Add("auth", c.InExec ? "multi" : "toplevel", command, name, c.InfoLine());
            throw new CommandError(WrongPass);
        }
        c.User = found;
        c.Authenticated = true;
    }
}
