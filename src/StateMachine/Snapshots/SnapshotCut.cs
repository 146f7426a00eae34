using HyperCache.StateMachine.Keyspace;

namespace HyperCache.StateMachine.Snapshots;

/// <summary>One key as a snapshot captured it.</summary>
public readonly record struct CapturedKey(int Db, byte[] Key, object Value, long ExpireAt);

/// <summary>A shard's content at the moment it was captured, and the log address that moment corresponds to:
/// every entry below it that touches the shard is in the capture, no entry at or above it is.</summary>
/// <param name="Origin">A replica's resume position as of this capture. Replicated batches lock every shard, so it
/// is the same for every shard of one cut, and covers exactly the batches below the covered addresses.</param>
/// <param name="Token">Held by the capture's collections until the writer has written them out.</param>
/// <param name="Libraries">Shard 0's capture only: the function libraries (name → code). Their events lock every
/// shard, so shard 0's lock orders them against its capture like any multi-shard write.</param>
public sealed record ShardCapture(int Shard, long CoveredAddress, List<CapturedKey> Keys, CaptureToken Token,
    ReplicationPosition? Origin = null,
    System.Collections.Immutable.ImmutableSortedDictionary<string, byte[]>? Libraries = null);

/// <summary>
/// A snapshot being taken, shard by shard: each shard is captured under its own lock, with the log tail at that
/// moment as its covered address, so the node never stops as a whole. Shards captured at different moments are
/// consistent with each other only if no single log entry is in some of their captures and not in others: a
/// write that holds several shard locks (MSET, RENAME across shards, FLUSHALL, transactions) while some of them are
/// captured and some not first captures the rest, right there, under the locks it holds. Every entry is then
/// either below the covered address of all the shards it touches or at/above all of them, and replay can skip it
/// or apply it whole (see <see cref="SnapshotReplay"/>). Single-shard writes need no help: their one shard decides.
/// </summary>
public sealed class SnapshotCut
{
    private readonly Store _store;
    private readonly Func<long> _address;
    private readonly bool[] _captured;          // written under the shard's lock
    private readonly ShardCapture?[] _pending;  // captures not yet taken by the writer
    private readonly CaptureToken?[] _tokens;   // every capture's token, released when the cut ends

    /// <param name="address">The address a capture covers, read under the shard lock: the log tail for a live
    /// store, a fixed address for an offline one.</param>
    public SnapshotCut(Store store, Func<long> address)
    {
        _store = store;
        _address = address;
        _captured = new bool[store.ShardCount];
        _pending = new ShardCapture?[store.ShardCount];
        _tokens = new CaptureToken?[store.ShardCount];
    }

    /// <summary>When the cut ends, however it ends: no collection stays copy-on-write.</summary>
    internal void ReleaseAll()
    {
        foreach (var token in _tokens) token?.Release();
    }

    /// <summary>Under the shard's lock: its capture (taking it now if nobody did), handed over once.</summary>
    internal ShardCapture Take(Shard shard)
    {
        if (!_captured[shard.Index]) CaptureLocked(shard);
        var capture = _pending[shard.Index]!;
        _pending[shard.Index] = null;
        return capture;
    }

    /// <summary>Called with the locks of <paramref name="mask"/>'s shards held.</summary>
    internal void OnShardsLocked(Shard[] all, ReadOnlySpan<ulong> mask)
    {
        bool any = false, missing = false;
        for (int i = 0; i < all.Length; i++)
        {
            if ((mask[i >> 6] & (1UL << i)) == 0) continue;
            if (_captured[i]) any = true; else missing = true;
        }
        if (!any || !missing) return;
        for (int i = 0; i < all.Length; i++)
            if ((mask[i >> 6] & (1UL << i)) != 0 && !_captured[i]) CaptureLocked(all[i]);
    }

    private void CaptureLocked(Shard shard)
    {
        var capture = _store.Capture(shard, _address());
        _pending[shard.Index] = capture;
        _tokens[shard.Index] = capture.Token;
        _captured[shard.Index] = true;
    }
}
