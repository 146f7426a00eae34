using System.Buffers.Binary;
using HyperCache.StateMachine.Events;

namespace HyperCache.StateMachine;

/// <summary>What a write touches, as Redis's signalModifiedKey sees it: told key by key to WATCH and to client-side
/// caching's tracking (Store.Tracking.cs) by one walk of the event.</summary>
internal interface IEventKeyVisitor
{
    /// <param name="deleting">The event deletes the key (WATCH ignores reclaiming a key already expired).</param>
    void Key(int db, ReadOnlySpan<byte> key, bool deleting);

    /// <summary>FLUSHDB of <paramref name="db"/>, or FLUSHALL when it is -1.</summary>
    void Flush(int db);

    void Swap(int db, int other);

    /// <summary>A write whose keys could not be listed: take every key of the database as written.</summary>
    void Unknown(int db);
}

public sealed partial class Store
{
    /// <summary>Walks the keys a write event names (a Batch: each of its events). Called before the event is
    /// applied: XGROUP CREATE ... MKSTREAM counts as a write only when the stream does not exist yet.</summary>
    private void VisitEventKeys<TVisitor>(EventKind kind, ReadOnlySpan<byte> body, ref TVisitor v) where TVisitor : struct, IEventKeyVisitor
    {
        var r = new EventReader(body);
        int fields = r.ReadArrayHeader();
        switch (kind)
        {
            case EventKind.Set or EventKind.Expire or EventKind.Append or EventKind.SetRange:
            {
                int db = r.ReadInt32();
                v.Key(db, r.ReadBytes(), deleting: false);
                break;
            }
            case EventKind.Delete:
            {
                int db = r.ReadInt32();
                for (int i = 1; i < fields; i++) v.Key(db, r.ReadBytes(), deleting: true);
                break;
            }
            case EventKind.MultiSet:
            {
                int db = r.ReadInt32();
                for (int i = 1; i < fields; i += 2)
                {
                    v.Key(db, r.ReadBytes(), deleting: false);
                    r.ReadBytes();
                }
                break;
            }
            case EventKind.Rename:
            {
                int db = r.ReadInt32();
                v.Key(db, r.ReadBytes(), deleting: false);
                v.Key(db, r.ReadBytes(), deleting: false);
                break;
            }
            case EventKind.Copy:
                r.ReadInt32();
                r.ReadBytes();
                int destinationDb = r.ReadInt32();
                v.Key(destinationDb, r.ReadBytes(), deleting: false);
                break;
            case BitOpEvent or SetEvents.CombineStore or SortedSetEvents.CombineStore: // the sources are read, not written
            {
                int db = r.ReadInt32();
                v.Key(db, r.ReadBytes(), deleting: false);
                break;
            }
            case EventKind.FlushDb:
                v.Flush(r.ReadInt32());
                break;
            case EventKind.FlushAll:
                v.Flush(-1);
                break;
            case EventKind.SwapDb:
                v.Swap(r.ReadInt32(), r.ReadInt32());
                break;
            case EventKind.Batch:
                for (int i = 0; i < fields; i++)
                {
                    byte inner = r.ReadBatchPair(out var innerBody);
                    VisitEventKeys((EventKind)inner, innerBody, ref v);
                }
                break;
            case EventKind.ReplicationMark or EventKind.Publish:
            case EventKind.FunctionLoad or EventKind.FunctionDelete or EventKind.FunctionFlush or EventKind.FunctionRestore:
                break; // libraries are not keys: WATCH does not see them (as Redis)
            case >= StreamEvents.GroupCreate and <= StreamEvents.Claim:
            {
                // As Redis 7.0: group changes (reads into a PEL, acks, claims) signal no key; only the stream
                // XGROUP CREATE ... MKSTREAM makes counts as a write of the key.
                int db = r.ReadInt32();
                var key = r.ReadBytes();
                if (kind == StreamEvents.GroupCreate && !KeyExists(db, key)) v.Key(db, key, deleting: false);
                break;
            }
            default:
                // A data type's event: [db, ...]. Every binary field after the db is taken for a key. A value
                // equal to a watched or tracked key's name costs a needless abort or invalidation, never a missed one.
                if (fields == 0) break;
                int typeDb = r.ReadInt32();
                int position = body.Length - r.Remaining;
                if (!VisitBinaries(typeDb, body, ref position, fields - 1, ref v)) v.Unknown(typeDb);
                break;
        }
    }

    /// <summary>Walks <paramref name="count"/> MessagePack values from <paramref name="position"/>, visiting every
    /// binary one as a key; false on a format it does not know (the caller then takes the whole database).</summary>
    private static bool VisitBinaries<TVisitor>(int db, ReadOnlySpan<byte> body, ref int position, int count, ref TVisitor v) where TVisitor : struct, IEventKeyVisitor
    {
        for (int i = 0; i < count; i++)
        {
            if (position >= body.Length) return false;
            byte code = body[position++];
            int length;
            switch (code)
            {
                case <= 0x7f or >= 0xe0 or 0xc0 or 0xc2 or 0xc3: continue; // small ints, nil, booleans
                case >= 0x90 and <= 0x9f:
                    if (!VisitBinaries(db, body, ref position, code & 0x0f, ref v)) return false;
                    continue;
                case 0xdc:
                    if (position + 2 > body.Length) return false;
                    length = BinaryPrimitives.ReadUInt16BigEndian(body[position..]);
                    position += 2;
                    if (!VisitBinaries(db, body, ref position, length, ref v)) return false;
                    continue;
                case 0xdd:
                    if (position + 4 > body.Length) return false;
                    length = checked((int)BinaryPrimitives.ReadUInt32BigEndian(body[position..]));
                    position += 4;
                    if (!VisitBinaries(db, body, ref position, length, ref v)) return false;
                    continue;
                case 0xcc or 0xd0: position += 1; continue;
                case 0xcd or 0xd1: position += 2; continue;
                case 0xce or 0xd2 or 0xca: position += 4; continue;
                case 0xcf or 0xd3 or 0xcb: position += 8; continue;
                case 0xc4 or 0xd9: length = body[position]; position += 1; break;
                case 0xc5 or 0xda: length = BinaryPrimitives.ReadUInt16BigEndian(body[position..]); position += 2; break;
                case 0xc6 or 0xdb: length = checked((int)BinaryPrimitives.ReadUInt32BigEndian(body[position..])); position += 4; break;
                case >= 0xa0 and <= 0xbf: length = code & 0x1f; break;
                default: return false;
            }
            if (position + length > body.Length) return false;
            v.Key(db, body.Slice(position, length), deleting: false);
            position += length;
        }
        return true;
    }
}
