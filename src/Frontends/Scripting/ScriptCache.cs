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

    public bool TryGet(string sha, out CompiledScript script) => _scripts.TryGetValue(sha, out script);

    public bool Contains(string sha) => _scripts.ContainsKey(sha);

    public void Add(string sha, CompiledScript script) => _scripts[sha] = script;

    public void Clear() => _scripts.Clear();

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
