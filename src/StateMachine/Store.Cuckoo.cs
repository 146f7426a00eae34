using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine
{
    public readonly record struct CuckooInfo(long Size, long Buckets, long Filters, long Items, long Deletes, long BucketSize, long Expansion, long MaxIterations);

    /// <summary>
    /// Cuckoo filters at keys (CF.*). Inserts log the items' 64-bit hashes, not the items: the filter is
    /// deterministic (no random kicks), so Apply re-running the insert on the same state writes the same slots,
    /// and its outcome (inserted / exists / full) is what the live caller reports.
    /// </summary>
    public sealed partial class Store
    {
        /// <summary>RedisBloom's defaults for CF.RESERVE and for filters CF.ADD/CF.INSERT create.</summary>
        public const long CuckooDefaultCapacity = 1024;
        public const int CuckooDefaultBucketSize = 2, CuckooDefaultMaxIterations = 20, CuckooDefaultExpansion = 1;

        /// <summary>The outcome of each hash of the insert Apply just ran on this thread.</summary>
        [ThreadStatic] private static List<CuckooInsertResult>? t_cuckooResults;

        public void CuckooReserve(Session session, ReadOnlySpan<byte> key, long capacity, int bucketSize, int maxIterations, int expansion)
        {
            var shard = ShardOf(key);
            lock (shard.Lock)
            {
                ref Entry entry = ref LiveForWrite(session, shard, key, NowMs());
                if (!Unsafe.IsNullRef(ref entry))
                    throw entry.Value is CuckooValue ? new CommandError("ERR item exists") : CommandError.WrongType();
                if (CuckooFilter.Create(capacity, bucketSize, 1, 0) is null) throw new CommandError("Couldn't create Cuckoo Filter");
                var buffer = EventBuffer.Start(CuckooKinds.Reserve);
                buffer.WriteArrayHeader(6);
                buffer.Write(session.Db);
                buffer.Write(key);
                buffer.Write(capacity);
                buffer.Write(bucketSize);
                buffer.Write(maxIterations);
                buffer.Write(expansion);
                LogAndApply(session, buffer);
            }
        }

        /// <summary>
        /// CF.ADD/ADDNX/INSERT/INSERTNX of items already hashed (<see cref="CuckooFilter.Hash"/>). A missing key gets
        /// a filter of <paramref name="createCapacity"/> with default settings, or "ERR not found" when that is 0
        /// (NOCREATE). <paramref name="results"/> receives one outcome per hash.
        /// </summary>
        public void CuckooInsert(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<ulong> hashes, bool unique, long createCapacity, Span<CuckooInsertResult> results)
        {
            var shard = ShardOf(key);
            lock (shard.Lock)
            {
                ref Entry entry = ref LiveForWrite(session, shard, key, NowMs());
                if (Unsafe.IsNullRef(ref entry))
                {
                    if (createCapacity == 0) throw new CommandError("ERR not found");
                    if (CuckooFilter.Create(createCapacity, CuckooDefaultBucketSize, 1, 0) is null) throw new CommandError("Could not create filter");
                }
                else
                {
                    var filter = (entry.Value as CuckooValue ?? throw CommandError.WrongType()).Filter;
                    // RedisBloom refuses before adding anything, so a hostile client cannot grow a filter without end.
                    if (filter.FilterCount >= CuckooFilter.MaxFilters) throw new CommandError("Maximum expansions reached");
                }
                var buffer = EventBuffer.Start(CuckooKinds.Insert);
                buffer.WriteArrayHeader(4 + hashes.Length);
                buffer.Write(session.Db);
                buffer.Write(key);
                buffer.Write(unique ? 1 : 0);
                buffer.Write(createCapacity);
                foreach (ulong hash in hashes) buffer.Write((long)hash);
                LogAndApply(session, buffer);
                var outcome = t_cuckooResults!;
                for (int i = 0; i < results.Length; i++) results[i] = outcome[i];
            }
        }

        /// <summary>CF.EXISTS/MEXISTS (or CF.COUNT with <paramref name="count"/>): 0 for every item when the key is
        /// missing or not a filter, as RedisBloom answers.</summary>
        public void CuckooCheck(Session session, ReadOnlySpan<byte> key, ReadOnlySpan<ulong> hashes, bool count, Span<long> results)
        {
            var shard = ShardOf(key);
            lock (shard.Lock)
            {
                ref Entry entry = ref Live(shard.DbIfExists(session.Db), key, NowMs());
                var filter = Unsafe.IsNullRef(ref entry) ? null : (entry.Value as CuckooValue)?.Filter;
                for (int i = 0; i < hashes.Length; i++)
                    results[i] = filter is null ? 0 : count ? filter.CountOf(hashes[i]) : filter.Contains(hashes[i]) ? 1 : 0;
            }
        }

        /// <summary>CF.DEL: whether one copy was removed. Nothing is logged when the item is not there.</summary>
        public bool CuckooDelete(Session session, ReadOnlySpan<byte> key, ulong hash)
        {
            var shard = ShardOf(key);
            lock (shard.Lock)
            {
                ref Entry entry = ref LiveForWrite(session, shard, key, NowMs());
                if (Unsafe.IsNullRef(ref entry) || entry.Value is not CuckooValue value) throw new CommandError("Not found");
                if (!value.Filter.Contains(hash)) return false;
                var buffer = EventBuffer.Start(CuckooKinds.Delete);
                buffer.WriteArrayHeader(3);
                buffer.Write(session.Db);
                buffer.Write(key);
                buffer.Write((long)hash);
                LogAndApply(session, buffer);
                return true;
            }
        }

        public CuckooInfo CuckooInfoOf(Session session, ReadOnlySpan<byte> key)
        {
            var shard = ShardOf(key);
            lock (shard.Lock)
            {
                ref Entry entry = ref Live(shard.DbIfExists(session.Db), key, NowMs());
                if (Unsafe.IsNullRef(ref entry)) throw new CommandError("ERR not found");
                var f = (entry.Value as CuckooValue ?? throw CommandError.WrongType()).Filter;
                return new CuckooInfo(f.SizeInBytes, f.NumBuckets, f.FilterCount, f.Items, f.Deletes, f.BucketSize, f.Expansion, f.MaxIterations);
            }
        }

        /// <summary>
        /// Keyspace filter: false only when no key <paramref name="key"/> exists in <paramref name="db"/> (expired
        /// keys not yet reclaimed count as present). Always true when the filter is switched off.
        /// </summary>
        public bool MightContain(int db, ReadOnlySpan<byte> key)
        {
            var shard = ShardOf(key);
            lock (shard.Lock) return shard.Filter?.MightContain(db, key) ?? true;
        }

        /// <summary>Tests: the value at a key, expired or not, without touching it.</summary>
        internal object? PeekValue(int db, ReadOnlySpan<byte> key)
        {
            var shard = ShardOf(key);
            lock (shard.Lock)
            {
                var database = shard.DbIfExists(db);
                if (database is null) return null;
                ref Entry entry = ref database.Find(key);
                return Unsafe.IsNullRef(ref entry) ? null : entry.Value;
            }
        }

        private void ApplyCuckoo(EventKind kind, ref EventReader r, int fields)
        {
            int db = r.ReadInt32();
            var key = r.ReadBytes();
            var database = ShardOf(key).Db(db);
            switch (kind)
            {
                case CuckooKinds.Reserve:
                {
                    long capacity = r.ReadInt64();
                    int bucketSize = r.ReadInt32(), maxIterations = r.ReadInt32(), expansion = r.ReadInt32();
                    database.SetValue(ref database.GetOrAdd(key, out _), new CuckooValue(CuckooFilter.Create(capacity, bucketSize, maxIterations, expansion)
                        ?? throw new InvalidDataException("cuckoo reserve event with impossible sizes")));
                    break;
                }
                case CuckooKinds.Insert:
                {
                    bool unique = r.ReadInt64() != 0;
                    long createCapacity = r.ReadInt64();
                    ref Entry entry = ref database.GetOrAdd(key, out bool existed);
                    if (!existed)
                    {
                        database.SetValue(ref entry, new CuckooValue(CuckooFilter.Create(createCapacity, CuckooDefaultBucketSize, CuckooDefaultMaxIterations, CuckooDefaultExpansion)
                            ?? throw new InvalidDataException("cuckoo insert event with impossible capacity")));
                    }
                    var cuckoo = (CuckooValue)Unshared(database, ref entry);
                    var results = t_cuckooResults ??= [];
                    results.Clear();
                    for (int i = 4; i < fields; i++) results.Add(cuckoo.Filter.Insert((ulong)r.ReadInt64(), unique));
                    cuckoo.Resized();
                    break;
                }
                case CuckooKinds.Delete:
                {
                    ref Entry entry = ref database.Find(key);
                    if (!Unsafe.IsNullRef(ref entry) && Unshared(database, ref entry) is CuckooValue cuckoo)
                    {
                        cuckoo.Filter.Delete((ulong)r.ReadInt64());
                        cuckoo.Resized();
                    }
                    break;
                }
                case CuckooKinds.Restore:
                {
                    long numBuckets = r.ReadInt64();
                    int bucketSize = r.ReadInt32(), maxIterations = r.ReadInt32(), expansion = r.ReadInt32(), filterCount = r.ReadInt32();
                    long items = r.ReadInt64(), deletes = r.ReadInt64();
                    database.SetValue(ref database.GetOrAdd(key, out _), new CuckooValue(
                        CuckooFilter.Restore(numBuckets, bucketSize, maxIterations, expansion, filterCount, items, deletes)));
                    break;
                }
                case CuckooKinds.Chunk:
                {
                    int filterIndex = r.ReadInt32(), offset = r.ReadInt32();
                    ((CuckooValue)Unshared(database, ref database.Find(key))).Filter.LoadChunk(filterIndex, offset, r.ReadBytes());
                    break;
                }
                default:
                    throw new UnknownEventKindException($"unknown Cuckoo event kind {(byte)kind}");
            }
        }
    }
}

namespace HyperCache.StateMachine.Events
{
    /// <summary>The Cuckoo filter events (range CuckooFirst..CuckooLast); bodies are listed per kind.</summary>
    public static class CuckooKinds
    {
        /// <summary>[db, key, capacity, bucketSize, maxIterations, expansion] — CF.RESERVE on an absent key.</summary>
        public const EventKind Reserve = EventKind.CuckooFirst;
        /// <summary>[db, key, unique, createCapacity, hash...] — creates the filter (default settings) when absent.</summary>
        public const EventKind Insert = EventKind.CuckooFirst + 1;
        /// <summary>[db, key, hash]</summary>
        public const EventKind Delete = EventKind.CuckooFirst + 2;
        /// <summary>[db, key, numBuckets, bucketSize, maxIterations, expansion, filters, items, deletes] — snapshots:
        /// an empty filter of that shape, replacing the key.</summary>
        public const EventKind Restore = EventKind.CuckooFirst + 3;
        /// <summary>[db, key, filter, offset, bytes] — snapshots: slots of one sub-filter.</summary>
        public const EventKind Chunk = EventKind.CuckooFirst + 4;
    }
}
