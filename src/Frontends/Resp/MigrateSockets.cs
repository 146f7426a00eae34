using System.Net.Sockets;

namespace HyperCache.Frontends.Resp;

/// <summary>A connection MIGRATE keeps to a target: the socket, and the database last selected there (-1: unknown,
/// SELECT is sent again).</summary>
public sealed class MigrateConnection(Socket socket) : IDisposable
{
    public Socket Socket { get; } = socket;
    public NetworkStream Stream { get; } = new(socket, ownsSocket: true);
    public long LastDb { get; set; } = -1;
    public long LastUsedTick { get; set; } = Environment.TickCount64;
    /// <summary>Bytes read past the last reply line (kept for the next read on this connection).</summary>
    public byte[] Buffer { get; } = new byte[1024];
    public int Start, End;

    public void Dispose() => Stream.Dispose();
}

/// <summary>
/// MIGRATE's socket cache, as Redis keeps it: one connection per "host:port", at most <see cref="MaxItems"/>, each
/// closed after <see cref="IdleMs"/> without use (another idle time only in tests). A MIGRATE takes the connection out while it uses it (two at once
/// to one target get two sockets; the second returned is closed), so no two exchanges interleave on one socket.
/// </summary>
public sealed class MigrateSockets(long idleMs = MigrateSockets.IdleMs) : IDisposable
{
    public const int MaxItems = 64;
    public const long IdleMs = 10_000;

    /// <summary>How often idle connections are looked for (Redis: once a second, from its cron).</summary>
    private readonly int _sweepMs = (int)Math.Clamp(idleMs / 2, 1, 1000);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, MigrateConnection> _idle = new(StringComparer.Ordinal);
    private Timer? _sweeper;
    private bool _disposed;

    /// <summary>How many connections wait in the cache now.</summary>
    public int Count
    {
        get { lock (_gate) return _idle.Count; }
    }

    /// <summary>The cached connection to <paramref name="target"/>, taken out of the cache, or null.</summary>
    public MigrateConnection? Take(string target)
    {
        lock (_gate)
        {
            if (!_idle.Remove(target, out var connection)) return null;
            return connection;
        }
    }

    /// <summary>A connection still usable goes back to the cache (a random one is dropped when it is full, as Redis
    /// does); one already cached for the target, or any after disposal, is closed.</summary>
    public void Return(string target, MigrateConnection connection)
    {
        connection.LastUsedTick = Environment.TickCount64;
        MigrateConnection? drop = connection;
        lock (_gate)
        {
            if (!_disposed && !_idle.ContainsKey(target))
            {
                if (_idle.Count >= MaxItems)
                {
                    var victim = _idle.ElementAt(Random.Shared.Next(_idle.Count));
                    _idle.Remove(victim.Key);
                    victim.Value.Dispose();
                }
                _idle[target] = connection;
                drop = null;
                _sweeper ??= new Timer(static s => ((MigrateSockets)s!).Sweep(), this, _sweepMs, _sweepMs);
            }
        }
        drop?.Dispose();
    }

    /// <summary>Closes the connections idle for longer than the idle time; the timer stops once none is left.</summary>
    private void Sweep()
    {
        List<MigrateConnection>? closing = null;
        lock (_gate)
        {
            long now = Environment.TickCount64;
            foreach (var (target, connection) in _idle)
            {
                if (now - connection.LastUsedTick <= idleMs) continue;
                (closing ??= []).Add(connection);
                _idle.Remove(target);
            }
            if (_idle.Count == 0)
            {
                _sweeper?.Dispose();
                _sweeper = null;
            }
        }
        if (closing != null) foreach (var connection in closing) connection.Dispose();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _sweeper?.Dispose();
            _sweeper = null;
            foreach (var connection in _idle.Values) connection.Dispose();
            _idle.Clear();
        }
    }
}
