using System.Text;

namespace HyperCache.StateMachine.Events;

/// <summary>
/// The <see cref="EventKind.ReplicationMark"/> a replica logs as the last pair of each shipped batch
/// (<see cref="Store.ApplyReplicated"/>): <c>[primary id, next primary address, last primary sequence, entries,
/// (entry index, pairs)...]</c>. The primary's sequence numbers (consecutive, one per entry) and where each shipped
/// entry's pairs begin (every entry is one pair but for the listed ones: a transaction inlines its pairs) let a
/// promoted node tell, inside one of its batches, which pairs a replica of its old primary already holds (PSYNC2).
/// A sequence of 0 means unknown (marks written before, a snapshot's origin, entries without consecutive numbers);
/// a mark may then end after the address, or after the sequence.
/// </summary>
public static class ReplicationMarks
{
    /// <summary>Writes the mark of a batch of <paramref name="entries"/> (null position: a clearing mark, which a
    /// full sync and a promotion log). <paramref name="multiPair"/> holds (entry index, pairs) of the entries that
    /// are not one pair each.</summary>
    internal static void Write(EventBuffer mark, ReplicationPosition? position, IReadOnlyList<ShippedEntry> entries, ReadOnlySpan<int> multiPair)
    {
        mark.Reset(EventKind.ReplicationMark);
        if (position is not { } p)
        {
            mark.WriteArrayHeader(2);
            mark.Write([]);
            mark.Write(0);
            return;
        }
        ulong last = ConsecutiveLastSequence(entries);
        mark.WriteArrayHeader(last == 0 ? 2 : 4 + multiPair.Length);
        mark.Write(Encoding.ASCII.GetBytes(p.ReplicationId));
        mark.Write(p.NextAddress);
        if (last == 0) return;
        mark.Write((long)last);
        mark.Write(entries.Count);
        foreach (int v in multiPair) mark.Write(v);
    }

    /// <summary>The last entry's sequence number when the entries' numbers are known and consecutive, else 0.</summary>
    private static ulong ConsecutiveLastSequence(IReadOnlyList<ShippedEntry> entries)
    {
        if (entries.Count == 0 || entries[0].Sequence == 0) return 0;
        ulong first = entries[0].Sequence;
        for (int i = 1; i < entries.Count; i++)
            if (entries[i].Sequence != first + (ulong)i) return 0;
        return first + (ulong)entries.Count - 1;
    }

    /// <summary>The position a mark body records (null for a clearing mark).</summary>
    internal static ReplicationPosition? Position(ReadOnlySpan<byte> markBody)
    {
        var mark = Parse(markBody);
        return mark.ReplicationId.IsEmpty ? null : new ReplicationPosition(Encoding.ASCII.GetString(mark.ReplicationId), mark.NextAddress, mark.LastSequence);
    }

    /// <summary>True when the entry is a replicated batch; its last pair's mark and the batch's pair count.</summary>
    public static bool TryReadLast(byte kind, ReadOnlySpan<byte> body, out ReplicationMark mark, out int pairs)
    {
        mark = default;
        pairs = 0;
        if (kind != (byte)EventKind.Batch) return false;
        var r = new EventReader(body);
        pairs = r.ReadArrayHeader();
        byte last = 0;
        ReadOnlySpan<byte> lastBody = default;
        for (int i = 0; i < pairs; i++) last = r.ReadBatchPair(out lastBody);
        if (pairs == 0 || last != (byte)EventKind.ReplicationMark) return false;
        mark = Parse(lastBody);
        return true;
    }

    /// <summary>As above, as a position (null for a clearing mark).</summary>
    public static bool TryReadLast(byte kind, ReadOnlySpan<byte> body, out ReplicationPosition? position)
    {
        position = null;
        if (!TryReadLast(kind, body, out ReplicationMark mark, out _)) return false;
        if (!mark.ReplicationId.IsEmpty) position = new ReplicationPosition(Encoding.ASCII.GetString(mark.ReplicationId), mark.NextAddress, mark.LastSequence);
        return true;
    }

    private static ReplicationMark Parse(ReadOnlySpan<byte> markBody)
    {
        var r = new EventReader(markBody);
        int fields = r.ReadArrayHeader();
        var id = r.ReadBytes();
        long next = r.ReadInt64();
        if (fields < 3) return new ReplicationMark(id, next, 0, 0, default);
        ulong last = (ulong)r.ReadInt64();
        if (fields < 4) return new ReplicationMark(id, next, last, 0, default);
        int entries = r.ReadInt32();
        return new ReplicationMark(id, next, last, entries, markBody[(markBody.Length - r.Remaining)..]);
    }

    /// <summary>A copy of a replicated batch's body without its first <paramref name="skip"/> pairs (what a
    /// replica that holds them still needs of it).</summary>
    public static byte[] BatchWithout(ReadOnlySpan<byte> batchBody, int skip)
    {
        var r = new EventReader(batchBody);
        int pairs = r.ReadArrayHeader();
        if (skip < 0 || skip > pairs) throw new ArgumentOutOfRangeException(nameof(skip));
        for (int i = 0; i < skip; i++) r.ReadBatchPair(out _);
        var rest = batchBody[(batchBody.Length - r.Remaining)..];
        var buffer = EventBuffer.Start(EventKind.Batch);
        buffer.WriteArrayHeader(pairs - skip);
        buffer.WriteRaw(rest);
        return buffer.Body.ToArray();
    }
}

/// <summary>One replication mark, read in place: see <see cref="ReplicationMarks"/>.</summary>
public readonly ref struct ReplicationMark(ReadOnlySpan<byte> replicationId, long nextAddress, ulong lastSequence, int entryCount, ReadOnlySpan<byte> multiPair)
{
    private readonly ReadOnlySpan<byte> _multiPair = multiPair;

    /// <summary>The primary's id (ASCII); empty for a clearing mark.</summary>
    public ReadOnlySpan<byte> ReplicationId { get; } = replicationId;
    public long NextAddress { get; } = nextAddress;
    /// <summary>The primary's sequence number of the batch's last entry; 0 when unknown.</summary>
    public ulong LastSequence { get; } = lastSequence;
    /// <summary>The primary's entries in the batch; 0 when unknown.</summary>
    public int EntryCount { get; } = entryCount;
    public ulong FirstSequence => LastSequence > 0 && EntryCount > 0 ? LastSequence - (ulong)EntryCount + 1 : 0;

    /// <summary>How many of the batch's pairs the first <paramref name="entries"/> shipped entries made.</summary>
    public int PairsOf(int entries)
    {
        int pairs = entries;
        var r = new EventReader(_multiPair);
        while (r.Remaining > 0)
        {
            int index = r.ReadInt32(), count = r.ReadInt32();
            if (index < entries) pairs += count - 1;
        }
        return pairs;
    }
}
