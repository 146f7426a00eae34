using System.Security.Cryptography;

namespace HyperCache.Frontends.Scripting;

/// <summary>A compiled script: its function in the Lua registry, and whether its shebang says no-writes.</summary>
internal readonly record struct CompiledScript(int Function, bool NoWrites);

/// <summary>The scripts EVAL and SCRIPT LOAD compiled, by lower-case SHA1 hex (what EVALSHA and SCRIPT EXISTS
/// name). Kept until SCRIPT FLUSH, as in Redis.</summary>
internal sealed class ScriptCache
{
    private readonly Dictionary<string, CompiledScript> _scripts = new(StringComparer.Ordinal);

    public int Count => _scripts.Count;

    /// <summary>What the cache holds outside the Lua heap, for INFO's used_memory_scripts_eval: each script's body
    /// (kept by Lua as its source) counted once with its SHA1 key and a dictionary entry.</summary>
    public long Bytes { get; private set; }

    private const int EntryOverhead = 64;

    public bool TryGet(string sha, out CompiledScript script) => _scripts.TryGetValue(sha, out script);

    public bool Contains(string sha) => _scripts.ContainsKey(sha);

    public void Add(string sha, CompiledScript script, int bodyLength)
    {
        if (_scripts.TryAdd(sha, script)) Bytes += bodyLength + sha.Length * sizeof(char) + EntryOverhead;
    }

    public void Clear()
    {
        _scripts.Clear();
        Bytes = 0;
    }

    /// <summary>Redis's name for a script body: its SHA1 in lower-case hex.</summary>
    public static string Sha1Hex(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(body, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>A SHA1 as a client typed it (EVALSHA, SCRIPT EXISTS): Redis compares case-insensitively.</summary>
    public static string Normalize(ReadOnlySpan<byte> sha)
    {
        Span<char> chars = stackalloc char[Math.Min(sha.Length, 64)];
        for (int i = 0; i < chars.Length; i++) chars[i] = char.ToLowerInvariant((char)sha[i]);
        return sha.Length > 64 ? "" : new string(chars);
    }
}
