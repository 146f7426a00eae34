namespace HyperCache.Log;

/// <summary>When an appended entry becomes durable, with Redis's <c>appendfsync</c> meaning.</summary>
public enum Durability
{
    /// <summary>Reply only after the entry's commit is on disk; concurrent writers share one commit.</summary>
    Always,
    /// <summary>Commit in the background at least once a second (Redis's default); see <see cref="LogOptions.EverySecInterval"/>.</summary>
    EverySec,
    /// <summary>Commit rarely (every 30 s) and at shutdown: fastest, loses the most on a crash.</summary>
    No,
}

public static class DurabilityNames
{
    public static bool TryParse(string? text, out Durability value)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "always": value = Durability.Always; return true;
            case "everysec": value = Durability.EverySec; return true;
            case "no": value = Durability.No; return true;
            default: value = Durability.EverySec; return false;
        }
    }

    public static string Name(this Durability d) => d switch
    {
        Durability.Always => "always",
        Durability.No => "no",
        _ => "everysec",
    };
}
