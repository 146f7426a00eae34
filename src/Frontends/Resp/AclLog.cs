namespace HyperCache.Frontends.Resp;

/// <summary>
/// ACL LOG: the security events Redis 7.0 records, newest first, at most <see cref="MaxLength"/> (Redis's
/// acllog-max-len default): failed AUTHs (reason "auth") and commands, keys and channels a user's rules deny
/// (reasons "command", "key", "channel"; see <see cref="Acl.AclCheck"/>). As Redis, an event like one already logged (same reason, context, object
/// and user) less than a minute after it updates that entry instead of adding one: count, time and client.
/// </summary>
public sealed class AclLog
{
    public const int MaxLength = 128;
    private const long GroupingMs = 60_000;

    public sealed class Entry(string reason, string context, string obj, string username)
    {
        public string Reason { get; } = reason;
        public string Context { get; } = context;
        public string Object { get; } = obj;
        public string Username { get; } = username;
        public long Count { get; set; }
        public long CreatedMs { get; set; }
        public string ClientInfo { get; set; } = "";

        public bool SameEvent(string reason, string context, string obj, string username)
            => Reason == reason && Context == context && Object == obj && Username == username;
    }

    private readonly Lock _lock = new();
    private readonly LinkedList<Entry> _entries = new(); // newest first

    public void Add(string reason, string context, string obj, string username, string clientInfo)
    {
        long now = Environment.TickCount64;
        lock (_lock)
        {
            Entry? entry = null;
            foreach (var e in _entries)
            {
                if (now - e.CreatedMs >= GroupingMs) break; // newest first: the rest are older
                if (e.SameEvent(reason, context, obj, username)) { entry = e; break; }
            }
            if (entry is null)
            {
                entry = new Entry(reason, context, obj, username);
                _entries.AddFirst(entry);
                if (_entries.Count > MaxLength) _entries.RemoveLast();
            }
            else if (_entries.First!.Value != entry)
            {
                _entries.Remove(entry); // updated: it is the newest event again
                _entries.AddFirst(entry);
            }
            entry.Count++;
            entry.CreatedMs = now;
            entry.ClientInfo = clientInfo;
        }
    }

    /// <summary>The newest <paramref name="count"/> entries, copied out with their age in seconds.</summary>
    public (Entry Entry, long Count, double AgeSeconds, string ClientInfo)[] Newest(long count)
    {
        long now = Environment.TickCount64;
        lock (_lock)
            return [.. _entries.Take((int)Math.Min(count, int.MaxValue)).Select(e => (e, e.Count, (now - e.CreatedMs) / 1000.0, e.ClientInfo))];
    }

    public void Reset()
    {
        lock (_lock) _entries.Clear();
    }
}
