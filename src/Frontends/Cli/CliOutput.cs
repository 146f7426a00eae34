using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace HyperCache.Frontends.Cli;

/// <summary>How the offline commands print: a JSON object (--json) or aligned "name: value" lines, plus a progress
/// bar on an interactive terminal.</summary>
public static class CliOutput
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void Print(JsonObject result, bool json)
    {
        if (json)
        {
            Console.Out.WriteLine(result.ToJsonString(Indented));
            return;
        }
        int width = result.Select(p => p.Key.Length).DefaultIfEmpty(0).Max();
        foreach (var (name, value) in result)
        {
            if (value is JsonArray) continue;
            Console.Out.WriteLine($"{name.PadRight(width)}  {Text(value)}");
        }
    }

    public static string Text(JsonNode? value) => value switch
    {
        null => "-",
        JsonValue v when v.TryGetValue(out string? s) => s,
        _ => value.ToJsonString(),
    };

    /// <summary>Runs <paramref name="work"/> with a progress callback shown as a bar when a person is watching.</summary>
    public static T WithProgress<T>(string title, bool quiet, Func<Action<double>?, T> work)
    {
        if (quiet || Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive) return work(null);
        T result = default!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: 1.0);
                result = work(f => task.Value = Math.Clamp(f, 0, 1));
                task.Value = 1.0;
            });
        return result;
    }

    public static string Hex(ulong digest) => digest.ToString("x16", CultureInfo.InvariantCulture);

    public static string Time(long unixMs) => unixMs < 0 ? "" : DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    /// <summary>Binary-safe key text: printable ASCII as is, other bytes as \xNN (as redis-cli shows them).</summary>
    public static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
        {
            if (b is >= 0x20 and < 0x7f && b != '\\') text.Append((char)b);
            else text.Append(CultureInfo.InvariantCulture, $"\\x{b:x2}");
        }
        return text.ToString();
    }
}
