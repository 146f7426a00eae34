using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine;

/// <summary>Reads a stored string where it lies, under its shard lock; returns what the caller wants from it.</summary>
public delegate TResult StringReader<in TState, out TResult>(ReadOnlySpan<byte> value, TState state)
    where TState : allows ref struct;

/// <summary>
/// The allocation-free GET/SET path. A SET that replaces a string with one of the same length copies the new bytes
/// into the stored array instead of storing a fresh one (the steady state of a cache: the same keys rewritten
/// with values of the same size). So a stored string array is owned by its entry and may change while it is
/// stored: nothing may keep a reference to it past the shard lock. Readers therefore either read it in place
/// under the lock (<see cref="ReadString"/>: GET copies it straight into the reply) or take a copy
/// (<see cref="GetString"/>, GETSET, GETEX, the HTTP API). The arrays that are still shared beyond a lock are kept
/// out of the in-place path: see <see cref="MayChangeInPlace"/>.
/// </summary>
public sealed partial class Store
{
    /// <summary>
    /// Runs <paramref name="read"/> on the string at <paramref name="key"/> under its shard lock and returns its
    /// result, or <paramref name="missing"/> when the key does not exist; WRONGTYPE for another type. Counts a hit
    /// or miss and touches the key, like <see cref="GetString"/>. <paramref name="read"/> must not keep the span,
    /// and should be a static lambda (a cached delegate: no allocation).
    /// </summary>
    public TResult ReadString<TState, TResult>(Session session, ReadOnlySpan<byte> key, TState state,
        StringReader<TState, TResult> read, TResult missing) where TState : allows ref struct
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
                return missing;
            }
            var value = AsString(ref entry);
            shard.Hits++;
            Touch(ref entry, Clock(now));
            return read(value, state);
        }
    }

    /// <summary>Apply of a Set event (and of each pair of a MultiSet): the value is copied into the stored array
    /// when <see cref="CanOverwriteInPlace"/> allows, else into a new one.</summary>
    private void ApplySet(int db, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expireAt)
    {
        var database = ShardOf(key).Db(db);
        ref Entry entry = ref database.GetOrAdd(key, out bool existed);
        if (existed && CanOverwriteInPlace(entry.Value, value.Length)) value.CopyTo((byte[])entry.Value); // same length: the memory account is unchanged
        else
        {
            if (existed && entry.Value is StreamValue) SignalKeyReady(db, key); // its blocked XREADGROUPs hear it is gone, as in Redis
            database.SetValue(ref entry, value.ToArray());
        }
        TouchApplied(ref entry, existed);
        if (expireAt != -1) database.SetExpiry(key, ref entry, expireAt);
    }

    /// <summary>Whether <paramref name="stored"/> may be overwritten in place by a string of
    /// <paramref name="length"/> bytes: it is a string of that length that <see cref="MayChangeInPlace"/>.</summary>
    private bool CanOverwriteInPlace(object stored, int length)
        => stored is byte[] bytes && bytes.Length == length && MayChangeInPlace(bytes);

    /// <summary>
    /// Whether a stored string may change where it lies: no one outside the shard lock can be reading it. Two kinds
    /// of reader may: a snapshot in progress (its capture shares the arrays and serializes them after the lock;
    /// the shard lock orders this check after the capture, and the cut ends only when the file is written),
    /// and HyperLogLog's count cache, which is keyed by the array, so an HLL is never rewritten in place.
    /// </summary>
    private bool MayChangeInPlace(ReadOnlySpan<byte> current) => Volatile.Read(ref _cut) is null && !HyperLogLog.IsHll(current);
}
