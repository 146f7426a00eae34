using System.Runtime.CompilerServices;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Notifications;

namespace HyperCache.StateMachine;

/// <summary>
/// Keyspace notifications (notify-keyspace-events), raised where Redis raises them: by each command after its
/// effect (its own event name: INCR is logged as a Set but published as "incrby"), "new" when a write creates a key,
/// "del" when a command empties a collection, "expired" from lazy and active expiry, "evicted" from eviction,
/// "keymiss" where a read misses. Only live writes notify: replay and a replica's shipped entries go through
/// <see cref="Apply"/> alone. While the setting is "" <see cref="_notify"/> is null, and a write pays the one null
/// check <see cref="LogAndApply"/> makes (it hands the notifier to the command, which reads no field again).
/// </summary>
public sealed partial class Store
{
    private KeyspaceNotifier? _notify;

    /// <summary>Sets what is published (null or an inactive notifier: nothing).</summary>
    public void SetKeyspaceNotifier(KeyspaceNotifier? notifier)
        => Volatile.Write(ref _notify, notifier is { Active: true } ? notifier : null);

    /// <summary>A read found no key: Redis's "keymiss" (class m).</summary>
    private void NotifyMiss(Session session, ReadOnlySpan<byte> key)
        => _notify?.Raise(KeyspaceEventTypes.KeyMiss, "keymiss"u8, session.Db, key);

    /// <summary>After a command's own event: "del" when it left the key gone (an emptied collection, an empty
    /// store result), as Redis publishes it.</summary>
    private void NotifyIfGone(KeyspaceNotifier? notify, int db, ReadOnlySpan<byte> key)
    {
        if (notify is null) return;
        var database = ShardOf(key).DbIfExists(db);
        if (database is null || Unsafe.IsNullRef(ref database.Find(key)))
            notify.Raise(KeyspaceEventTypes.Generic, "del"u8, db, key);
    }

    /// <summary>Apply of a live write while notifications are on: also publishes "new" for a key the event creates
    /// (Redis's dbAdd), before the command publishes its own event.</summary>
    private bool ApplyNoticingNewKeys(KeyspaceNotifier notify, EventKind kind, ReadOnlySpan<byte> body)
    {
        if (!notify.Wants(KeyspaceEventTypes.New) || kind is EventKind.Delete or EventKind.Expire or EventKind.FlushDb
                or EventKind.FlushAll or EventKind.SwapDb or EventKind.Batch or EventKind.ReplicationMark or EventKind.Publish
                or EventKind.FunctionLoad or EventKind.FunctionDelete or EventKind.FunctionFlush or EventKind.FunctionRestore)
            return Apply((byte)kind, body);
        var r = new EventReader(body);
        int fields = r.ReadArrayHeader();
        int db = r.ReadInt32();
        switch (kind)
        {
            case EventKind.MultiSet:
            {
                var created = new List<byte[]>();
                for (int i = 1; i < fields; i += 2)
                {
                    var key = r.ReadBytes();
                    r.ReadBytes();
                    if (!KeyExists(db, key)) created.Add(key.ToArray());
                }
                if (!Apply((byte)kind, body)) return false;
                foreach (var key in created) notify.Raise(KeyspaceEventTypes.New, "new"u8, db, key);
                return true;
            }
            case EventKind.Rename:
            case EventKind.Copy:
            {
                // Redis deletes a destination that exists and adds the key again: "new" either way.
                r.ReadBytes();
                if (kind == EventKind.Copy) db = r.ReadInt32();
                var destination = r.ReadBytes();
                if (!Apply((byte)kind, body)) return false;
                notify.Raise(KeyspaceEventTypes.New, "new"u8, db, destination);
                return true;
            }
            default:
            {
                var key = r.ReadBytes();
                if (kind == ListEvents.Move) { r.ReadInt32(); key = r.ReadBytes(); }       // [db, source, side, destination, side]
                else if (kind == SetEvents.Move) key = r.ReadBytes();                       // [db, source, destination, member]
                bool existed = KeyExists(db, key);
                if (!Apply((byte)kind, body)) return false;
                if (!existed && KeyExists(db, key)) notify.Raise(KeyspaceEventTypes.New, "new"u8, db, key);
                return true;
            }
        }
    }

    private bool KeyExists(int db, ReadOnlySpan<byte> key)
    {
        var database = ShardOf(key).DbIfExists(db);
        return database is not null && !Unsafe.IsNullRef(ref database.Find(key));
    }
}
