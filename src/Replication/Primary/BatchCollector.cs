using HyperCache.Log;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Snapshots;

namespace HyperCache.Replication.Primary;

/// <summary>
/// Gathers one batch of scanned entries as whole entries (header + body: the replica checks the CRC again after
/// the network). After a snapshot full sync it leaves out what the snapshot already holds, with the rule recovery
/// uses (<see cref="SnapshotReplay"/>): an entry below the covered address of its first key's shard.
/// </summary>
internal sealed class BatchCollector : IEntryVisitor
{
    private readonly long[]? _covered;
    private readonly long _maxCovered;

    public BatchCollector(SnapshotHeader? snapshot)
    {
        _covered = snapshot?.Shards.Select(s => s.CoveredAddress).ToArray();
        _maxCovered = snapshot?.MaxCovered ?? 0;
    }

    public List<(long Address, byte[] Entry)> Entries { get; } = [];
    public long Bytes { get; private set; }
    /// <summary>Sequence number of the last entry scanned (0: none), for lag in entries.</summary>
    public ulong LastSequence { get; private set; }

    public void Visit(long address, byte kind, ulong sequence, ReadOnlyMemory<byte> body)
    {
        LastSequence = sequence;
        if (Covered(address, kind, body.Span)) return;
        var entry = new byte[EntryHeader.Size + body.Length];
        body.Span.CopyTo(entry.AsSpan(EntryHeader.Size));
        EntryHeader.Write(entry, kind, sequence);
        Entries.Add((address, entry));
        Bytes += entry.Length;
    }

    private bool Covered(long address, byte kind, ReadOnlySpan<byte> body)
    {
        if (_covered is null || address >= _maxCovered) return false;
        int shard = EntryKeys.TryFirstKey(kind, body, out var key) ? Slots.Of(key) & (_covered.Length - 1) : 0;
        return address < _covered[shard];
    }
}
