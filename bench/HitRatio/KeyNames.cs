namespace HyperCache.Bench.HitRatio;

/// <summary>Key ids as key names: fixed width, so every key costs the same bytes on every server.</summary>
public static class KeyNames
{
    public static string Of(int id) => "key:" + id.ToString("D8", System.Globalization.CultureInfo.InvariantCulture);
}
