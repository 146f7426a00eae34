namespace HyperCache.StateMachine.Values;

/// <summary>
/// Redis's encoding thresholds, which CONFIG SET changes while the node runs (hash-max-listpack-entries and -value,
/// set-max-intset-entries, zset-max-listpack-entries and -value; their old ziplist names too; and where a stream's
/// nodes end, which decides what "~" trimming removes). Server-wide, as
/// Redis keeps them: one node per process, and a value reads them when a write may convert it. A change applies
/// from the next write on; a value already converted stays converted, as in Redis. What they decide is the
/// encoding OBJECT ENCODING names, and with it the reply orders that go with it (a listpack hash in insertion
/// order, an intset in numeric order) and, for hashes and sorted sets, whether the elements stay packed (see each
/// type for the packed form's own bounds). Read without a lock: a write racing a CONFIG SET sees the old or the new
/// limit, either of which was in force.
/// </summary>
public static class EncodingLimits
{
    /// <summary>redis-server's built-in defaults (what it runs with without a config file).</summary>
    public const int DefaultHashEntries = 512, DefaultHashValue = 64, DefaultIntsetEntries = 512, DefaultZSetEntries = 128, DefaultZSetValue = 64;

    public static int HashMaxListpackEntries { get; set; } = DefaultHashEntries;
    public static int HashMaxListpackValue { get; set; } = DefaultHashValue;
    public static int SetMaxIntsetEntries { get; set; } = DefaultIntsetEntries;
    public static int ZSetMaxListpackEntries { get; set; } = DefaultZSetEntries;
    public static int ZSetMaxListpackValue { get; set; } = DefaultZSetValue;

    /// <summary>stream-node-max-entries and -bytes: where a stream's nodes end (<see cref="StreamNodes"/>; 0: no bound).</summary>
    public const int DefaultStreamNodeEntries = 100, DefaultStreamNodeBytes = 4096;
    public static long StreamNodeMaxEntries { get; set; } = DefaultStreamNodeEntries;
    public static long StreamNodeMaxBytes { get; set; } = DefaultStreamNodeBytes;
}
