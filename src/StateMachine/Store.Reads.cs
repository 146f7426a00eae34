using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Keyspace;

namespace HyperCache.StateMachine;

/// <summary>Reads that return more than RESP's GET does, for frontends that show it (the HTTP API).</summary>
public sealed partial class Store
{
    /// <summary>The string at <paramref name="key"/> and its expiry (Unix ms, 0 for none), read under one lock so
    /// the two agree; counts a hit or miss like GET. Returns a copy of the string.</summary>
    public byte[]? GetStringWithExpiry(Session session, ReadOnlySpan<byte> key, out long expireAt)
    {
        var shard = ShardOf(key);
        long now = NowMs();
        lock (shard.Lock)
        {
            ref Entry entry = ref Live(shard.DbIfExists(session.Db), key, now);
            if (Unsafe.IsNullRef(ref entry))
            {
                shard.Misses++;
                NotifyMiss(session, key);
                expireAt = 0;
                return null;
            }
            var value = AsString(ref entry);
            shard.Hits++;
            Touch(ref entry, Clock(now));
            expireAt = entry.ExpireAt;
            return value.ToArray(); // a copy: the stored array may be overwritten in place after the lock
        }
    }
}
