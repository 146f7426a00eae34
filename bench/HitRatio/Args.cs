using System.Globalization;

namespace HyperCache.Bench.HitRatio;

/// <summary>"--name value" pairs after the subcommand; a missing or malformed value is a usage error.</summary>
public sealed class Args
{
    private readonly Dictionary<string, string> _values = new();

    public Args(IEnumerable<string> args)
    {
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            if (!e.Current.StartsWith("--")) throw new UsageException($"unexpected argument '{e.Current}'");
            string name = e.Current[2..];
            if (!e.MoveNext()) throw new UsageException($"--{name} needs a value");
            _values[name] = e.Current;
        }
    }

    public string Text(string name, string? fallback = null) =>
        _values.TryGetValue(name, out var v) ? v : fallback ?? throw new UsageException($"--{name} is required");

    public long Long(string name, long? fallback = null, long min = 0)
    {
        if (!_values.TryGetValue(name, out var v))
            return fallback ?? throw new UsageException($"--{name} is required");
        if (!long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) || n < min)
            throw new UsageException($"--{name} must be an integer >= {min}, not '{v}'");
        return n;
    }

    public int Int(string name, int? fallback = null, int min = 0) => checked((int)Long(name, fallback, min));
}

public sealed class UsageException(string message) : Exception(message);
