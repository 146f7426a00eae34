using System.Text.RegularExpressions;

namespace HyperCache.EndToEnd.Tests.Infrastructure;

/// <summary>Blocking commands (BLPOP, BZPOPMIN, XREAD BLOCK...): a test knows a client is blocked when INFO clients
/// counts it, never by sleeping.</summary>
public abstract partial class E2ETest
{
    protected int BlockedClients()
    {
        var info = (string?)Resp.Parse(Cmd("INFO", "clients")) ?? "";
        return int.Parse(BlockedLine().Match(info).Groups[1].Value);
    }

    [GeneratedRegex(@"blocked_clients:(\d+)")]
    private static partial Regex BlockedLine();

    /// <summary>Sends a blocking command on a connection of its own, and waits until the server counts it blocked.</summary>
    protected RawRespClient Block(params string[] command)
    {
        int before = BlockedClients();
        var client = Node.Raw();
        client.Send(RawRespClient.Encode(command));
        Eventually.True(() => BlockedClients() > before, $"{command[0]} is blocked");
        return client;
    }
}
