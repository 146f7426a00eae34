using System.Globalization;
using HyperCache.StateMachine.Values;

namespace HyperCache.Frontends.Configuration;

/// <summary>
/// Puts the encoding thresholds (and the stream node bounds) CONFIG SET remembered (<see cref="RedisOnlySettings.Handling.Applied"/>) in force:
/// the store's values read them from <see cref="EncodingLimits"/> when a write may convert them.
/// </summary>
public static class EncodingSettings
{
    public static void Apply(NodeConfig config)
    {
        EncodingLimits.HashMaxListpackEntries = Read(config, "hash-max-listpack-entries");
        EncodingLimits.HashMaxListpackValue = Read(config, "hash-max-listpack-value");
        EncodingLimits.SetMaxIntsetEntries = Read(config, "set-max-intset-entries");
        EncodingLimits.ZSetMaxListpackEntries = Read(config, "zset-max-listpack-entries");
        EncodingLimits.ZSetMaxListpackValue = Read(config, "zset-max-listpack-value");
        EncodingLimits.StreamNodeMaxEntries = Read(config, "stream-node-max-entries");
        EncodingLimits.StreamNodeMaxBytes = Read(config, "stream-node-max-bytes");
    }

    /// <summary>The remembered value (checked non-negative when set), capped at what an element count can be.</summary>
    private static int Read(NodeConfig config, string name)
    {
        var parameter = RedisOnlySettings.Find(name) ?? throw new InvalidOperationException("unknown parameter " + name);
        return (int)Math.Min(long.Parse(config.RedisOnlyValue(parameter), CultureInfo.InvariantCulture), int.MaxValue);
    }
}
