namespace HyperCache.StateMachine.Events;

/// <summary>
/// The kinds of log entry. Each body is one MessagePack array; its fields are listed here. Events say what
/// happened, never what time it is: expiries are absolute Unix milliseconds, counters are logged as their result,
/// so replaying an event anywhere, at any time, gives the same state. Never renumber: these bytes are on disk.
/// </summary>
public enum EventKind : byte
{
    /// <summary>[db, key, value, expireAt] — expireAt 0: no TTL, -1: keep the key's TTL.</summary>
    Set = 1,
    /// <summary>[db, key...] — DEL, UNLINK, GETDEL and expiries decided by this node.</summary>
    Delete = 2,
    /// <summary>[db, key, expireAt] — 0 removes the TTL.</summary>
    Expire = 3,
    /// <summary>[db, key, suffix]</summary>
    Append = 4,
    /// <summary>[db, key, offset, bytes]</summary>
    SetRange = 5,
    /// <summary>[db, key, value, key, value...] — no TTL on any of them.</summary>
    MultiSet = 6,
    /// <summary>[db, source, destination] — moves value and TTL, replacing the destination.</summary>
    Rename = 7,
    /// <summary>[sourceDb, source, destinationDb, destination] — copies value and TTL, replacing the destination.</summary>
    Copy = 8,
    /// <summary>[db]</summary>
    FlushDb = 9,
    /// <summary>[]</summary>
    FlushAll = 10,
    /// <summary>[db, db]</summary>
    SwapDb = 11,
    /// <summary>[[kind, body], ...] — several events logged as one entry (MULTI/EXEC), applied in order.</summary>
    Batch = 12,
    /// <summary>[replication id, next origin address] — a replica's resume position (an empty id clears it).
    /// Only ever the last pair of a replicated batch; changes no data.</summary>
    ReplicationMark = 13,
    /// <summary>[channel, message, sharded (0 or 1)] — a PUBLISH / SPUBLISH a primary passes on to its replicas, whose
    /// subscribers get it (as Redis propagates PUBLISH). Changes no data; replay skips it.</summary>
    Publish = 14,

    // Ranges per data type; each type lists its kinds in its own Store.<Type>.cs and applies them there.
    ListFirst = 20, ListLast = 39,
    HashFirst = 40, HashLast = 59,
    SetFirst = 60, SetLast = 79,
    SortedSetFirst = 80, SortedSetLast = 99,
    /// <summary>Bitmaps and HyperLogLog: both are strings to Redis.</summary>
    BitmapFirst = 100, BitmapLast = 119,
    CuckooFirst = 120, CuckooLast = 139,
    StreamFirst = 140, StreamLast = 159,

    // Redis 7 functions (Store.Functions.cs): libraries as name -> Lua source. The state machine never runs Lua;
    // the front end compiles what these events leave. Logged under every shard lock.
    /// <summary>[name, code] — adds a library or replaces the one of that name.</summary>
    FunctionLoad = 160,
    /// <summary>[name]</summary>
    FunctionDelete = 161,
    /// <summary>[] — FUNCTION FLUSH (FLUSHALL leaves libraries alone, as in Redis).</summary>
    FunctionFlush = 162,
    /// <summary>[flush, name, code, name, code...] — FUNCTION RESTORE: flush (1) drops every library first, then
    /// each pair is added or replaces the library of that name (the front end has checked the policy).</summary>
    FunctionRestore = 163,
}
