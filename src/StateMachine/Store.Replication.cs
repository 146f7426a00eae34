using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;

namespace HyperCache.StateMachine;

/// <summary>Where a replica stands in its primary's log: the primary's replication id, the address of the first
/// entry it has not applied yet, and the sequence number of the last entry it applied (0: unknown).</summary>
public readonly record struct ReplicationPosition(string ReplicationId, long NextAddress, ulong LastSequence = 0);

/// <summary>One entry shipped from a primary: its event kind, MessagePack body (header already verified) and the
/// primary's sequence number of it (0: unknown).</summary>
public readonly record struct ShippedEntry(byte Kind, ReadOnlyMemory<byte> Body, ulong Sequence = 0);

/// <summary>
/// A replica's side of log shipping. Entries received from the primary are logged here as one
/// <see cref="EventKind.Batch"/> entry whose last pair is a <see cref="EventKind.ReplicationMark"/> with the
/// primary's id and the address to resume from: the data and the resume position are in one log entry, so a crash
/// keeps both or neither, and replay restores the position with the state (no side file to keep in step).
/// </summary>
public sealed partial class Store
{
    private readonly ReplicatedBatch _replicated = new();
    private readonly EventBuffer _replicationMark = new();
    private int[] _multiPair = new int[64]; // (entry index, pairs) of the shipped entries that are not one pair
    private readonly KeyHint[] _replicaHints = new KeyHint[ReplicaHintRing];

    /// <summary>The position the last applied <see cref="EventKind.ReplicationMark"/> recorded; null when none (or
    /// cleared by a full sync that has not finished).</summary>
    public ReplicationPosition? ReplicationOrigin { get; private set; }

    /// <summary>
    /// Logs and applies <paramref name="entries"/> (in order) plus a mark of <paramref name="position"/>, as one
    /// entry, with every shard locked (it may touch any key; the snapshot cut relies on that). A shipped
    /// transaction's pairs are inlined (batches do not nest); it stays atomic inside the enclosing entry. The mark
    /// also records the entries' sequence numbers and which of them are several pairs (<see cref="ReplicationMarks"/>:
    /// taken from the entries, not from <paramref name="position"/>), for a promoted node's PSYNC2 lookup.
    /// The entry is built once and its pairs are applied from the logged bytes themselves, in order, each through
    /// <see cref="Apply"/> as replay's <see cref="EventKind.Batch"/> does, with a look-ahead that fetches the
    /// keys of the pairs to come (applying a batch of random keys is otherwise mostly cache misses).
    /// Returns this node's log address of the entry (-1 without a log).
    /// </summary>
    public long ApplyReplicated(IReadOnlyList<ShippedEntry> entries, ReplicationPosition? position)
    {
        using var locks = LockAll(stackalloc ulong[MaskWords]);
        var batch = _replicated;
        int count = 1, multi = 0;
        for (int i = 0; i < entries.Count; i++)
        {
            int pairs = ReplicatedBatch.PairsIn(entries[i].Kind, entries[i].Body.Span);
            count += pairs;
            if (pairs == 1) continue;
            if (multi + 2 > _multiPair.Length) Array.Resize(ref _multiPair, _multiPair.Length * 2);
            _multiPair[multi++] = i;
            _multiPair[multi++] = pairs;
        }
        var mark = _replicationMark;
        ReplicationMarks.Write(mark, position, entries, _multiPair.AsSpan(0, multi));
        batch.Start(count);
        for (int i = 0; i < entries.Count; i++) batch.Add(entries[i].Kind, entries[i].Body.Span);
        batch.AddPair((byte)EventKind.ReplicationMark, mark.Body);

        long address = _log?.Append(batch.Entry, (byte)EventKind.Batch) ?? -1;
        ApplyPairs(batch);
        return address;
    }

    // The look-ahead of ApplyPairs, as replay's (Snapshots.ReplayPrefetch): each link of a lookup's chain of
    // misses asked for a few pairs before it is needed: bucket twelve ahead, slot eight, key and value four. (6 / 4 /
    // 2 until lookups got cheaper: 8 / 5 / 3 took ReplicaApplyBenchmarks from 122-142 to 95-118 ns per entry; 12 / 8 /
    // 4 is the same there, and in a live replica beside a loaded primary, whose misses take longer, gave the primary
    // 1-3 % more replicated SETs in five interleaved rounds. Replay's distances stay 6 / 4 / 2: not measured again.)
    private const int ReplicaBucketAhead = 12, ReplicaSlotAhead = 8, ReplicaKeyAhead = 4, ReplicaHintRing = 16;

    private void ApplyPairs(ReplicatedBatch batch)
    {
        var hints = _replicaHints;
        int count = batch.Count;
        var tracker = Volatile.Read(ref _tracker); // a replica's clients may cache too
        for (int j = 0; j < Math.Min(ReplicaBucketAhead, count); j++) hints[j % ReplicaHintRing] = HintPair(batch.BodyAt(j));
        for (int i = 0; i < count; i++)
        {
            if (i + ReplicaBucketAhead < count) hints[(i + ReplicaBucketAhead) % ReplicaHintRing] = HintPair(batch.BodyAt(i + ReplicaBucketAhead));
            if (i + ReplicaSlotAhead < count) hints[(i + ReplicaSlotAhead) % ReplicaHintRing].Slot();
            if (i + ReplicaKeyAhead < count) hints[(i + ReplicaKeyAhead) % ReplicaHintRing].KeyAndValue();
            byte kind = batch.KindAt(i);
            if (kind == (byte)EventKind.Publish) DeliverPublished(batch.BodyAt(i));
            if (tracker != null) TellTracker(tracker, (EventKind)kind, batch.BodyAt(i), done: false);
            Apply(kind, batch.BodyAt(i));
        }
        tracker?.EventDone();
    }

    /// <summary>Stage 1 of the look-ahead for an event shaped [db, key, ...] with a small db and a key shorter than
    /// 256 bytes (nearly every replicated write; the others get no hint). Hints only: Apply does the real lookup.</summary>
    private KeyHint HintPair(ReadOnlySpan<byte> body)
    {
        if (body.Length < 4 || body[0] < 0x92 || body[0] > 0x9f || body[1] >= Databases || body[2] != 0xc4) return default;
        int length = body[3];
        if (body.Length < 4 + length) return default;
        var key = body.Slice(4, length);
        return Hint(ShardOf(key).DbIfExists(body[1])?.Table, key);
    }

    private void ApplyReplicationMark(ReadOnlySpan<byte> body) => ReplicationOrigin = ReplicationMarks.Position(body);
}
