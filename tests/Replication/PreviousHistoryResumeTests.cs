using System.Text;
using HyperCache.Replication.Primary;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Events;

namespace HyperCache.Replication.Tests;

/// <summary>
/// PSYNC2 on stores: A and B follow primary P in batches cut at different places; A is promoted and writes on. B
/// continues in A's log without a full sync when its position is one of A's batch boundaries, and ends with A's
/// exact state; when it is not (inside a batch of A, ahead of A, or compacted away) there is no resume point.
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
        _entries = _primary.Entries();
        _end = _primary.Log.CommittedUntilAddress;
    }

    /// <summary>P's address of entry <paramref name="i"/> (its end past the last one).</summary>
    private long AddressOf(int i) => i < _entries.Count ? _entries[i].Address : _end;

    /// <summary>Ships P's entries to <paramref name="node"/> in batches ending at the given entry indexes.</summary>
    private void Follow(TempNode node, params int[] batchEnds)
    {
        int start = 0;
        foreach (int end in batchEnds)
        {
            node.Store.ApplyReplicated(_entries.Skip(start).Take(end - start).Select(e => e.Entry).ToList(), new ReplicationPosition(P, AddressOf(end)));
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

    private void AssertBContinuesInA(long at)
    {
        _b.Store.ApplyReplicated(_a.Entries(at).Select(e => e.Entry).ToList(), new ReplicationPosition(A, _a.Log.CommittedUntilAddress));
        Assert.Equal(_a.Store.Digest(), _b.Store.Digest());
        Assert.Equal(new ReplicationPosition(A, _a.Log.CommittedUntilAddress), _b.Store.ReplicationOrigin);
        _b.Restart();
        Assert.Equal(_a.Store.Digest(), _b.Store.Digest());
    }

    [Fact]
    public void A_replica_behind_at_one_of_our_batch_boundaries_continues_from_the_next_entry()
    {
        int n = _entries.Count;
        Follow(_a, n / 4, n / 2, n);
        Follow(_b, n / 8, n / 2);
        var history = PromoteA();
        long? at = PreviousHistoryResume.Find(_a.Log, history, AddressOf(n / 2));
        Assert.NotNull(at);
        var own = _a.Entries();
        Assert.Equal(own[2].Address, at); // A's third entry is the batch P shipped after n/2
        AssertBContinuesInA(at!.Value);
    }

    [Fact]
    public void A_replica_level_with_us_continues_from_the_promotion()
    {
        int n = _entries.Count;
        Follow(_a, n / 3, n);
        Follow(_b, n / 2, n);
        var history = PromoteA();
        Assert.Equal(history.PromotionAddress, PreviousHistoryResume.Find(_a.Log, history, _end));
        AssertBContinuesInA(history.PromotionAddress);
    }

    [Fact]
    public void A_replica_inside_one_of_our_batches_ahead_of_us_or_compacted_away_has_no_resume_point()
    {
        int n = _entries.Count;
        Follow(_a, n / 4, n / 2);
        var history = PromoteA();
        Assert.Null(PreviousHistoryResume.Find(_a.Log, history, AddressOf(n / 3)));      // inside A's second batch
        Assert.Null(PreviousHistoryResume.Find(_a.Log, history, AddressOf(n / 2 + 1)));  // ahead of A
        Assert.Null(PreviousHistoryResume.Find(_a.Log, history with { ReplicationId = A }, AddressOf(n / 4))); // other history
        Assert.NotNull(PreviousHistoryResume.Find(_a.Log, history, AddressOf(n / 4)));
        var own = _a.Entries();
        _a.Log.TruncateUntil(own[2].Address);
        Assert.Null(PreviousHistoryResume.Find(_a.Log, history, AddressOf(n / 4)));      // its batch was compacted
    }

    [Fact]
    public void The_mark_of_a_replicated_batch_reads_back()
    {
        long address = _a.Store.ApplyReplicated(_entries.Take(5).Select(e => e.Entry).ToList(), new ReplicationPosition(P, AddressOf(5)));
        _a.Store.ApplyReplicated([], null);
        var own = _a.Entries();
        Assert.Equal(address, own[0].Address);
        Assert.True(ReplicationMarks.TryReadLast(own[0].Entry.Kind, own[0].Entry.Body.Span, out var position));
        Assert.Equal(new ReplicationPosition(P, AddressOf(5)), position);
        Assert.True(ReplicationMarks.TryReadLast(own[1].Entry.Kind, own[1].Entry.Body.Span, out position));
        Assert.Null(position);
        var set = _entries.First(e => e.Entry.Kind != (byte)EventKind.Batch).Entry;
        Assert.False(ReplicationMarks.TryReadLast(set.Kind, set.Body.Span, out _));
    }

    [Fact]
    public void The_previous_history_survives_on_disk_unless_it_is_the_nodes_own_id()
    {
        var history = new PreviousHistory(P, 1234, 567);
        PreviousHistory.Save(_a.Dir, history);
        Assert.Equal(history, PreviousHistory.Load(_a.Dir, A));
        Assert.Null(PreviousHistory.Load(_a.Dir, P));
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
