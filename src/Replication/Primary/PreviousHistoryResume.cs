using HyperCache.Log;
using HyperCache.StateMachine.Events;

namespace HyperCache.Replication.Primary;

/// <summary>Where a replica of the previous primary continues in this node's log: from <see cref="Address"/>;
/// when it holds the first pairs of the entry there, <see cref="Rest"/> is what it lacks of that entry (a Batch
/// body, to ship in its place) and the log follows from <see cref="AfterRest"/>.</summary>
internal sealed record ResumePoint(long Address, byte[]? Rest = null, ulong RestSequence = 0, long AfterRest = 0);

/// <summary>
/// Where a replica of this node's old primary continues in this node's log (PSYNC2). The replica stands at
/// <c>from</c> (address) / <c>fromSequence</c> (the old primary's sequence number of the last entry it applied) in
/// the old primary's log; this node logged each batch it received from that primary with a mark of the old
/// primary's address and sequence number the batch ended at, and where each entry's pairs begin
/// (<see cref="ReplicationMarks"/>). In this node's last batch that ends at the replica's position, or holds the
/// replica's last entry, the pairs after the replica's last entry are what the replica lacks of that batch; this
/// node's later entries (old batches, the promotion mark, its own writes) follow. Nothing found means a full sync:
/// the replica is ahead of this node, or that part of the log was compacted away, or the marks there carry no
/// sequence numbers (written before they did) and the replica's position is inside a batch.
/// </summary>
internal static class PreviousHistoryResume
{
    /// <summary>Where to ship from; null when the replica must full-sync.</summary>
    public static ResumePoint? Find(AppendOnlyLog log, PreviousHistory history, long from, ulong fromSequence)
    {
        // Ahead of this node: past its end address, or (when the replica knows its sequence number, which also
        // matches a position that differs only by clock entries after it) a sequence no mark here holds.
        if (fromSequence == 0 && from > history.EndAddress) return null;
        long begin = log.BeginAddress;
        if (history.PromotionAddress < begin) return null;
        var finder = new Finder(System.Text.Encoding.ASCII.GetBytes(history.ReplicationId), from, fromSequence);
        var scan = log.Scan(begin, history.PromotionAddress + 1, finder);
        if (!scan.Clean) return null;
        var found = finder.Result(scan.NextAddress);
        return found is not null && found.Address >= log.BeginAddress ? found : null;
    }

    private sealed class Finder(byte[] id, long from, ulong fromSequence) : IEntryVisitor
    {
        private bool _wholeMatched;       // the last entry visited ends exactly where the replica stands
        private ResumePoint? _found;
        private ResumePoint? _partial;    // the last entry visited holds the replica's last entry: ends at the next

        public ResumePoint? Result(long end)
        {
            if (_wholeMatched) return new ResumePoint(end);
            if (_partial is { } p) return p with { AfterRest = end };
            return _found;
        }

        public void Visit(long address, byte kind, ulong sequence, ReadOnlyMemory<byte> body)
        {
            if (_wholeMatched) _found = new ResumePoint(address);
            if (_partial is { } p) _found = p with { AfterRest = address };
            _wholeMatched = false;
            _partial = null;
            if (!ReplicationMarks.TryReadLast(kind, body.Span, out ReplicationMark mark, out _) || !mark.ReplicationId.SequenceEqual(id)) return;
            ulong first = mark.FirstSequence;
            if (mark.NextAddress == from || (fromSequence > 0 && fromSequence == mark.LastSequence))
            {
                _wholeMatched = true;
            }
            else if (fromSequence > 0 && first > 0 && fromSequence >= first && fromSequence < mark.LastSequence)
            {
                int skip = mark.PairsOf((int)(fromSequence - first + 1));
                _partial = new ResumePoint(address, ReplicationMarks.BatchWithout(body.Span, skip), sequence);
            }
        }
    }
}
