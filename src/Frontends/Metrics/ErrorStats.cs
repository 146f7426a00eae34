using System.Runtime.CompilerServices;
using System.Collections.Concurrent;

namespace HyperCache.Frontends.Metrics;

/// <summary>
/// Error replies by their code (the first word: ERR, WRONGTYPE, NOAUTH, OOM...), for INFO's total_error_replies and
/// errorstats, as Redis 7 keeps them. Like Redis, it stops adding new codes after 128 (a client could otherwise make
/// up codes without end); those still count in the total.
/// </summary>
public sealed class ErrorStats
{
    private const int MaxCodes = 128;
    private readonly ConcurrentDictionary<string, StrongBox<long>> _byCode = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrongBox<long>>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private long _total;

    public ErrorStats() => _lookup = _byCode.GetAlternateLookup<ReadOnlySpan<char>>();

    public long Total => Interlocked.Read(ref _total);

    /// <summary>Counts one error reply; looks its code up without allocating once the code is known.</summary>
    public void Count(string message)
    {
        Interlocked.Increment(ref _total);
        int space = message.IndexOf(' ');
        var code = space < 0 ? message.AsSpan() : message.AsSpan(0, space);
        if (!_lookup.TryGetValue(code, out var count))
        {
            if (_byCode.Count >= MaxCodes) return;
            count = _byCode.GetOrAdd(code.ToString(), _ => new StrongBox<long>());
        }
        Interlocked.Increment(ref count.Value);
    }

    /// <summary>CONFIG RESETSTAT: from zero again, codes forgotten (only INFO reads these).</summary>
    public void Reset()
    {
        _byCode.Clear();
        Interlocked.Exchange(ref _total, 0);
    }

    /// <summary>(code, count) by code, for INFO errorstats.</summary>
    public IEnumerable<(string Code, long Count)> ByCode()
        => _byCode.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, Interlocked.Read(ref p.Value.Value)));
}
