using System.IO.Hashing;
using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine.Values;

/// <summary>
/// A value that is not a plain string: list, hash, set, sorted set, Cuckoo filter. Strings stay bare byte arrays
/// (immutable, shared). Collections are mutable and owned by one key: a copy (COPY) clones them.
/// </summary>
public abstract class CollectionValue
{
    /// <summary>The Redis TYPE name: "list", "hash", "set", "zset".</summary>
    public abstract string TypeName { get; }

    /// <summary>What OBJECT ENCODING answers ("listpack", "quicklist", "hashtable", "skiplist", "intset"...).</summary>
    public abstract string Encoding { get; }

    /// <summary>Number of elements (an empty collection is deleted by the command that emptied it, as in Redis).</summary>
    public abstract long Count { get; }

    /// <summary>Feeds the content into the state digest, in an order that depends only on the content
    /// (so two stores that applied the same events hash equal).</summary>
    public abstract void AppendDigest(XxHash3 hash);

    /// <summary>A copy owned by nobody yet (its size is counted once it is stored).</summary>
    public abstract CollectionValue Clone();

    /// <summary>The snapshot capture that still reads this value, if any: a write must then change a copy
    /// (Store.Unshared). Set under the shard lock.</summary>
    internal Snapshots.CaptureToken? CapturedBy { get; set; }

    /// <summary>Bytes this value costs (itself, its arrays, its elements) as last measured.</summary>
    public long SizeBytes { get; private set; }

    /// <summary>The account of the database holding this value, which every size change is added to; null while
    /// the value is not stored under a key.</summary>
    public MemoryAccount? Account { get; internal set; }

    /// <summary>The pipeline's look-ahead (see KeyHint): a value keeping its elements packed in one array asks for
    /// the array's start, which a lookup walks, and says so; false for one whose elements are in a table or tree
    /// (the hint goes on into that).</summary>
    internal virtual bool PrefetchPacked() => false;

    /// <summary>The current size, from counters the value keeps as it mutates: O(1).</summary>
    protected abstract long MeasureBytes();

    /// <summary>Re-measures and reports the change to the account. Every mutating method calls it last.</summary>
    public void Resized()
    {
        long size = MeasureBytes(), delta = size - SizeBytes;
        if (delta == 0) return;
        SizeBytes = size;
        Account?.Add(delta);
    }

    /// <summary>
    /// Snapshots (and AOF rewrites): emits the events that, applied in order to an absent key, rebuild this value
    /// exactly, as the type's own events (for example one push event per chunk of at most 1024 elements). Loading
    /// a snapshot is then just <see cref="Store.Apply"/> of those events: no second decoder per type. The TTL is
    /// not the value's business; the snapshot writer emits it after.
    /// </summary>
    public abstract void WriteRebuild(int db, ReadOnlySpan<byte> key, IRebuildSink sink);
}

/// <summary>Receives rebuild events: the sink copies <see cref="EventBuffer.Body"/> before it returns, so the
/// emitter may reuse the thread's buffer for the next one.</summary>
public interface IRebuildSink
{
    void Emit(EventBuffer buffer);
}
