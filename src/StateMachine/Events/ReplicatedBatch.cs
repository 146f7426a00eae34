namespace HyperCache.StateMachine.Events;

/// <summary>
/// A replica's log entry under construction: one <see cref="EventKind.Batch"/> entry ([[kind, body], ...]) built
/// straight from the shipped entries, which also remembers where each pair's kind and body lie in it, so the
/// store applies exactly the logged bytes pair by pair, with a look-ahead, instead of parsing the batch again.
/// One per store, reused (a replica applies under every shard lock, one batch at a time).
/// </summary>
internal sealed class ReplicatedBatch
{
    private readonly EventBuffer _entry = new();
    private byte[] _kinds = new byte[1024];
    private int[] _offsets = new int[1024];
    private int[] _lengths = new int[1024];

    /// <summary>Pairs written so far.</summary>
    public int Count { get; private set; }

    /// <summary>The whole entry, header room included (the log fills the header in).</summary>
    public Span<byte> Entry => _entry.Entry;

    /// <summary>Starts a batch of <paramref name="pairs"/> pairs (the array header goes first, so the count must be
    /// known: see <see cref="PairsIn"/>).</summary>
    public void Start(int pairs)
    {
        _entry.Reset(EventKind.Batch);
        _entry.WriteArrayHeader(pairs);
        Count = 0;
    }

    /// <summary>How many pairs a shipped entry adds: none for a chained primary's own marks (not ours), its
    /// inner pairs for a transaction (batches do not nest), else one.</summary>
    public static int PairsIn(byte kind, ReadOnlySpan<byte> body) => kind switch
    {
        (byte)EventKind.ReplicationMark => 0,
        (byte)EventKind.Batch => new EventReader(body).ReadArrayHeader(),
        _ => 1,
    };

    /// <summary>Adds a shipped entry's pairs (see <see cref="PairsIn"/>).</summary>
    public void Add(byte kind, ReadOnlySpan<byte> body)
    {
        if (kind == (byte)EventKind.ReplicationMark) return;
        if (kind != (byte)EventKind.Batch)
        {
            AddPair(kind, body);
            return;
        }
        var r = new EventReader(body);
        int inner = r.ReadArrayHeader();
        for (int i = 0; i < inner; i++)
        {
            byte innerKind = r.ReadBatchPair(out var innerBody);
            AddPair(innerKind, innerBody);
        }
    }

    public void AddPair(byte kind, ReadOnlySpan<byte> body)
    {
        if (Count == _kinds.Length)
        {
            Array.Resize(ref _kinds, Count * 2);
            Array.Resize(ref _offsets, Count * 2);
            Array.Resize(ref _lengths, Count * 2);
        }
        _entry.WriteArrayHeader(2);
        _entry.Write(kind);
        _entry.Write(body);
        _kinds[Count] = kind;
        _offsets[Count] = _entry.Entry.Length - body.Length;
        _lengths[Count] = body.Length;
        Count++;
    }

    public byte KindAt(int i) => _kinds[i];

    /// <summary>Pair <paramref name="i"/>'s body, inside <see cref="Entry"/>.</summary>
    public ReadOnlySpan<byte> BodyAt(int i) => _entry.Entry.Slice(_offsets[i], _lengths[i]);

}
