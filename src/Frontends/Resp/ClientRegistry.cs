using System.Collections.Concurrent;

namespace HyperCache.Frontends.Resp;

/// <summary>The connected RESP clients (CLIENT LIST, INFO clients) and the maxclients gate.</summary>
public sealed class ClientRegistry
{
    private readonly ConcurrentDictionary<long, RespClient> _clients = new();
    private long _nextId;
    private long _totalConnections;
    private long _rejected;

    public int Count => _clients.Count;
    public long TotalConnections => Interlocked.Read(ref _totalConnections);
    public long Rejected => Interlocked.Read(ref _rejected);
    public IEnumerable<RespClient> All => _clients.Values.OrderBy(c => c.Id);

    public bool TryGet(long id, out RespClient client) => _clients.TryGetValue(id, out client!);

    public long NextId() => Interlocked.Increment(ref _nextId);

    public bool TryAdd(RespClient client, int maxClients)
    {
        Interlocked.Increment(ref _totalConnections);
        if (_clients.Count >= maxClients)
        {
            Interlocked.Increment(ref _rejected);
            return false;
        }
        _clients[client.Id] = client;
        return true;
    }

    public void Remove(RespClient client)
    {
        _clients.TryRemove(client.Id, out _);
        client.Closed();
    }
}
