using System.Buffers.Binary;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine.Dump;

/// <summary>
/// Streams in the RDB format: a radix tree of listpack nodes (each keyed by its master ID, 16 bytes big-endian,
/// holding a master entry and entries stored as differences from it), the length and IDs, then the consumer groups
/// with their pending entries and consumers. Redis 7.0 writes RDB_TYPE_STREAM_LISTPACKS_2 (first ID, max deleted ID
/// and entries added; a group's entries read); the first version lacks those, the third (Redis 7.2) adds each
/// consumer's active time. This node writes the second, one node per <see cref="NodeEntries"/> entries.
/// </summary>
internal static class StreamPayload
{
    private const int NodeEntries = 100;
    private const int Deleted = 1, SameFields = 2;

    public static StreamValue Read(ref RdbReader r, byte type)
    {
        var entries = new List<StreamEntry>();
        for (long n = r.ReadCount(2); n > 0; n--)
        {
            var key = r.ReadString();
            if (key.Length != 16) throw DumpFormatException.Bad();
            var elements = new List<byte[]>();
            Listpack.Read(r.ReadString(), elements);
            ReadNode(Id(key), elements, entries);
        }
        ulong length = r.ReadUnsignedLength();
        var lastId = new StreamId(r.ReadUnsignedLength(), r.ReadUnsignedLength());
        var maxDeleted = StreamId.Zero;
        long entriesAdded = (long)length;
        if (type >= RdbType.StreamListpacks2)
        {
            r.ReadUnsignedLength(); // the first ID: the entries say it
            r.ReadUnsignedLength();
            maxDeleted = new StreamId(r.ReadUnsignedLength(), r.ReadUnsignedLength());
            entriesAdded = (long)r.ReadUnsignedLength();
        }
        if ((ulong)entries.Count != length) throw DumpFormatException.Bad();
        var stream = new StreamValue();
        stream.SetCounters(lastId, maxDeleted, entriesAdded);
        try
        {
            foreach (var entry in entries) stream.Load(entry.Id, entry.Fields);
        }
        catch (InvalidDataException)
        {
            throw DumpFormatException.Bad(); // out of order, or above the last ID
        }
        for (long g = r.ReadCount(1); g > 0; g--) ReadGroup(ref r, type, stream);
        return stream;
    }

    /// <summary>One node: count, deleted count, the master fields, 0; then per entry its flags, ID differences,
    /// fields (only values when it has the master's fields) and its element count.</summary>
    private static void ReadNode(StreamId master, List<byte[]> e, List<StreamEntry> into)
    {
        int p = 0;
        byte[] Next() => p < e.Count ? e[p++] : throw DumpFormatException.Bad();
        long NextInt() => Numbers.TryParseInt64(Next(), out long v) ? v : throw DumpFormatException.Bad();
        long total = NextInt() + NextInt();
        long masterCount = NextInt();
        if (total <= 0 || masterCount < 0 || masterCount > e.Count) throw DumpFormatException.Bad();
        var masterFields = new byte[masterCount][];
        for (int i = 0; i < masterCount; i++) masterFields[i] = Next();
        if (NextInt() != 0) throw DumpFormatException.Bad();
        for (long k = 0; k < total; k++)
        {
            long flags = NextInt();
            var id = new StreamId(unchecked(master.Ms + (ulong)NextInt()), unchecked(master.Seq + (ulong)NextInt()));
            byte[][] fields;
            if ((flags & SameFields) != 0)
            {
                fields = new byte[2 * masterCount][];
                for (int i = 0; i < masterCount; i++)
                {
                    fields[2 * i] = masterFields[i];
                    fields[2 * i + 1] = Next();
                }
            }
            else
            {
                long count = NextInt();
                if (count < 0 || count > e.Count) throw DumpFormatException.Bad();
                fields = new byte[2 * count][];
                for (int i = 0; i < fields.Length; i++) fields[i] = Next();
            }
            NextInt(); // the entry's element count, for walking backwards
            if ((flags & Deleted) == 0) into.Add(new StreamEntry(id, fields));
        }
        if (p != e.Count) throw DumpFormatException.Bad();
    }

