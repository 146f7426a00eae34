using System.Buffers.Binary;
using HyperCache.Log;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Snapshots;

namespace HyperCache.Replication.Primary;

/// <summary>
/// Gathers one batch of entries as the log holds them (header + body: the replica checks the CRC again after the
/// network), copied verbatim, back to back in one reused buffer, each after its length. After a snapshot full sync
/// it leaves out what the snapshot already holds, with the rule recovery uses (<see cref="SnapshotReplay"/>): an
/// entry below the covered address of its first key's shard.
/// </summary>
internal sealed class BatchCollector(SnapshotHeader? snapshot) : IWholeEntryVisitor
{
    private readonly long[]? _covered = snapshot?.Shards.Select(s => s.CoveredAddress).ToArray();
    private readonly long _maxCovered = snapshot?.MaxCovered ?? 0;
    private byte[] _packed = new byte[64 * 1024];
    private int _length;

    /// <summary>The packed entries; valid until the next <see cref="Reset"/> or <see cref="Visit"/>.</summary>
    public ReadOnlyMemory<byte> Packed => _packed.AsMemory(0, _length);
    /// <summary>Entries packed.</summary>
    public int Count { get; private set; }
    public long Bytes { get; private set; }
    /// <summary>Sequence number of the last entry read (0: none), for lag in entries.</summary>
    public ulong LastSequence { get; private set; }

    /// <summary>Starts the next batch, reusing the buffer (the previous batch has been written to the stream).</summary>
    public void Reset()
    {
        _length = 0;
        Count = 0;
        Bytes = 0;
        LastSequence = 0;
    }

    public void Visit(long address, ReadOnlySpan<byte> entry)
    {
        LastSequence = WholeEntry.Sequence(entry);
        if (Covered(address, WholeEntry.Kind(entry), WholeEntry.Body(entry))) return;
        if (_packed.Length - _length < 4 + entry.Length) Array.Resize(ref _packed, Math.Max(_packed.Length * 2, _length + 4 + entry.Length));
        BinaryPrimitives.WriteInt32LittleEndian(_packed.AsSpan(_length), entry.Length);
        entry.CopyTo(_packed.AsSpan(_length + 4));
        _length += 4 + entry.Length;
        Count++;
        Bytes += entry.Length;
    }

    private bool Covered(long address, byte kind, ReadOnlySpan<byte> body)
    {
        if (_covered is null || address >= _maxCovered) return false;
        int shard = EntryKeys.TryFirstKey(kind, body, out var key) ? Slots.Of(key) & (_covered.Length - 1) : 0;
        return address < _covered[shard];
    }
}
