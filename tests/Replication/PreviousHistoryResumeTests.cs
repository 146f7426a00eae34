using HyperCache.Replication.Primary;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Events;

namespace HyperCache.Replication.Tests;

/// <summary>
/// PSYNC2 on stores: A and B follow primary P in batches cut at different places (a mixed workload with
/// transactions, whose pairs are inlined); A is promoted and writes on. B continues in A's log without a full sync,
/// at one of A's batch boundaries or inside one of A's batches, and ends with A's exact state; ahead of A, on
/// compacted log, or inside a batch whose mark has no sequence numbers, there is no resume point.
/// </summary>
public sealed class PreviousHistoryResumeTests : IDisposable
{
    private const string P = "1111111111111111111111111111111111111111";
    private const string A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private readonly TempNode _primary = new(), _a = new(), _b = new();
    private readonly List<(long Address, ShippedEntry Entry)> _entries;
    private readonly long _end;

    public PreviousHistoryResumeTests()
    {
        ResumePositionTests.Workload(_primary.Store, 1);
        _entries = _primary.Entries(sequences: true);
        _end = _primary.Log.CommittedUntilAddress;
    }

    /// <summary>P's address of entry <paramref name="i"/> (its end past the last one).</summary>
    private long AddressOf(int i) => i < _entries.Count ? _entries[i].Address : _end;

    /// <summary>Ships P's entries to <paramref name="node"/> in batches ending at the given entry indexes.</summary>
    private void Follow(TempNode node, int[] batchEnds, bool sequences = true)
    {
        int start = 0;
        foreach (int end in batchEnds)
        {
            var batch = _entries.Skip(start).Take(end - start).Select(e => sequences ? e.Entry : e.Entry with { Sequence = 0 }).ToList();
            node.Store.ApplyReplicated(batch, new ReplicationPosition(P, AddressOf(end)));
            start = end;
        }
    }

    /// <summary>Promotes A (the clearing mark) and writes on it; returns A's previous history.</summary>
    private PreviousHistory PromoteA()
    {
        long end = _a.Store.ReplicationOrigin!.Value.NextAddress;
        long promotion = _a.Store.ApplyReplicated([], null);
        ResumePositionTests.Workload(_a.Store, 2);
        _a.Log.Commit();
        return new PreviousHistory(P, end, promotion);
    }

    private ResumePoint? FindForB(PreviousHistory history)
    {
        var b = _b.Store.ReplicationOrigin!.Value;
        return PreviousHistoryResume.Find(_a.Log, history, b.NextAddress, b.LastSequence);
    }

    /// <summary>Ships A's log to B from <paramref name="at"/> as the shipping service does; B must equal A.</summary>
    private void AssertBContinuesInA(ResumePoint at)
    {
        long from = at.Address;
        if (at.Rest is { } rest)
        {
            _b.Store.ApplyReplicated([new ShippedEntry((byte)EventKind.Batch, rest, at.RestSequence)], new ReplicationPosition(A, at.AfterRest));
            from = at.AfterRest;
        }
        _b.Store.ApplyReplicated(_a.Entries(from, sequences: true).Select(e => e.Entry).ToList(), new ReplicationPosition(A, _a.Log.CommittedUntilAddress));
        Assert.Equal(_a.Store.Digest(), _b.Store.Digest());
        Assert.Equal(A, _b.Store.ReplicationOrigin!.Value.ReplicationId);
        Assert.Equal(_a.Log.CommittedUntilAddress, _b.Store.ReplicationOrigin!.Value.NextAddress);
        _b.Restart();
        Assert.Equal(_a.Store.Digest(), _b.Store.Digest());
    }

    [Fact]
    public void A_replica_behind_at_one_of_our_batch_boundaries_continues_from_the_next_entry()
    {
        int n = _entries.Count;
        Follow(_a, [n / 4, n / 2, n]);
        Follow(_b, [n / 8, n / 2]);
        var at = FindForB(PromoteA());
        Assert.NotNull(at);
        Assert.Null(at.Rest);
        Assert.Equal(_a.Entries()[2].Address, at.Address); // A's third entry is the batch P shipped after n/2
        AssertBContinuesInA(at);
    }

    [Fact]
    public void A_replica_level_with_us_continues_from_the_promotion()
    {
        int n = _entries.Count;
        Follow(_a, [n / 3, n]);
        Follow(_b, [n / 2, n]);
        var history = PromoteA();
        var at = FindForB(history);
        Assert.Equal(new ResumePoint(history.PromotionAddress), at);
        AssertBContinuesInA(at!);
    }

