using System.Security.Cryptography;
using System.Text;
using Grpc.Core;

namespace HyperCache.Replication;

/// <summary>
/// requirepass guards the log stream as it guards RESP: the stream carries every write, so a primary with a
/// password ships only to a replica that gives it (Redis's masterauth), in the call's <c>authorization</c> header.
/// </summary>
public static class ReplicationAuth
{
    private const string Header = "authorization";
    private const string Scheme = "Bearer ";

    /// <summary>The headers a replica sends with <paramref name="password"/> (its masterauth); null without one.</summary>
    public static Metadata? Headers(string password) => password.Length == 0 ? null : new Metadata { { Header, Scheme + password } };

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
