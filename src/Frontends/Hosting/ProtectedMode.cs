using System.Net;
using HyperCache.Frontends.Configuration;

namespace HyperCache.Frontends.Hosting;

/// <summary>
/// Redis's protected mode, made stricter: a node that would listen on a non-loopback address with no password
/// does not start at all (Redis starts and then refuses every remote client, which is harder to notice).
/// </summary>
public static class ProtectedMode
{
    /// <summary>Why the node must not start with this configuration, or null when it may.</summary>
    public static string? Refusal(NodeConfig config)
    {
        if (!config.ProtectedMode || config.RequirePass.Length > 0) return null;
        List<IPAddress> exposed;
        try
        {
            exposed = NodeHost.Addresses(config.Bind).Where(a => !IPAddress.IsLoopback(a)).ToList();
        }
        catch (ConfigException)
        {
            return null; // a bad address is reported when the listener is built
        }
        if (exposed.Count == 0) return null;
        return $"protected mode: refusing to listen on {string.Join(", ", exposed)} (not a loopback address) without a password, " +
               "since anyone who can reach it could read and change every key. Either set a password (security.requirepass " +
               "in the YAML file, --requirepass, or HYPERCACHE_SECURITY_REQUIREPASS), or bind only to 127.0.0.1, or, if the " +
               "network is trusted, turn protected mode off (security.protected_mode: false, or --protected-mode no).";
    }
}
