using System.Buffers.Binary;
using HyperCache.Log;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Snapshots;

namespace HyperCache.Replication.Primary;

/// <summary>
/// Gathers one batch of scanned entries as whole entries (header + body: the replica checks the CRC again after
/// the network), packed back to back in one reused buffer, each after its length. After a snapshot full sync it
/// leaves out what the snapshot already holds, with the rule recovery uses (<see cref="SnapshotReplay"/>): an entry
/// below the covered address of its first key's shard.
/// </summary>
internal sealed class BatchCollector(SnapshotHeader? snapshot) : IEntryVisitor
{
    private readonly long[]? _covered = snapshot?.Shards.Select(s => s.CoveredAddress).ToArray();
    private readonly long _maxCovered = snapshot?.MaxCovered ?? 0;
    private byte[] _packed = new byte[64 * 1024];
    private int _length;

    /// <summary>The packed entries; valid until the next <see cref="Reset"/> or <see cref="Visit"/>.</summary>
    public ReadOnlyMemory<byte> Packed => _packed.AsMemory(0, _length);
    public List<long> Addresses { get; } = [];
    public long Bytes { get; private set; }
    /// <summary>Sequence number of the last entry scanned (0: none), for lag in entries.</summary>
    public ulong LastSequence { get; private set; }

    /// <summary>Starts the next batch, reusing the buffer (the previous batch has been written to the stream).</summary>
    public void Reset()
    {
        _length = 0;
        Addresses.Clear();
        Bytes = 0;
        LastSequence = 0;
    }

    public void Visit(long address, byte kind, ulong sequence, ReadOnlyMemory<byte> body)
    {
        LastSequence = sequence;
        if (Covered(address, kind, body.Span)) return;
        int size = EntryHeader.Size + body.Length;
        if (_packed.Length - _length < 4 + size) Array.Resize(ref _packed, Math.Max(_packed.Length * 2, _length + 4 + size));
        BinaryPrimitives.WriteInt32LittleEndian(_packed.AsSpan(_length), size);
        var entry = _packed.AsSpan(_length + 4, size);
        body.Span.CopyTo(entry[EntryHeader.Size..]);
        EntryHeader.Write(entry, kind, sequence);
        _length += 4 + size;
        Addresses.Add(address);
        Bytes += size;
    }

    private bool Covered(long address, byte kind, ReadOnlySpan<byte> body)
    {
        if (_covered is null || address >= _maxCovered) return false;
        int shard = EntryKeys.TryFirstKey(kind, body, out var key) ? Slots.Of(key) & (_covered.Length - 1) : 0;
        return address < _covered[shard];
    }
}
