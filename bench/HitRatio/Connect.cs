using StackExchange.Redis;

namespace HyperCache.Bench.HitRatio;

/// <summary>One multiplexed loopback connection: commands on it run in the order they are sent.</summary>
public static class Connect
{
    public static ConnectionMultiplexer To(int port, int timeoutMs)
    {
        var options = new ConfigurationOptions
        {
            EndPoints = { { "127.0.0.1", port } },
            AllowAdmin = true,           // DBSIZE / INFO / CONFIG through Execute
            AbortOnConnectFail = true,
            ConnectTimeout = timeoutMs,
            SyncTimeout = timeoutMs,
            AsyncTimeout = timeoutMs,
            ConnectRetry = 1,
        };
        return ConnectionMultiplexer.Connect(options);
    }
}
