using System.Security.Cryptography;
using System.Text;
using Grpc.Core;

namespace HyperCache.Replication;

/// <summary>
/// requirepass guards the log stream as it guards RESP: the stream carries every write, so a primary with a
/// password ships only to a replica that gives it (Redis's masterauth), in the call's <c>authorization</c> header,
/// with the user it names (Redis's masteruser) in <c>x-hypercache-user</c> when it names one.
/// </summary>
public static class ReplicationAuth
{
    private const string Header = "authorization";
    private const string Scheme = "Bearer ";
    private const string UserHeader = "x-hypercache-user";

    /// <summary>The headers a replica sends with <paramref name="password"/> (its masterauth) and
    /// <paramref name="user"/> (its masteruser); null without a password.</summary>
    public static Metadata? Headers(string password, string user = "")
    {
        if (password.Length == 0) return null;
        var headers = new Metadata { { Header, Scheme + password } };
        if (user.Length > 0) headers.Add(UserHeader, user);
        return headers;
    }

    /// <summary>On the primary: refuses the call (Unauthenticated, Redis's NOAUTH text) unless
    /// <paramref name="admits"/> accepts the user it names ("" for none) and its password (null for none).</summary>
    public static void Demand(ServerCallContext context, Func<string, byte[]?, bool> admits)
    {
        string user = context.RequestHeaders.GetValue(UserHeader) ?? "";
        string? given = context.RequestHeaders.GetValue(Header);
        byte[]? password = given != null && given.StartsWith(Scheme, StringComparison.Ordinal) ? Encoding.UTF8.GetBytes(given[Scheme.Length..]) : null;
        if (!admits(user, password)) throw new RpcException(new Status(StatusCode.Unauthenticated, "NOAUTH Authentication required."));
    }

    /// <summary>On the primary: refuses the call (Unauthenticated, Redis's NOAUTH text) unless it carries
    /// <paramref name="required"/>; an empty requirement admits every call.</summary>
    public static void Demand(ServerCallContext context, string required)
    {
        if (required.Length == 0) return;
        string? given = context.RequestHeaders.GetValue(Header);
        bool ok = given != null && CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(Scheme + required));
        if (!ok) throw new RpcException(new Status(StatusCode.Unauthenticated, "NOAUTH Authentication required."));
    }
}
