namespace HyperCache.EndToEnd.Tests.Infrastructure;

/// <summary>Makes a key that holds something other than a string, for WRONGTYPE checks, with the first collection
/// command the server knows (HyperCache gains its collection types one by one).</summary>
public static class OtherType
{
    private static readonly string[][] Makers =
    [
        ["RPUSH", "{0}", "x"],
        ["SADD", "{0}", "x"],
        ["HSET", "{0}", "f", "v"],
        ["ZADD", "{0}", "1", "x"],
    ];

    /// <summary>The key, or null when the server has no collection type yet.</summary>
    public static string? Make(RawRespClient raw, string key)
    {
        foreach (var maker in Makers)
        {
            var reply = raw.Command(maker.Select(a => a == "{0}" ? key : a).ToArray());
            if (reply.StartsWith(':')) return key;
        }
        return null;
    }
}
