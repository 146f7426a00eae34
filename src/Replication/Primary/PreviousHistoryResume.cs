using HyperCache.Log;
using HyperCache.StateMachine.Events;

namespace HyperCache.Replication.Primary;

/// <summary>
/// Where a replica of this node's old primary continues in this node's log (PSYNC2). The replica stands at
/// <c>from</c> in the old primary's log; this node logged each batch it received from that primary with the old
/// primary's address the batch ended at (<see cref="ReplicationMarks"/>). Right after the entry whose mark is exactly
/// (old id, from), this node's state was the replica's state, so shipping this node's log from the next entry on
/// (old batches, the promotion mark, its own writes) brings the replica to this node's state. No such entry means a
/// full sync: the replica is ahead of this node, or that part of the log was compacted away, or <c>from</c> falls
/// inside one of this node's batches (this node's and the replica's batches were cut at different places, and a
/// batch does not record where each of the old primary's entries in it began, so the replica's part of it cannot be
/// told apart; shipping the whole batch would apply writes twice).
/// </summary>
internal static class PreviousHistoryResume
{
    /// <summary>The address in <paramref name="log"/> to ship from; null when the replica must full-sync.</summary>
    public static long? Find(AppendOnlyLog log, PreviousHistory history, long from)
    {
        if (from > history.EndAddress) return null;
        long begin = log.BeginAddress;
        if (history.PromotionAddress < begin) return null;
        var finder = new Finder(System.Text.Encoding.ASCII.GetBytes(history.ReplicationId), from);
        var scan = log.Scan(begin, history.PromotionAddress + 1, finder);
        if (!scan.Clean) return null;
        long? at = finder.Matched ? scan.NextAddress : finder.ResumeAt;
        return at >= log.BeginAddress ? at : null;
    }

    private sealed class Finder(byte[] id, long from) : IEntryVisitor
    {
        /// <summary>The last entry visited carries the mark looked for.</summary>
        public bool Matched { get; private set; }
        /// <summary>The entry after the last one that carried it.</summary>
        public long? ResumeAt { get; private set; }

        public void Visit(long address, byte kind, ulong sequence, ReadOnlyMemory<byte> body)
        {
            if (Matched) ResumeAt = address;
            Matched = ReplicationMarks.TryReadLast(kind, body.Span, out var markId, out long next) && next == from && markId.SequenceEqual(id);
        }
    }
}
