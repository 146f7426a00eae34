using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Dump;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Notifications;

namespace HyperCache.StateMachine;

/// <summary>One key MIGRATE sends: its DUMP payload and its absolute expiry (0: none) when it was read.</summary>
public sealed record MigratingKey(byte[] Key, byte[] Payload, long ExpireAt);

/// <summary>
/// MIGRATE's two moments in the store. The network exchange runs between them with no lock held, so the delete
/// checks that each key still holds what was sent (same payload, same expiry) and keeps any that changed meanwhile:
/// a write made during the transfer is never lost, and only values the target holds are deleted here.
/// </summary>
public sealed partial class Store
{
    /// <summary>The live keys among <paramref name="keys"/>, each with its payload and expiry, read under all their
    /// shard locks at once (one instant for every key). Keys repeat as given, as Redis sends them.</summary>
    public List<MigratingKey> ReadForMigrate(Session session, IReadOnlyList<byte[]> keys)
    {
        long now = NowMs();
        var found = new List<MigratingKey>(keys.Count);
        using var locks = LockKeys(new KeyListOf(keys), 0, 1, stackalloc ulong[MaskWords]);
        foreach (var key in keys)
        {
            ref Entry entry = ref Live(ShardOf(key).DbIfExists(session.Db), key, now);
            if (Unsafe.IsNullRef(ref entry)) continue;
            found.Add(new MigratingKey(key, DumpEncoder.Encode(entry.Value), entry.ExpireAt));
        }
        return found;
    }

    /// <summary>
    /// Deletes the keys the target acknowledged, as ONE Delete event (replicas and replay see a DEL; each key gets
    /// its "del" notification), but only those that still hold the payload and expiry sent. Returns the keys kept
    /// because they changed (or went) after they were read.
    /// </summary>
    public List<byte[]> DeleteMigrated(Session session, IReadOnlyList<MigratingKey> moved)
    {
        long now = NowMs();
        var keys = new List<byte[]>(moved.Count);
        foreach (var m in moved) keys.Add(m.Key);
        var changed = new List<byte[]>();
        var chosen = new List<byte[]>(moved.Count);
        using var locks = LockKeys(new KeyListOf(keys), 0, 1, stackalloc ulong[MaskWords]);
        foreach (var m in moved)
        {
            if (chosen.Exists(k => k.AsSpan().SequenceEqual(m.Key))) continue; // a key named twice
            ref Entry entry = ref Live(ShardOf(m.Key).DbIfExists(session.Db), m.Key, now);
            if (Unsafe.IsNullRef(ref entry) || entry.ExpireAt != m.ExpireAt || !DumpEncoder.Encode(entry.Value).AsSpan().SequenceEqual(m.Payload))
            {
                if (!changed.Exists(k => k.AsSpan().SequenceEqual(m.Key))) changed.Add(m.Key);
                continue;
            }
            chosen.Add(m.Key);
        }
        if (chosen.Count == 0) return changed;
        var buffer = EventBuffer.Start(EventKind.Delete);
        buffer.WriteArrayHeader(1 + chosen.Count);
        buffer.Write(session.Db);
        foreach (var key in chosen) buffer.Write(key);
        if (LogAndApply(session, buffer) is { } notify)
            foreach (var key in chosen) notify.Raise(KeyspaceEventTypes.Generic, "del"u8, session.Db, key);
        return changed;
    }

    private readonly struct KeyListOf(IReadOnlyList<byte[]> keys) : IKeyList
    {
        public int Count => keys.Count;
        public ReadOnlySpan<byte> this[int index] => keys[index];
    }
}