    [Fact]
    public void A_replica_inside_one_of_our_batches_gets_the_rest_of_it()
    {
        int n = _entries.Count;
        Follow(_a, [n / 4, n / 2, n]);
        Follow(_b, [n / 8, n / 3]);
        var skipped = _entries.Skip(n / 4).Take(n / 3 - n / 4);
        Assert.Contains(skipped, e => e.Entry.Kind == (byte)EventKind.Batch); // a transaction among what B holds
        var at = FindForB(PromoteA());
        Assert.NotNull(at);
        Assert.NotNull(at.Rest);
        var own = _a.Entries();
        Assert.Equal(own[1].Address, at.Address);
        Assert.Equal(own[2].Address, at.AfterRest);
        // Exactly the pairs of the entries B lacks (a transaction is as many pairs as it has events), and A's mark.
        int lacking = _entries.Skip(n / 3).Take(n / 2 - n / 3).Sum(e => PairsOf(e.Entry)) + 1;
        Assert.Equal(lacking, new EventReader(at.Rest).ReadArrayHeader());
        AssertBContinuesInA(at);
    }

    private static int PairsOf(ShippedEntry e) => e.Kind == (byte)EventKind.Batch ? new EventReader(e.Body.Span).ReadArrayHeader() : 1;

    [Fact]
    public void A_replica_ahead_of_us_on_compacted_log_or_inside_a_batch_without_sequences_has_no_resume_point()
    {
        int n = _entries.Count;
        Follow(_a, [n / 4, n / 2]);
        var history = PromoteA();
        ulong SequenceOf(int i) => _entries[i - 1].Entry.Sequence; // of the last entry before i
        Assert.Null(PreviousHistoryResume.Find(_a.Log, history, AddressOf(n / 2 + 1), SequenceOf(n / 2 + 1)));   // ahead of A
        Assert.Null(PreviousHistoryResume.Find(_a.Log, history with { ReplicationId = A }, AddressOf(n / 4), 0)); // other history
        Assert.NotNull(PreviousHistoryResume.Find(_a.Log, history, AddressOf(n / 3), SequenceOf(n / 3)));
        Assert.Null(PreviousHistoryResume.Find(_a.Log, history, AddressOf(n / 3), 0));                           // inside, no sequence
        Assert.NotNull(PreviousHistoryResume.Find(_a.Log, history, AddressOf(n / 4), 0));
        _a.Log.TruncateUntil(_a.Entries()[2].Address);
        Assert.Null(PreviousHistoryResume.Find(_a.Log, history, AddressOf(n / 4), SequenceOf(n / 4)));           // compacted
        Assert.Null(PreviousHistoryResume.Find(_a.Log, history, AddressOf(n / 3), SequenceOf(n / 3)));
    }

    [Fact]
    public void Marks_written_without_sequence_numbers_still_match_at_batch_boundaries()
    {
        int n = _entries.Count;
        Follow(_a, [n / 4, n / 2, n], sequences: false);
        Follow(_b, [n / 8, n / 2], sequences: false);
        var at = FindForB(PromoteA());
        Assert.Equal(_a.Entries()[2].Address, at?.Address);
        AssertBContinuesInA(at!);
    }

    [Fact]
    public void The_mark_of_a_replicated_batch_reads_back()
    {
        long address = _a.Store.ApplyReplicated(_entries.Take(5).Select(e => e.Entry).ToList(), new ReplicationPosition(P, AddressOf(5)));
        _a.Store.ApplyReplicated([], null);
        var own = _a.Entries();
        Assert.Equal(address, own[0].Address);
        Assert.True(ReplicationMarks.TryReadLast(own[0].Entry.Kind, own[0].Entry.Body.Span, out ReplicationPosition? position));
        Assert.Equal(new ReplicationPosition(P, AddressOf(5), _entries[4].Entry.Sequence), position);
        Assert.Null(_a.Store.ReplicationOrigin);
        Assert.True(ReplicationMarks.TryReadLast(own[1].Entry.Kind, own[1].Entry.Body.Span, out position));
        Assert.Null(position);
        var set = _entries.First(e => e.Entry.Kind != (byte)EventKind.Batch).Entry;
        Assert.False(ReplicationMarks.TryReadLast(set.Kind, set.Body.Span, out position));
    }

    [Fact]
    public void The_previous_history_survives_on_disk_unless_it_is_the_nodes_own_id()
    {
        var history = new PreviousHistory(P, 1234, 567);
        PreviousHistory.Save(_a.Dir, history);
        Assert.Equal(history, PreviousHistory.Load(_a.Dir, A));
        Assert.Null(PreviousHistory.Load(_a.Dir, P));
        // With the node's own id before its promotion (chained replicas resume under it); older files have none.
        var withFormer = new PreviousHistory(P, 1234, 567, new string('b', 40));
        PreviousHistory.Save(_a.Dir, withFormer);
        Assert.Equal(withFormer, PreviousHistory.Load(_a.Dir, A));
        Assert.Null(PreviousHistory.Load(_a.Dir, new string('b', 40))!.FormerOwnId);
        PreviousHistory.Save(_a.Dir, null);
        Assert.Null(PreviousHistory.Load(_a.Dir, A));
    }

    public void Dispose()
    {
        _primary.Dispose();
        _a.Dispose();
        _b.Dispose();
    }
}
