using System.IO.Hashing;

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

    public abstract CollectionValue Clone();
}
