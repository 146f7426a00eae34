using System.Text;
using HyperCache.StateMachine;

namespace HyperCache.Frontends.Scripting;

/// <summary>
/// Redis 7's optional first line <c>#!lua flags=no-writes,...</c>. Only <c>no-writes</c> changes anything here
/// (the script runs as EVAL_RO would); the other flags Redis knows are accepted. The line itself is not compiled,
/// but its newline is, so line numbers in errors stay right (as Redis does).
/// </summary>
internal static class Shebang
{
    private static readonly string[] KnownFlags = ["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"];

    /// <summary>Length of the shebang line (0 when there is none) and whether it says no-writes; throws Redis's
    /// errors for a malformed one.</summary>
    public static int Parse(ReadOnlySpan<byte> body, out bool noWrites)
    {
        noWrites = false;
        if (!body.StartsWith("#!"u8)) return 0;
        int end = body.IndexOf((byte)'\n');
        if (end < 0) throw new CommandError("ERR Invalid script shebang");
        var parts = Encoding.UTF8.GetString(body[..end]).Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
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
            }
        }
        return end;
    }
}
