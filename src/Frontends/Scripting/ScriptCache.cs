using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace HyperCache.Frontends.Scripting;

/// <summary>A compiled script: its function in the Lua registry, whether it has a shebang (<paramref name="Declared"/>;
/// without one, Redis's compatibility mode) and what its flags say.</summary>
internal readonly record struct CompiledScript(int Function, bool NoWrites, bool Declared, bool AllowOom)
{
    /// <summary>Over maxmemory, a script with a shebang runs only if it says allow-oom or no-writes, and then
    /// unrestricted (Redis makes the EVAL itself deny-oom otherwise); one without is judged command by command.</summary>
    public bool DenyOom => Declared && !NoWrites && !AllowOom;
}

/// <summary>The scripts EVAL and SCRIPT LOAD compiled, by lower-case SHA1 hex (what EVALSHA and SCRIPT EXISTS
/// name). Kept until SCRIPT FLUSH, as in Redis. Each cached body maps to its SHA1 too, so an EVAL of a known
/// script compares bytes instead of hashing them again (a SHA1 through OpenSSL costs more than the lookup).</summary>
internal sealed class ScriptCache
{
    private readonly Dictionary<string, CompiledScript> _scripts = new(StringComparer.Ordinal);
    private readonly Dictionary<byte[], string> _shaByBody = new(BodyComparer.Instance);

    public int Count => _scripts.Count;

    /// <summary>What the cache holds outside the Lua heap, for INFO's used_memory_scripts_eval: each script's body
    /// (kept by Lua as its source) counted once with its SHA1 key and a dictionary entry.</summary>
    public long Bytes { get; private set; }

    private const int EntryOverhead = 64;

    public bool TryGet(string sha, out CompiledScript script) => _scripts.TryGetValue(sha, out script);

    /// <summary>The lookup of a SHA1 as a client typed it (EVALSHA, SCRIPT EXISTS; Redis compares case-insensitively):
    /// the cached name and script, found without making a string.</summary>
    public bool TryGetBySha(ReadOnlySpan<byte> typed, [NotNullWhen(true)] out string? sha, out CompiledScript script)
    {
        sha = null;
        script = default;
        if (typed.Length > 64) return false;
        Span<char> chars = stackalloc char[typed.Length];
        for (int i = 0; i < chars.Length; i++) chars[i] = char.ToLowerInvariant((char)typed[i]);
        return _scripts.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars, out sha, out script);
    }

    public bool Contains(string sha) => _scripts.ContainsKey(sha);

    /// <summary>EVAL's name for <paramref name="body"/>: from the cache when the body is there, else its SHA1.</summary>
    public string ShaOf(ReadOnlySpan<byte> body)
        => _shaByBody.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(body, out var sha) ? sha : Sha1Hex(body);

    public void Add(string sha, CompiledScript script, ReadOnlySpan<byte> body)
    {
        if (!_scripts.TryAdd(sha, script)) return;
        _shaByBody[body.ToArray()] = sha;
        Bytes += 2 * body.Length + sha.Length * sizeof(char) + 2 * EntryOverhead; // the body is kept twice: Lua's and ours
    }

    public void Clear()
    {
        _scripts.Clear();
        _shaByBody.Clear();
        Bytes = 0;
    }

    /// <summary>Redis's name for a script body: its SHA1 in lower-case hex.</summary>
    public static string Sha1Hex(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(body, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Compares bodies by their bytes, and looks a span up without copying it.</summary>
    private sealed class BodyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly BodyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] body) => GetHashCode((ReadOnlySpan<byte>)body);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = new HashCode();
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
