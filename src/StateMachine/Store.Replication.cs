using System.Text;
using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine;

/// <summary>Where a replica stands in its primary's log: the primary's replication id and the address of the first
/// entry it has not applied yet.</summary>
public readonly record struct ReplicationPosition(string ReplicationId, long NextAddress);

/// <summary>One entry shipped from a primary: its event kind and MessagePack body (header already verified).</summary>
public readonly record struct ShippedEntry(byte Kind, ReadOnlyMemory<byte> Body);

/// <summary>
/// A replica's side of log shipping. Entries received from the primary are logged here as one
/// <see cref="EventKind.Batch"/> entry whose last pair is a <see cref="EventKind.ReplicationMark"/> with the
/// primary's id and the address to resume from: the data and the resume position are in one log entry, so a crash
/// keeps both or neither, and replay restores the position with the state (no side file to keep in step).
/// </summary>
public sealed partial class Store
{
    private readonly EventBuffer _replicaPairs = new();

    /// <summary>The position the last applied <see cref="EventKind.ReplicationMark"/> recorded; null when none (or
    /// cleared by a full sync that has not finished).</summary>
    public ReplicationPosition? ReplicationOrigin { get; private set; }

    /// <summary>
    /// Logs and applies <paramref name="entries"/> (in order) plus a mark of <paramref name="position"/>, as one
    /// entry, with every shard locked (it may touch any key; the snapshot cut relies on that). A shipped
    /// transaction's pairs are inlined (batches do not nest); it stays atomic inside the enclosing entry.
    /// Returns this node's log address of the entry (-1 without a log).
    /// </summary>
    public long ApplyReplicated(IReadOnlyList<ShippedEntry> entries, ReplicationPosition? position)
    {
        using var locks = LockAll(stackalloc ulong[MaskWords]);
        var pairs = _replicaPairs;
        pairs.Reset(EventKind.Batch);
        int count = 0;
        foreach (var e in entries)
        {
            var body = e.Body.Span;
            if (e.Kind == (byte)EventKind.ReplicationMark) continue; // a chained primary's own marks are not ours
            if (e.Kind == (byte)EventKind.Batch)
            {
                var r = new EventReader(body);
                int inner = r.ReadArrayHeader();
                pairs.WriteRaw(body[(body.Length - r.Remaining)..]);
                count += inner;
                continue;
            }
            pairs.WriteArrayHeader(2);
            pairs.Write(e.Kind);
            pairs.Write(body);
            count++;
        }
        var mark = EventBuffer.Start(EventKind.ReplicationMark);
        mark.WriteArrayHeader(2);
        mark.Write(position is { } p ? Encoding.ASCII.GetBytes(p.ReplicationId) : []);
        mark.Write(position?.NextAddress ?? 0);
        pairs.WriteArrayHeader(2);
        pairs.Write((byte)EventKind.ReplicationMark);
        pairs.Write(mark.Body);
        count++;

        var entry = EventBuffer.Start(EventKind.Batch);
        entry.WriteArrayHeader(count);
        entry.WriteRaw(pairs.Body);
        long address = _log?.Append(entry.Entry, (byte)EventKind.Batch) ?? -1;
        Apply((byte)EventKind.Batch, entry.Body);
        return address;
    }

    private void ApplyReplicationMark(ref EventReader r)
    {
        var id = r.ReadBytes();
        long next = r.ReadInt64();
        ReplicationOrigin = id.IsEmpty ? null : new ReplicationPosition(Encoding.ASCII.GetString(id), next);
    }
}
