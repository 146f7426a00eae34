using System.IO.Hashing;
using System.Text;

namespace HyperCache.Replication.Ring;

/// <summary>
/// The consistent-hash ring that maps hash slots to nodes (DESIGN: "Slot → nodes"). Each node owns
/// <see cref="VirtualNodes"/> points; a slot's preference list is the first R distinct nodes clockwise from the
/// slot's own point: the first is its primary, the rest its replicas. When a node leaves, each of its slots falls
/// to the next node clockwise — already its first replica — and no other slot moves. Immutable: membership changes
/// build a new ring (the cluster's epoch decides which one is current).
/// </summary>
public sealed class HashRing
{
    public const int VirtualNodes = 128;

    private readonly ulong[] _points;
    private readonly string[] _owners;

    public HashRing(IEnumerable<string> nodes)
    {
        Nodes = nodes.Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        var points = new List<(ulong Point, string Node)>(Nodes.Count * VirtualNodes);
        foreach (var node in Nodes)
            for (int v = 0; v < VirtualNodes; v++) points.Add((Hash($"{node}#{v}"), node));
        points.Sort((a, b) => a.Point != b.Point ? a.Point.CompareTo(b.Point) : string.CompareOrdinal(a.Node, b.Node));
        _points = points.Select(p => p.Point).ToArray();
        _owners = points.Select(p => p.Node).ToArray();
    }

    public IReadOnlyList<string> Nodes { get; }

    /// <summary>The first <paramref name="replicas"/> distinct nodes clockwise from the slot (fewer if the ring is smaller).</summary>
    public IReadOnlyList<string> PreferenceList(int slot, int replicas)
    {
        var list = new List<string>(replicas);
        if (_points.Length == 0) return list;
        int start = Array.BinarySearch(_points, Hash("slot:" + slot));
        if (start < 0) start = ~start;
        for (int i = 0; i < _points.Length && list.Count < replicas; i++)
        {
            string owner = _owners[(start + i) % _points.Length];
            if (!list.Contains(owner)) list.Add(owner);
        }
        return list;
    }

    public string? PrimaryOf(int slot) => PreferenceList(slot, 1).FirstOrDefault();

    private static ulong Hash(string text) => XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(text));
}
