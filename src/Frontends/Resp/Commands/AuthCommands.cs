using System.Security.Cryptography;
using System.Text;
using HyperCache.StateMachine;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>
/// AUTH against <c>requirepass</c>, the password of Redis's one "default" user. Until a client authenticates,
/// the dispatcher refuses everything but AUTH, HELLO, QUIT and RESET (<see cref="ConnectionGate"/>).
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
            if (a.Count == 2 && c.Node.Config.RequirePass.Length == 0) throw new CommandError(NoPassword);
            Authenticate(c, a.Text(0), a.Count == 3 ? a[1] : "default"u8, a[^1]);
            r.Ok();
        });
    }

    /// <summary>AUTH and HELLO ... AUTH: the user must be "default"; with no password set, any password is right
    /// for it (as Redis's nopass default user). Throws WRONGPASS otherwise, logged in ACL LOG; a failure keeps the
    /// client's state. <paramref name="command"/> as the client sent it, ACL LOG's object.</summary>
    public static void Authenticate(RespClient c, string command, ReadOnlySpan<byte> user, ReadOnlySpan<byte> password)
    {
        string required = c.Node.Config.RequirePass;
        bool ok = user.SequenceEqual("default"u8) && (required.Length == 0 || SameSecret(password, Encoding.UTF8.GetBytes(required)));
        if (!ok)
        {
            c.Node.AclLog.Add("auth", c.InExec ? "multi" : "toplevel", command, Encoding.UTF8.GetString(user), c.InfoLine());
            throw new CommandError(WrongPass);
        }
        c.Authenticated = true;
    }

    /// <summary>Constant time: both sides are hashed first, so neither the length nor the first differing byte of
    /// the password shows in how long the comparison takes.</summary>
    private static bool SameSecret(ReadOnlySpan<byte> given, ReadOnlySpan<byte> expected)
    {
        Span<byte> a = stackalloc byte[32], b = stackalloc byte[32];
        SHA256.HashData(given, a);
        SHA256.HashData(expected, b);
        return CryptographicOperations.FixedTimeEquals(a, b);
    }
}
