using HyperCache.StateMachine;
using HyperCache.StateMachine.Keyspace;
using HyperCache.StateMachine.Notifications;

namespace HyperCache.Frontends.Resp.Tracking;

/// <summary>
/// Server-assisted client-side caching for the node, as Redis's tracking: the table of keys tracking clients read
/// (key → client ids, bounded by <see cref="MaxKeys"/>; databases are not told apart, as in Redis), the BCAST
/// prefixes, and delivery. The store tells it every key a write modifies while at least one client tracks
/// (<see cref="Store.SetWriteTracker"/>); each client that read the key gets one invalidation and the key is
/// forgotten. Messages to other clients are queued on their <see cref="ClientOutput"/>; a message for the client
/// whose command is running on this thread is written after that command's reply (as Redis 7.0 does).
/// </summary>
public sealed class TrackingHub(Store store, ClientRegistry clients) : IWriteTracker
{
    private readonly Lock _lock = new();
    private readonly Dictionary<byte[], List<long>> _table = new(KeyComparer.Instance);
    /// <summary>BCAST prefix → the clients registered for it.</summary>
    private readonly Dictionary<byte[], List<RespClient>> _prefixes = new(KeyComparer.Instance);
    private readonly HashSet<RespClient> _tracking = [];
    private long _items;

    /// <summary>The client whose command runs on this thread, while it tracks (NOLOOP, and messages written after
    /// its reply); with <see cref="t_pending"/>, what it is owed.</summary>
    [ThreadStatic] private static RespClient? t_current;
    [ThreadStatic] private static List<IPushMessage>? t_pending;
    /// <summary>The tracking client whose command is about to run on this thread, while it makes room under maxmemory:
    /// what that eviction invalidates reaches it before the command's reply, as Redis's performEvictions does.</summary>
    [ThreadStatic] private static RespClient? t_admitting;
    /// <summary>The keys of the event being told that BCAST prefixes match, sent by <see cref="EventDone"/>.</summary>
    [ThreadStatic] private static List<(byte[] Prefix, List<byte[]> Keys)>? t_bcast;

    /// <summary>tracking-table-max-keys: beyond it, remembering a key evicts another (its readers are invalidated);
    /// 0 means no limit.</summary>
    public long MaxKeys { get; set; } = 1_000_000;

    public int TrackingClients { get { lock (_lock) return _tracking.Count; } }
    public int Keys { get { lock (_lock) return _table.Count; } }
    public long Items { get { lock (_lock) return _items; } }
    public int PrefixCount { get { lock (_lock) return _prefixes.Count; } }

    /// <summary>CLIENT TRACKING ON, its options already checked: replaces the client's mode, adds its prefixes (""
    /// when BCAST names none).</summary>
    public void Enable(RespClient client, ClientTracking settings, List<byte[]> prefixes)
    {
        lock (_lock)
        {
            if (settings.Bcast)
            {
                if (prefixes.Count == 0) prefixes = [[]];
                foreach (var prefix in prefixes)
                {
                    if (settings.Prefixes.Exists(p => p.AsSpan().SequenceEqual(prefix))) continue;
                    int at = settings.Prefixes.FindIndex(p => p.AsSpan().SequenceCompareTo(prefix) > 0);
                    settings.Prefixes.Insert(at < 0 ? settings.Prefixes.Count : at, prefix);
                    if (!_prefixes.TryGetValue(prefix, out var listeners)) _prefixes[prefix] = listeners = [];
                    listeners.Add(client);
                }
            }
            client.Tracking = settings;
            if (_tracking.Add(client) && _tracking.Count == 1) store.SetWriteTracker(this);
        }
    }

    /// <summary>CLIENT TRACKING OFF, RESET, disconnect. The keys it read stay in the table until written or evicted
    /// (as in Redis); when no client tracks any more the table is dropped and writes stop telling the hub.</summary>
    public void Disable(RespClient client)
    {
        lock (_lock)
        {
            if (client.Tracking is not { } settings) return;
            settings.Enabled = false;
            foreach (var prefix in settings.Prefixes)
            {
                if (!_prefixes.TryGetValue(prefix, out var listeners)) continue;
                listeners.Remove(client);
                if (listeners.Count == 0) _prefixes.Remove(prefix);
            }
            client.Tracking = null;
            if (_tracking.Remove(client) && _tracking.Count == 0)
            {
                store.SetWriteTracker(null);
                _table.Clear();
                _items = 0;
            }
        }
    }

    /// <summary>A client's BCAST prefixes (TRACKINGINFO).</summary>
    public List<byte[]> PrefixesOf(ClientTracking settings)
    {
        lock (_lock) return [.. settings.Prefixes];
    }

