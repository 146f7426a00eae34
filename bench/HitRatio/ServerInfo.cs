using System.Globalization;
using StackExchange.Redis;

namespace HyperCache.Bench.HitRatio;

/// <summary>The INFO fields the harness reads, fetched with plain commands any RESP server answers.</summary>
public sealed record ServerInfo(long Hits, long Misses, long EvictedKeys, long UsedMemory, long MaxMemory, string Policy, long Keys)
{
    public static async Task<ServerInfo> ReadAsync(IDatabase db)
    {
        var fields = new Dictionary<string, string>();
        foreach (var section in new[] { "stats", "memory" })
        {
            string text = (string?)await db.ExecuteAsync("INFO", section) ?? "";
            foreach (var line in text.Split('\n'))
            {
                int colon = line.IndexOf(':');
                if (colon > 0 && !line.StartsWith('#')) fields[line[..colon]] = line[(colon + 1)..].Trim();
            }
        }
        long keys = (long)await db.ExecuteAsync("DBSIZE");
        long Num(string name) =>
            fields.TryGetValue(name, out var v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) ? n : -1;
        return new ServerInfo(Num("keyspace_hits"), Num("keyspace_misses"), Num("evicted_keys"), Num("used_memory"),
            Num("maxmemory"), fields.GetValueOrDefault("maxmemory_policy", "?"), keys);
    }
}
