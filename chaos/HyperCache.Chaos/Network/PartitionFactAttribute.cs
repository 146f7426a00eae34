namespace HyperCache.Chaos.Network;

/// <summary>A scenario that partitions nodes: skipped, with the precise reason, where network namespaces cannot be
/// made (not root, no <c>ip</c>/<c>iptables</c>/<c>nft</c>, <c>ip netns add</c> refused).</summary>
public sealed class PartitionFactAttribute : FactAttribute
{
    public PartitionFactAttribute()
    {
        if (NetworkNamespace.UnsupportedReason is { } reason) Skip = "partitions unsupported here: " + reason;
    }
}
