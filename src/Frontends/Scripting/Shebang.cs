using System.Text;
using HyperCache.Frontends.Resp;
using HyperCache.StateMachine;

namespace HyperCache.Frontends.Scripting;

/// <summary>
/// Redis 7's optional first line of a script, <c>#!lua flags=no-writes,...</c>, and the required one of a function
/// library, <c>#!lua name=NAME</c> (<see cref="ParseLibrary"/>). <c>no-writes</c> runs the script as EVAL_RO would;
/// a script with a shebang is refused over maxmemory unless it says <c>allow-oom</c> (or no-writes), as in Redis; the
/// other flags Redis knows are accepted. The line itself is not compiled,
/// but its newline is, so line numbers in errors stay right (as Redis does).
/// </summary>
internal static class Shebang
{
    private static readonly string[] KnownFlags = ["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"];

    /// <summary>Length of the shebang line (0 when there is none: Redis's compatibility mode) and what its flags
    /// say; throws Redis's errors for a malformed one.</summary>
    public static int Parse(ReadOnlySpan<byte> body, out bool noWrites) => Parse(body, out noWrites, out _);

    /// <inheritdoc cref="Parse(ReadOnlySpan{byte}, out bool)"/>
    public static int Parse(ReadOnlySpan<byte> body, out bool noWrites, out bool allowOom)
    {
        noWrites = allowOom = false;
        if (!body.StartsWith("#!"u8)) return 0;
        int end = Line(body, "ERR Invalid script shebang", out var parts, [' ', '\t', '\r']);
        if (parts.Length == 0) throw new CommandError("ERR Invalid engine in script shebang");
        if (parts[0] != "#!lua") throw new CommandError($"ERR Unexpected engine in script shebang: {parts[0]}");
        foreach (var part in parts.Skip(1))
        {
            if (!part.StartsWith("flags=", StringComparison.Ordinal)) throw new CommandError($"ERR Unknown lua shebang option: {part}");
            foreach (var flag in part[6..].Split(','))
            {
                if (flag.Length == 0) continue;
                if (!KnownFlags.Contains(flag)) throw new CommandError($"ERR Unexpected flag in script shebang: {flag}");
                noWrites |= flag == "no-writes";
                allowOom |= flag == "allow-oom";
            }
        }
        return end;
    }

    /// <summary>A function library's first line, <c>#!lua name=NAME</c> (FUNCTION LOAD): the library's name and the
    /// line's length (not compiled; its newline is, as for scripts). Redis 7.0.15's errors, which differ from
    /// EVAL's shebang ones.</summary>
    public static (string Name, int Skip) ParseLibrary(ReadOnlySpan<byte> code)
    {
        if (!code.StartsWith("#!"u8)) throw new CommandError("ERR Missing library metadata");
        int end = code.IndexOf((byte)'\n');
        if (end < 0) throw new CommandError("ERR Invalid library metadata");
        // Redis splits this line as it splits an inline command (sdssplitargs: quotes, escapes), so name="foo" is foo.
        var words = new CommandArgs();
        var scratch = new byte[end];
        words.Reset(scratch);
        if (!RedisArgs.TrySplit(code[..end], scratch, words) || words.Count == 0) throw new CommandError("ERR Invalid library metadata");
        var parts = Enumerable.Range(0, words.Count).Select(words.Text).ToList();
        string? name = null;
        foreach (var part in parts.Skip(1))
        {
            if (!part.StartsWith("name=", StringComparison.OrdinalIgnoreCase)) throw new CommandError($"ERR Invalid metadata value given: {part}");
            if (name is not null) throw new CommandError("ERR Invalid metadata value, name argument was given multiple times");
            name = part[5..];
        }
        if (name is null) throw new CommandError("ERR Library name was not given");
        string engine = parts[0].Length < 2 ? "" : parts[0][2..];
        if (!engine.Equals("lua", StringComparison.OrdinalIgnoreCase)) throw new CommandError($"ERR Engine '{engine}' not found");
        if (name.Length == 0 || !name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_'))
            throw new CommandError("ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long");
        return (name, end);
    }

    /// <summary>The first line's length and its words; <paramref name="noLine"/> when there is no newline.</summary>
    private static int Line(ReadOnlySpan<byte> body, string noLine, out string[] parts, char[] separators)
    {
        int end = body.IndexOf((byte)'\n');
        if (end < 0) throw new CommandError(noLine);
        parts = Encoding.UTF8.GetString(body[..end]).Split(separators, StringSplitOptions.RemoveEmptyEntries);
        return end;
    }
}
