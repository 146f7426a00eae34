namespace HyperCache.StateMachine.Values;

/// <summary>
/// Where Redis would cut a stream into radix-tree nodes, kept as counts beside the entries, so that "~" trimming
/// removes whole nodes as Redis's does (XADD MAXLEN ~ 555 over 1000 entries leaves 600, not 555). A node is a
/// listpack that takes entries until it holds stream-node-max-entries of them, live or deleted, or until an entry
/// would bring it to stream-node-max-bytes; its bytes are reckoned as Redis encodes them (header, master entry,
/// each entry's flags, ID deltas, its fields unless they are the master's, values, back-lengths, integers in their
/// short forms). XDEL and exact trimming only count an entry deleted; a node goes when its last live entry does.
/// Only the primary's trim decision reads this: the log carries how many entries a trim removed, so replay and
/// replicas trim the same entries whatever their nodes. A snapshot rebuild cuts the entries it has afresh.
/// </summary>
public sealed class StreamNodes
{
    private struct Node
    {
        public StreamId MasterId, LastId; // the node's first and last entries as appended (deleted or not)
        public byte[][] MasterNames;      // the first entry's field names: an entry with the same ones stores only values
        public long Live, Deleted;
        public long Bytes;                // the listpack's bytes but its two counters
    }

    private Node[] _nodes = []; // allocated with the first entry: a stream's first node, then doubled
    private int _start, _end;

    public int Count => _end - _start;

    /// <summary>Bytes these counts take (the stream's memory estimate).</summary>
    public long MemoryBytes => _nodes.Length == 0 ? 0 : MemorySize.Array(_nodes.Length, 64);

    /// <summary>An entry appended (XADD, a snapshot's entries): into the last node, or a new one.</summary>
    public void Append(StreamId id, byte[][] fields)
    {
        if (OpensNode(TotalLength(fields)))
        {
            if (_end == _nodes.Length) MakeRoom();
            var names = new byte[fields.Length / 2][]; // not the values: a node outlives its first entry
            long master = 6 + 1 + Integer(names.Length) + Integer(0); // header, end, field count, terminator
            for (int i = 0; i < names.Length; i++) master += Element(names[i] = fields[2 * i]);
            _nodes[_end++] = new Node { MasterId = id, MasterNames = names, Bytes = master };
        }
        ref Node node = ref _nodes[_end - 1];
        bool sameFields = SameFieldNames(node.MasterNames, fields);
        long bytes = Integer(sameFields ? 2 : 0) + Integer(unchecked((long)(id.Ms - node.MasterId.Ms))) + Integer(unchecked((long)(id.Seq - node.MasterId.Seq)));
        int pairs = fields.Length / 2;
        if (!sameFields) bytes += Integer(pairs);
        for (int i = 0; i < fields.Length; i += 2) bytes += (sameFields ? 0 : Element(fields[i])) + Element(fields[i + 1]);
        bytes += Integer(pairs + 3 + (sameFields ? 0 : pairs + 1)); // lp-count
        node.Bytes += bytes;
        node.Live++;
        node.LastId = id;
    }

    private static long TotalLength(byte[][] fields)
    {
        long total = 0;
        foreach (var part in fields) total += part.Length;
        return total;
    }

    /// <summary>Whether an entry whose fields and values take <paramref name="added"/> bytes would start a node
    /// (Redis's streamAppendItem).</summary>
    private bool OpensNode(long added)
    {
        if (_end == _start) return true;
        ref Node last = ref _nodes[_end - 1];
        long maxBytes = EncodingLimits.StreamNodeMaxBytes;
        if (maxBytes <= 0 || maxBytes > 1L << 30) maxBytes = 1L << 30;
        if (last.Bytes + Integer(last.Live) + Integer(last.Deleted) + added >= maxBytes) return true;
        long maxEntries = EncodingLimits.StreamNodeMaxEntries;
        return maxEntries > 0 && last.Live + last.Deleted >= maxEntries;
    }

    /// <summary>The oldest <paramref name="count"/> live entries left: whole nodes first, then counted deleted in
    /// the next (exact trimming, which marks them in Redis's listpack).</summary>
    public void TrimFirst(long count)
    {
        while (count > 0 && _end > _start)
        {
            ref Node head = ref _nodes[_start];
            if (count >= head.Live)
            {
                count -= head.Live;
                _nodes[_start++] = default;
            }
            else
            {
                head.Live -= count;
                head.Deleted += count;
                count = 0;
            }
        }
        if (_start == _end) Clear();
    }