    private static void ReadGroup(ref RdbReader r, byte type, StreamValue stream)
    {
        var name = r.ReadString();
        var lastId = new StreamId(r.ReadUnsignedLength(), r.ReadUnsignedLength());
        // A payload older than Redis 7 has no counter: estimated from the stream, as Redis loads it.
        long entriesRead = type >= RdbType.StreamListpacks2 ? (long)r.ReadUnsignedLength() : stream.EstimateEntriesRead(lastId);
        if (!stream.CreateGroup(name, lastId, entriesRead)) throw DumpFormatException.Bad();
        var group = stream.Group(name)!;
        var pending = new Dictionary<StreamId, (long Time, long Count)>();
        for (long n = r.ReadCount(17); n > 0; n--)
        {
            var id = Id(r.ReadSpan(16));
            long time = r.ReadMillis();
            long count = (long)r.ReadUnsignedLength();
            if (!pending.TryAdd(id, (time, count))) throw DumpFormatException.Bad();
        }
        for (long c = r.ReadCount(9); c > 0; c--)
        {
            var consumerName = r.ReadString();
            long seen = r.ReadMillis();
            long active = type >= RdbType.StreamListpacks3 ? r.ReadMillis() : seen;
            var consumer = group.GetOrAddConsumer(consumerName, seen, out bool created);
            if (!created) throw DumpFormatException.Bad();
            consumer.ActiveTime = active;
            for (long n = r.ReadCount(16); n > 0; n--)
            {
                var id = Id(r.ReadSpan(16));
                // Every pending entry belongs to exactly one consumer.
                if (!pending.Remove(id, out var delivery)) throw DumpFormatException.Bad();
                group.Assign(id, consumer, delivery.Time, delivery.Count);
            }
        }
        if (pending.Count != 0) throw DumpFormatException.Bad();
        stream.GroupChanged();
    }

    private static StreamId Id(ReadOnlySpan<byte> raw)
        => new(BinaryPrimitives.ReadUInt64BigEndian(raw), BinaryPrimitives.ReadUInt64BigEndian(raw[8..]));

    private static void WriteId(RdbWriter w, StreamId id)
    {
        Span<byte> raw = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(raw, id.Ms);
        BinaryPrimitives.WriteUInt64BigEndian(raw[8..], id.Seq);
        w.Raw(raw);
    }

    public static void Write(RdbWriter w, StreamValue stream)
    {
        var entries = new List<StreamEntry>((int)stream.Count);
        stream.Range(StreamId.Zero, StreamId.Max, 0, false, entries);
        w.Byte(RdbType.StreamListpacks2);
        w.Length((entries.Count + NodeEntries - 1) / NodeEntries);
        Span<byte> key = stackalloc byte[16];
        for (int start = 0; start < entries.Count; start += NodeEntries)
        {
            var node = entries.GetRange(start, Math.Min(NodeEntries, entries.Count - start));
            var master = node[0];
            BinaryPrimitives.WriteUInt64BigEndian(key, master.Id.Ms);
            BinaryPrimitives.WriteUInt64BigEndian(key[8..], master.Id.Seq);
            w.String(key);
            w.String(Node(node));
        }
        w.Length(entries.Count);
        w.Length(stream.LastId.Ms);
        w.Length(stream.LastId.Seq);
        var first = entries.Count > 0 ? entries[0].Id : StreamId.Zero;
        w.Length(first.Ms);
        w.Length(first.Seq);
        w.Length(stream.MaxDeletedId.Ms);
        w.Length(stream.MaxDeletedId.Seq);
        w.Length(stream.EntriesAdded);
        w.Length(stream.GroupCount);
        foreach (var group in stream.Groups)
        {
            w.String(group.Name);
            w.Length(group.LastId.Ms);
            w.Length(group.LastId.Seq);
            w.Length(group.EntriesRead); // -1 (unknown) is written as 2^64 - 1, as Redis writes it
            w.Length(group.Pending.Count);
            foreach (var entry in group.Pending)
            {
                WriteId(w, entry.Id);
                w.Millis(entry.DeliveryTime);
                w.Length(entry.DeliveryCount);
            }
            w.Length(group.Consumers.Count);
            foreach (var consumer in group.Consumers.Values)
            {
                w.String(consumer.Name);
                w.Millis(consumer.SeenTime);
                w.Length(consumer.Pending.Count);
                foreach (var entry in consumer.Pending) WriteId(w, entry.Id);
            }
        }
    }

    /// <summary>A node's listpack: the first entry's fields are the master fields; entries with the same field
    /// names store only their values.</summary>
    private static byte[] Node(List<StreamEntry> node)
    {
        var lp = new ListpackWriter();
        var master = node[0];
        int masterCount = master.Fields.Length / 2;
        lp.Int(node.Count);
        lp.Int(0);
        lp.Int(masterCount);
        for (int i = 0; i < masterCount; i++) lp.String(master.Fields[2 * i]);
        lp.Int(0);
        foreach (var entry in node)
        {
            bool same = entry.Fields.Length == master.Fields.Length;
            for (int i = 0; same && i < masterCount; i++) same = entry.Fields[2 * i].AsSpan().SequenceEqual(master.Fields[2 * i]);
            lp.Int(same ? SameFields : 0);
            lp.Int(unchecked((long)(entry.Id.Ms - master.Id.Ms)));
            lp.Int(unchecked((long)(entry.Id.Seq - master.Id.Seq)));
            if (same)
            {
                for (int i = 0; i < masterCount; i++) lp.String(entry.Fields[2 * i + 1]);
                lp.Int(masterCount + 3);
            }
            else
            {
                lp.Int(entry.Fields.Length / 2);
                foreach (var field in entry.Fields) lp.String(field);
                lp.Int(entry.Fields.Length + 4);
            }
        }
        return lp.Finish();
    }
}
