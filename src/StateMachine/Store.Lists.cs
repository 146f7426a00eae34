using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Values;
using System.Runtime.CompilerServices;

namespace HyperCache.StateMachine;

/// <summary>
/// The list event kinds (range ListFirst..ListLast of <see cref="EventKind"/>). Each says what happened to the list,
/// so replay needs no clock and no choice: a pop is logged with its side and count, a move as a move.
/// Never renumber: these bytes are on disk.
/// </summary>
public static class ListEvents
{
    /// <summary>[db, key, side, element...] — pushes each element in turn at that end, creating the list if absent
    /// (LPUSH a b c leaves c first). Also what a snapshot rebuilds a list from.</summary>
    public const EventKind Push = EventKind.ListFirst;
    /// <summary>[db, key, side, count] — removes count elements from that end; an emptied list is deleted.</summary>
    public const EventKind Pop = EventKind.ListFirst + 1;
    /// <summary>[db, key, index, element] — LSET, index counted from the head and inside the list.</summary>
    public const EventKind Set = EventKind.ListFirst + 2;
    /// <summary>[db, key, index, element] — LINSERT: the element ends up at index (0..length).</summary>
    public const EventKind Insert = EventKind.ListFirst + 3;
    /// <summary>[db, key, count, element] — LREM as given (it removes the same elements from the same list).</summary>
    public const EventKind Remove = EventKind.ListFirst + 4;
    /// <summary>[db, key, start, stop] — LTRIM to a non-empty absolute range (an empty one is a Delete).</summary>
    public const EventKind Trim = EventKind.ListFirst + 5;
    /// <summary>[db, source, fromSide, destination, toSide] — LMOVE, RPOPLPUSH and their blocking forms: pops one
    /// element and pushes it onto the destination (created if absent); an emptied source is deleted.</summary>
    public const EventKind Move = EventKind.ListFirst + 6;
    /// <summary>[db, key, element...] — SORT ... STORE: the key becomes a new list of these elements, in order,
    /// whatever it held before (and without its TTL).</summary>
    public const EventKind Store = EventKind.ListFirst + 7;
}

/// <summary>Lists: how their events change state. The commands are in Store.ListCommands.cs.</summary>
public sealed partial class Store
{
    private void ApplyList(EventKind kind, ref EventReader r, int fields)
    {
        int db = r.ReadInt32();
        var key = r.ReadBytes();
        switch (kind)
        {
            case ListEvents.Push:
            {
                var side = (ListSide)r.ReadInt32();
                var database = ShardOf(key).Db(db);
                ref Entry entry = ref database.GetOrAdd(key, out bool existed);
                if (!existed) database.SetValue(ref entry, new ListValue(fields - 3));
                var list = (ListValue)Unshared(database, ref entry);
                for (int i = 3; i < fields; i++) list.Push(side, r.ReadBytes());
                SignalKeyReady(db, key);
                break;
            }
            case ListEvents.Pop:
            {
                var side = (ListSide)r.ReadInt32();
                long count = r.ReadInt64();
                if (ListAt(db, key) is not { } list) break;
                for (long i = 0; i < count && list.Length > 0; i++) list.Pop(side);
                DeleteIfEmpty(db, key, list);
                break;
            }
            case ListEvents.Set:
            {
                int index = r.ReadInt32();
                if (ListAt(db, key) is { } list && index < list.Length) list[index] = r.ReadBytes().ToArray();
                break;
            }
            case ListEvents.Insert:
            {
                int index = r.ReadInt32();
                if (ListAt(db, key) is { } list && index <= list.Length) list.Insert(index, r.ReadBytes().ToArray());
                break;
            }
            case ListEvents.Remove:
            {
                long count = r.ReadInt64();
                if (ListAt(db, key) is not { } list) break;
                list.Remove(count, r.ReadBytes());
                DeleteIfEmpty(db, key, list);
                break;
            }
            case ListEvents.Trim:
            {
                int start = r.ReadInt32(), stop = r.ReadInt32();
                if (ListAt(db, key) is { } list && stop < list.Length) list.Trim(start, stop);
                break;
            }
            case ListEvents.Move:
            {
                var from = (ListSide)r.ReadInt32();
                var destination = r.ReadBytes();
                var to = (ListSide)r.ReadInt32();
                ApplyListMove(db, key, from, destination, to);
                break;
            }
            case ListEvents.Store:
            {
                ApplyDelete(db, key);
                var database = ShardOf(key).Db(db);
                ref Entry entry = ref database.GetOrAdd(key, out _);
                var list = new ListValue(fields - 2);
                for (int i = 2; i < fields; i++) list.Push(ListSide.Right, r.ReadBytes());
                database.SetValue(ref entry, list);
                SignalKeyReady(db, key);
                break;
            }
            default:
                throw new UnknownEventKindException($"unknown Lists event kind {(byte)kind}");
        }
    }

    private void ApplyListMove(int db, ReadOnlySpan<byte> source, ListSide from, ReadOnlySpan<byte> destination, ListSide to)
    {
        if (ListAt(db, source) is not { Length: > 0 } list) return;
        var element = list.Pop(from);
        // The source stays in the table until after the push: with source == destination the list is one object,
        // and a one-element rotation must keep the key (and its TTL), as in Redis.
        var database = ShardOf(destination).Db(db);
        ref Entry entry = ref database.GetOrAdd(destination, out bool existed);
        if (!existed) database.SetValue(ref entry, new ListValue());
        ((ListValue)Unshared(database, ref entry)).Push(to, element);
        DeleteIfEmpty(db, source, list);
        SignalKeyReady(db, destination);
    }

    /// <summary>
    /// The list an event names, ready to change. Events are logged only after checking that it exists, so null
    /// means a bug upstream; like the other Apply paths (an EXPIRE of a missing key), the event is then skipped
    /// rather than stopping replay.
    /// </summary>
    private ListValue? ListAt(int db, ReadOnlySpan<byte> key)
    {
        var database = ShardOf(key).Db(db);
        ref Entry entry = ref database.Find(key);
        return Unsafe.IsNullRef(ref entry) ? null : Unshared(database, ref entry) as ListValue;
    }

    private void DeleteIfEmpty(int db, ReadOnlySpan<byte> key, ListValue list)
    {
        if (list.Length == 0) ShardOf(key).Db(db).Remove(key);
    }

    /// <summary>Starts a <see cref="ListEvents.Push"/> of <paramref name="count"/> elements; the caller writes them.</summary>
    internal static EventBuffer StartListPush(int db, ReadOnlySpan<byte> key, ListSide side, int count)
    {
        var buffer = EventBuffer.Start(ListEvents.Push);
        buffer.WriteArrayHeader(3 + count);
        buffer.Write(db);
        buffer.Write(key);
        buffer.Write((byte)side);
        return buffer;
    }
}
