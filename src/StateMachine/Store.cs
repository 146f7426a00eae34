using System.Numerics;
using HyperCache.Log;
using HyperCache.StateMachine.Events;
using HyperCache.StateMachine.Keyspace;

namespace HyperCache.StateMachine;

/// <summary>
/// The state machine. Every write goes: shard lock → validate against current state → build the event →
/// append it to the log → <see cref="Apply"/> it. <see cref="Apply"/> is the only code that changes state, live,
/// on replay and (later) on replicas. Reads take the shard lock and never touch the log.
/// The command methods are split by family across the Store.*.cs files.
/// </summary>
public sealed partial class Store : IEntryVisitor
{
    private readonly Shard[] _shards;
    private readonly int _shardBits;
    private readonly AppendOnlyLog? _log;
    private readonly TimeProvider _time;
    private readonly long _startedAt;

    /// <param name="log">The AOF writes go to; null for an offline store that only replays.</param>
    public Store(StoreOptions options, AppendOnlyLog? log)
    {
        if (!BitOperations.IsPow2(options.Shards) || options.Shards > Slots.Count)
            throw new ArgumentException("shards must be a power of two no larger than 16384");
        _log = log;
        _time = options.Time;
        _onApplyFault = options.OnApplyFault;
        Databases = options.Databases;
        _shardBits = BitOperations.Log2((uint)options.Shards);
        _shards = new Shard[options.Shards];
        for (int i = 0; i < _shards.Length; i++) _shards[i] = new Shard(i, options.Databases, options.KeyspaceFilter, _clock, _memoryTotal);
        _startedAt = NowMs();
    }

    public int Databases { get; }
    public int ShardCount => _shards.Length;
    public AppendOnlyLog? Log => _log;

    /// <summary>Wall-clock milliseconds, for expiry and access times (never read by Apply). Within
    /// <see cref="PinClock"/> on this thread, the pinned value.</summary>
    public long NowMs() => t_pinnedBy == this ? t_pinnedNow : _time.GetUtcNow().ToUnixTimeMilliseconds();

    [ThreadStatic] private static Store? t_pinnedBy;
    [ThreadStatic] private static long t_pinnedNow, t_pinnedWall, t_pinnedStamp;

    /// <summary>
    /// Reads the clock once for the commands this thread runs next (a pipeline's batch), until
    /// <see cref="UnpinClock"/>: a GET paid a clock read per command (2.6 % of a pipelined GET's samples). Redis
    /// freezes the time per command; here it is frozen across cheap commands, and the caller moves it on with
    /// <see cref="AdvanceClock"/> after any command that may take long, so a later command never sees a time older
    /// than a few fast commands.
    /// </summary>
    /// <returns>The monotonic time read with it (<see cref="TimeProvider.GetTimestamp"/>).</returns>
    public long PinClock()
    {
        t_pinnedWall = t_pinnedNow = _time.GetUtcNow().ToUnixTimeMilliseconds();
        t_pinnedStamp = _time.GetTimestamp();
        t_pinnedBy = this;
        return t_pinnedStamp;
    }

    /// <summary>Moves the pinned time on to now by one monotonic read (the wall clock is not read again within a
    /// batch); returns that read, which callers also use to time what ran since the last one.</summary>
    public long AdvanceClock()
    {
        long stamp = _time.GetTimestamp();
        t_pinnedNow = t_pinnedWall + (stamp - t_pinnedStamp) * 1000 / _time.TimestampFrequency;
        return stamp;
    }

    public void UnpinClock() => t_pinnedBy = null;

    /// <summary>Hundredths of a second since start (<see cref="AccessClock.Hz"/>), the clock of
    /// <see cref="Entry.LastAccess"/> and <see cref="Entry.Created"/>: fine enough for LRU to tell apart keys read
    /// within one second, and an int lasts 248 days before it wraps (differences are taken modulo 2^32).</summary>
    private int Clock(long now) => (int)((now - _startedAt) / (1000 / AccessClock.Hz));

    // Slot s lives in shard (s mod shards); hash tags therefore keep related keys in one shard.
    internal int ShardIndexOf(ReadOnlySpan<byte> key) => Slots.Of(key) & (_shards.Length - 1);

    private Shard ShardOf(ReadOnlySpan<byte> key) => _shards[Slots.Of(key) & (_shards.Length - 1)];

    /// <summary>Appends the event in <paramref name="buffer"/> to the log (if any), then applies it. Returns the
    /// keyspace notifier in effect (null while notifications are off), for the command to publish its events with
    /// (Store.Notifications.cs).</summary>
    private Notifications.KeyspaceNotifier? LogAndApply(Session session, EventBuffer buffer)
    {
        if (session.Batch is { } batch) batch.Add(buffer); // inside EXEC: logged with the rest, as one entry
        else if (_log != null) session.LastLogAddress = _log.Append(buffer.Entry, (byte)buffer.Kind);
        if (Volatile.Read(ref _watchedKeys) != 0) TouchWatched(buffer);
        if (Volatile.Read(ref _tracker) is { } tracker) TellTracker(tracker, buffer.Kind, buffer.Body, done: session.Batch is not { WholeWrite: true });
        var notify = _notify;
        bool applied = notify is null ? Apply((byte)buffer.Kind, buffer.Body) : ApplyNoticingNewKeys(notify, buffer.Kind, buffer.Body);
        if (!applied) throw ApplyFailed(buffer.Kind);
        return notify;
    }

    /// <summary>Replay: every verified log entry is applied as it was live.</summary>
    void IEntryVisitor.Visit(long address, byte kind, ulong sequence, ReadOnlyMemory<byte> body) => Apply(kind, body.Span);

    /// <summary>Holds the locks of several shards, taken in ascending index order (so no two callers deadlock).
    /// Every write that touches several shards must lock through this: a snapshot in progress relies on it
    /// (see <see cref="Snapshots.SnapshotCut"/>).</summary>
    private readonly ref struct ShardLocks
    {
        private readonly Shard[] _all;
        private readonly Span<ulong> _mask;

        public ShardLocks(Store store, Span<ulong> mask)
        {
            var all = store._shards;
            _all = all;
            _mask = mask;
            for (int i = 0; i < all.Length; i++)
                if ((mask[i >> 6] & (1UL << i)) != 0) all[i].Lock.Enter();
            // A snapshot in progress must not see this event in some of its shards and not in others.
            Volatile.Read(ref store._cut)?.OnShardsLocked(all, mask);
        }

        public void Dispose()
        {
            for (int i = _all.Length - 1; i >= 0; i--)
                if ((_mask[i >> 6] & (1UL << i)) != 0) _all[i].Lock.Exit();
        }
    }

    private ShardLocks LockKeys<TKeys>(TKeys keys, int start, int step, Span<ulong> mask) where TKeys : IKeyList, allows ref struct
    {
        mask.Clear();
        for (int i = start; i < keys.Count; i += step)
        {
            int index = ShardOf(keys[i]).Index;
            mask[index >> 6] |= 1UL << index;
        }
        return new ShardLocks(this, mask);
    }

    private ShardLocks LockKeys(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<ulong> mask)
    {
        mask.Clear();
        int i = ShardOf(a).Index, j = ShardOf(b).Index;
        mask[i >> 6] |= 1UL << i;
        mask[j >> 6] |= 1UL << j;
        return new ShardLocks(this, mask);
    }

    private ShardLocks LockAll(Span<ulong> mask)
    {
        mask.Fill(ulong.MaxValue);
        return new ShardLocks(this, mask);
    }

    private int MaskWords => (_shards.Length + 63) >> 6;
}
