using System.Text;

namespace HyperCache.StateMachine.Events;

/// <summary>
/// Reads back the position a replica logged with a shipped batch: the <see cref="EventKind.ReplicationMark"/> that
/// <see cref="Store.ApplyReplicated"/> writes as the last pair of its <see cref="EventKind.Batch"/> entry. A
/// promoted node uses it to find, in its own log, where a replica of its old primary stands.
/// </summary>
public static class ReplicationMarks
{
    /// <summary>True when the entry is a replicated batch, with the position its mark recorded (null for a
    /// clearing mark: a full sync starting, or a promotion).</summary>
    public static bool TryReadLast(byte kind, ReadOnlySpan<byte> body, out ReplicationPosition? position)
    {
        position = null;
        if (!TryReadLast(kind, body, out var id, out long next)) return false;
        if (!id.IsEmpty) position = new ReplicationPosition(Encoding.ASCII.GetString(id), next);
        return true;
    }

    /// <summary>As above without allocating: the mark's replication id (ASCII; empty for a clearing mark) and
    /// next address, valid while <paramref name="body"/> is.</summary>
    public static bool TryReadLast(byte kind, ReadOnlySpan<byte> body, out ReadOnlySpan<byte> replicationId, out long nextAddress)
    {
        replicationId = default;
        nextAddress = 0;
        if (kind != (byte)EventKind.Batch) return false;
        var r = new EventReader(body);
        int pairs = r.ReadArrayHeader();
        byte last = 0;
        ReadOnlySpan<byte> lastBody = default;
        for (int i = 0; i < pairs; i++) last = r.ReadBatchPair(out lastBody);
        if (pairs == 0 || last != (byte)EventKind.ReplicationMark) return false;
        var mark = new EventReader(lastBody);
        mark.ReadArrayHeader();
        replicationId = mark.ReadBytes();
        nextAddress = mark.ReadInt64();
        return true;
    }
}