    /// <summary>Before a tracking client's command runs (after queuing checks): marks it as this thread's current
    /// client and remembers the keys of a read.</summary>
    public void BeforeCommand(RespClient client, ClientTracking settings, CommandSpec spec, CommandArgs args)
    {
        t_current = client;
        RememberRead(client, settings, spec, args);
    }

    /// <summary>After it ran: writes what it is owed (its own writes to keys it caches, a flush), and forgets CACHING
    /// unless the command was a CLIENT subcommand or the client is queuing a transaction (as Redis).</summary>
    public static void AfterCommand(RespClient client, CommandSpec spec)
    {
        t_current = null;
        if (t_pending is { Count: > 0 } pending)
        {
            foreach (var message in pending) message.WriteTo(client.Writer);
            pending.Clear();
        }
        if (client.Tracking is { CachingGiven: true } settings && client.Transaction is null && !spec.Name.StartsWith("client|", StringComparison.Ordinal))
            settings.CachingGiven = false;
    }

    /// <summary>Remembers the keys of a read-only command a tracking client runs (directly or inside EXEC), before
    /// it reads them: a write between the two then costs a needless invalidation, never a missed one.</summary>
    public void RememberRead(RespClient client, ClientTracking settings, CommandSpec spec, CommandArgs args)
    {
        if (!spec.Flags.HasFlag(CommandFlags.ReadOnly) || !settings.Enabled || !settings.RemembersReads) return;
        // A script's keys are remembered when it reads (RememberScriptKeys), not after it.
        if (spec.Name is "eval_ro" or "evalsha_ro" or "fcall_ro") return;
        var keys = TrackedKeys.Of(spec, args);
        if (keys.Count > 0) Remember(client, args, keys);
    }

    /// <summary>A script the tracking client runs (EVAL, FCALL and their _RO forms) called a read-only command:
    /// as Redis 7.0, the keys the script declared (args[first..first+count), its numkeys arguments) are remembered,
    /// not the ones its commands named; a script that reads nothing tracks nothing.</summary>
    public void RememberScriptKeys(RespClient client, ClientTracking settings, CommandArgs args, int first, int count)
    {
        if (!settings.Enabled || !settings.RemembersReads || count == 0) return;
        var keys = new List<int>(count);
        for (int i = first; i < first + count; i++) keys.Add(i);
        Remember(client, args, keys);
    }

    private void Remember(RespClient client, CommandArgs args, List<int> keys)
    {
        List<(RespClient, IPushMessage)>? evicted = null;
        lock (_lock)
        {
            foreach (var position in keys)
            {
                var key = args[position];
                var lookup = _table.GetAlternateLookup<ReadOnlySpan<byte>>();
                if (!lookup.TryGetValue(key, out var ids))
                {
                    ids = [];
                    _table[key.ToArray()] = ids;
                }
                if (ids.Contains(client.Id)) continue;
                ids.Add(client.Id);
                _items++;
            }
            while (MaxKeys > 0 && _table.Count > MaxKeys) EvictOne(ref evicted);
        }
        if (evicted != null) foreach (var (target, message) in evicted) Deliver(target, message);
    }

    /// <summary>CONFIG SET tracking-table-max-keys: a lower limit evicts at once (invalidating the keys it forgets for
    /// their readers), as Redis's next cycle does, rather than at the next read.</summary>
    public void Limit(long maxKeys)
    {
        MaxKeys = maxKeys;
        List<(RespClient, IPushMessage)>? evicted = null;
        lock (_lock)
            while (MaxKeys > 0 && _table.Count > MaxKeys) EvictOne(ref evicted);
        if (evicted != null) foreach (var (target, message) in evicted) Deliver(target, message);
    }

    /// <summary>Over tracking-table-max-keys: forgets one key, invalidating it for its readers (as Redis).</summary>
    private void EvictOne(ref List<(RespClient, IPushMessage)>? deliveries)
    {
        foreach (var (key, ids) in _table)
        {
            _table.Remove(key);
            _items -= ids.Count;
            var message = new InvalidationMessage([key]);
            foreach (long id in ids)
                if (Reader(id, noLoopApplies: false) is { } target) (deliveries ??= []).Add((target, message));
            return;
        }
    }

    /// <summary>The client that read a key, if it still tracks in default mode; with NOLOOP, not while its own
    /// command is the writer (an eviction from the table is no write of its own).</summary>
    private RespClient? Reader(long id, bool noLoopApplies = true)
        => clients.TryGet(id, out var client) && client.Tracking is { Enabled: true, Bcast: false } settings
            && !(noLoopApplies && settings.NoLoop && client == t_current) ? client : null;

