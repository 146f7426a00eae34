namespace HyperCache.Replication;

/// <summary>
/// Chained replication's guard against loops. A replica's log is a whole history of its own (what it applied, full
/// syncs included), so it ships that log to replicas of its own as a primary does. A loop (A follows B, B follows A)
/// would then pass every entry round forever, each time inside a new one. So a stream's response headers name the
/// chain above its receiver (the shipping node's replication id, then its primary's, up to the top), and a subscriber
/// names itself: a node never follows a chain that holds its own id, and never serves a subscriber its chain holds.
/// A chain learned late is caught when it changes: the shipping node ends its streams and they reconnect to the new one.
/// </summary>
public static class ReplicationChain
{
    /// <summary>Response header of a log stream: the ids from the shipping node up, comma-separated.</summary>
    public const string ChainHeader = "hc-chain";

    /// <summary>Request header of a subscription: the subscriber's own replication id.</summary>
    public const string NodeHeader = "hc-node";

    public static string Format(IReadOnlyList<string> chain) => string.Join(',', chain);

    public static IReadOnlyList<string> Parse(string? header)
        => string.IsNullOrEmpty(header) ? [] : header.Split(',', StringSplitOptions.RemoveEmptyEntries);
}
