using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Keyspace;

namespace HyperCache.StateMachine;

/// <summary>What OBJECT reports about a key: the encoding Redis would use, and the idle time.</summary>
public readonly record struct ObjectDescription(string Encoding, long IdleSeconds, long? IntegerValue);

public sealed partial class Store
{
    /// <summary>
    /// Seconds since start (as <see cref="Clock"/>) for the access time of written entries. Like Redis's LRU clock it
    /// is coarse and set from outside <see cref="Apply"/> (by <see cref="TickAccessClock"/>), so Apply still never
    /// reads the clock; the access time is not part of the state the digest compares.
    /// </summary>
    private int _accessClock => _clock.Ticks;

    private readonly AccessClock _clock = new();

    /// <summary>Called by the node's periodic task (and by each expiry cycle).</summary>
    public void TickAccessClock() => _clock.Ticks = Clock(NowMs());

    /// <summary>OBJECT ENCODING / IDLETIME / REFCOUNT: null when the key is absent. Does not count as an access.</summary>
    public ObjectDescription? Describe(Session session, ReadOnlySpan<byte> key)
    {
        var shard = ShardOf(key);
        long now = NowMs();
        lock (shard.Lock)
        {
            ref Entry entry = ref Live(shard.DbIfExists(session.Db), key, now);
            if (Unsafe.IsNullRef(ref entry)) return null;
            long idle = Math.Max(0, Clock(now) - entry.LastAccess) / AccessClock.Hz;
            if (entry.Value is Values.CollectionValue collection) return new ObjectDescription(collection.Encoding, idle, null);
            // APPEND, SETRANGE and the bit writes leave a raw string, as Redis's (Values.StringBuffer).
            if (entry.Value is Values.StringBuffer) return new ObjectDescription("raw", idle, null);
            var bytes = (byte[])entry.Value;
            // Redis keeps a string that reads as a 64-bit integer (at most 20 characters) as that integer, a short
            // one (44 bytes) in the same allocation as its header, anything longer separately; a HLL is made raw.
            if (bytes.Length <= 20 && Numbers.TryParseInt64(bytes, out long number)) return new ObjectDescription("int", idle, number);
            return new ObjectDescription(bytes.Length <= 44 && !Values.HyperLogLog.IsHll(bytes) ? "embstr" : "raw", idle, null);
        }
    }
}