    /// <summary>From the store, with shard locks held: a write modified <paramref name="key"/>.</summary>
    public void KeyWritten(ReadOnlySpan<byte> key)
    {
        List<(RespClient, IPushMessage)>? deliveries = null;
        lock (_lock)
        {
            byte[]? copy = null;
            if (_prefixes.Count > 0)
                foreach (var prefix in _prefixes.Keys)
                {
                    if (!key.StartsWith(prefix)) continue;
                    var matched = t_bcast ??= [];
                    int at = matched.FindIndex(m => m.Prefix == prefix);
                    if (at < 0) matched.Add((prefix, [copy ??= key.ToArray()]));
                    else matched[at].Keys.Add(copy ??= key.ToArray());
                }
            if (_table.Count > 0 && _table.GetAlternateLookup<ReadOnlySpan<byte>>().Remove(key, out var stored, out var ids))
            {
                _items -= ids.Count;
                var message = new InvalidationMessage([stored]);
                foreach (long id in ids)
                    if (Reader(id) is { } target) (deliveries ??= []).Add((target, message));
            }
        }
        if (deliveries != null) foreach (var (target, message) in deliveries) Deliver(target, message);
    }

    /// <summary>From the store, after a write's keys (one event, or an EXEC's or a script's): BCAST clients get, per
    /// prefix, one message with the keys the write modified under it (Redis gathers them per event loop iteration),
    /// unless NOLOOP and the writer is them.</summary>
    public void EventDone()
    {
        if (t_bcast is not { Count: > 0 } matched) return;
        if (matched.Count > 1) matched.Sort((x, y) => x.Prefix.AsSpan().SequenceCompareTo(y.Prefix)); // Redis's prefix order
        List<(RespClient, IPushMessage)>? deliveries = null;
        lock (_lock)
        {
            foreach (var (prefix, keys) in matched)
            {
                if (!_prefixes.TryGetValue(prefix, out var listeners)) continue;
                var message = new InvalidationMessage(Distinct(keys));
                foreach (var client in listeners)
                    if (!(client.Tracking is { NoLoop: true } && client == t_current)) (deliveries ??= []).Add((client, message));
            }
        }
        matched.Clear();
        if (deliveries != null) foreach (var (target, message) in deliveries) Deliver(target, message);
    }

    /// <summary>A prefix's keys as Redis lists them (it gathers them in a radix tree): in byte order, each once.</summary>
    private static byte[][] Distinct(List<byte[]> keys)
    {
        if (keys.Count == 1) return [keys[0]];
        keys.Sort((x, y) => x.AsSpan().SequenceCompareTo(y));
        var distinct = new List<byte[]>(keys.Count);
        foreach (var key in keys)
            if (distinct.Count == 0 || !distinct[^1].AsSpan().SequenceEqual(key)) distinct.Add(key);
        return [.. distinct];
    }

    /// <summary>From the store: FLUSHDB / FLUSHALL. Every tracking client gets a null invalidation (NOLOOP or not,
    /// BCAST or not) and the table is emptied, as in Redis.</summary>
    public void Flushed()
    {
        RespClient[] targets;
        lock (_lock)
        {
            _table.Clear();
            _items = 0;
            targets = [.. _tracking];
        }
        foreach (var target in targets) Deliver(target, InvalidationMessage.Flush(target.Protocol));
    }

    /// <summary>Sends to the tracking client itself (RESP3) or to its redirect client: as a push if that one speaks
    /// RESP3, as a __redis__:invalidate message if it is a RESP2 subscriber, else not at all. A redirect client that
    /// is gone earns a RESP3 tracking client a tracking-redir-broken push instead.</summary>
    private void Deliver(RespClient target, IPushMessage message)
    {
        if (target.Tracking is not { } settings) return;
        var receiver = target;
        if (settings.Redirect != 0)
        {
            if (!clients.TryGet(settings.Redirect, out var redirect))
            {
                settings.BrokenRedirect = true;
                if (target.Protocol == 3) Send(target, new RedirectBrokenMessage(settings.Redirect));
                return;
            }
            if (redirect.Protocol == 2 && redirect.Subscriptions is not { Count: > 0 }) return;
            receiver = redirect;
        }
        else if (target.Protocol == 2) return; // RESP2 has no pushes: nothing can be sent on the connection itself
        Send(receiver, message);
    }

    private static void Send(RespClient receiver, IPushMessage message)
    {
        if (receiver == t_current) (t_pending ??= []).Add(message);
        else if (receiver == t_admitting) message.WriteTo(receiver.Writer); // its connection's thread, before the reply
        else receiver.Output.Deliver(receiver, message);
    }

    /// <summary>The room a tracking client's command makes before it runs (<see cref="OomRules.Admit(StateMachine.Store, LatencyMonitor)"/>),
    /// with the client marked as the one being admitted on this thread.</summary>
    public static bool Admit(RespClient client, StateMachine.Store store, LatencyMonitor latency)
    {
        t_admitting = client;
        try
        {
            return OomRules.Admit(store, latency);
        }
        finally
        {
            t_admitting = null;
        }
    }
}