    /// <summary>No node left: back to the empty stream's size.</summary>
    private void Clear()
    {
        if (_nodes.Length > 1) _nodes = [];
        else Array.Clear(_nodes);
        _start = _end = 0;
    }

    /// <summary>XDEL of an entry that was there: counted deleted in its node, which goes with its last live entry.</summary>
    public void Delete(StreamId id)
    {
        int lo = _start, hi = _end; // the last node whose master ID is at or below id
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_nodes[mid].MasterId <= id) lo = mid + 1;
            else hi = mid;
        }
        if (lo == _start) return;
        ref Node node = ref _nodes[lo - 1];
        if (node.Live > 1)
        {
            node.Live--;
            node.Deleted++;
            return;
        }
        Array.Copy(_nodes, lo, _nodes, lo - 1, _end - lo);
        _nodes[--_end] = default;
        if (_start == _end) Clear();
    }

    /// <summary>
    /// How many entries "~" trimming removes (Redis's streamTrim with approx): whole nodes from the oldest, while a
    /// node can go without the stream falling under <paramref name="maxLength"/> (or while its last ID is below
    /// <paramref name="minId"/>), and while the entries removed stay within <paramref name="limit"/> (0: none).
    /// <paramref name="adding"/> is XADD's new entry (its ID, and the bytes of its fields and values), which Redis
    /// appends before it trims.
    /// </summary>
    public long ApproximateTrim(long length, long? maxLength, StreamId minId, long limit, (StreamId Id, long Bytes)? adding)
    {
        if (maxLength is { } least && length <= least) return 0; // nothing to trim (most XADDs)
        bool joinsLast = adding is { } a && !OpensNode(a.Bytes);
        long removed = 0;
        for (int i = _start; i <= _end; i++)
        {
            long live;
            StreamId lastId;
            if (i < _end)
            {
                live = _nodes[i].Live;
                lastId = _nodes[i].LastId;
                if (joinsLast && i == _end - 1)
                {
                    live++;
                    lastId = adding!.Value.Id;
                }
            }
            else if (adding is { } added && !joinsLast)
            {
                live = 1;
                lastId = added.Id;
            }
            else break;
            if (maxLength is { } max && length <= max) break;
            if (limit > 0 && removed + live > limit) break;
            if (maxLength is { } most ? length - live < most : lastId >= minId) break;
            length -= live;
            removed += live;
        }
        return removed;
    }

    public StreamNodes Clone()
    {
        var copy = new StreamNodes { _nodes = _nodes.Length == 0 ? [] : new Node[_nodes.Length], _end = Count };
        Array.Copy(_nodes, _start, copy._nodes, 0, Count);
        return copy;
    }

    private void MakeRoom()
    {
        if (_nodes.Length == 0)
        {
            _nodes = new Node[1];
            return;
        }
        if (_start > 0 && Count < _nodes.Length / 2)
        {
            Array.Copy(_nodes, _start, _nodes, 0, Count);
            Array.Clear(_nodes, Count, _start);
        }
        else
        {
            var grown = new Node[_nodes.Length * 2];
            Array.Copy(_nodes, _start, grown, 0, Count);
            _nodes = grown;
        }
        _end = Count;
        _start = 0;
    }

    private static bool SameFieldNames(byte[][] names, byte[][] fields)
    {
        if (2 * names.Length != fields.Length) return false;
        for (int i = 0; i < names.Length; i++)
            if (!names[i].AsSpan().SequenceEqual(fields[2 * i])) return false;
        return true;
    }

    /// <summary>A listpack integer element: its encoding (7-bit unsigned, then 13, 16, 24, 32 and 64-bit signed) and
    /// a one-byte back-length.</summary>
    private static long Integer(long value) => value switch
    {
        >= 0 and <= 127 => 2,
        >= -4096 and <= 4095 => 3,
        >= short.MinValue and <= short.MaxValue => 4,
        >= -(1 << 23) and < 1 << 23 => 5,
        >= int.MinValue and <= int.MaxValue => 6,
        _ => 10,
    };

    /// <summary>A listpack string element, stored as an integer when it reads as one (lpStringToInt64).</summary>
    private static long Element(byte[] text)
    {
        if (text.Length is > 0 and <= 20 && ((uint)(text[0] - '0') <= 9 || text[0] == '-') && Numbers.TryParseInt64(text, out long value))
            return Integer(value);
        long encoded = text.Length + (text.Length < 64 ? 1 : text.Length < 4096 ? 2 : 5);
        return encoded + (encoded <= 127 ? 1 : encoded < 16383 ? 2 : encoded < 2097151 ? 3 : encoded < 268435455 ? 4 : 5);
    }
}
