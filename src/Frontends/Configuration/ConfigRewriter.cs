using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace HyperCache.Frontends.Configuration;

/// <summary>
/// CONFIG REWRITE for a YAML configuration: sets the given settings (by YAML path, "section.key") in the file's text
/// and leaves every other line, comment and blank line as it was, as Redis does with redis.conf. A setting already in
/// the file gets its value replaced in place (an inline comment stays); a missing one is added at the end of its
/// section, or in a new section at the end of the file. Written to a temporary file, flushed, then renamed over the
/// old one, so a crash leaves either file whole. Handles block-style mappings, the form HyperCache's files use.
/// </summary>
public static partial class ConfigRewriter
{
    /// <summary>A mapping entry: indent, key, and what follows the colon.</summary>
    [GeneratedRegex(@"^(?<indent> *)(?<key>[A-Za-z0-9_\-]+|""[^""]*""|'[^']*') *:(?<rest>.*)$")]
    private static partial Regex EntryLine();

    private sealed record Entry(int Line, int Indent, string Path, bool IsSection);

    public static void Rewrite(string file, IReadOnlyList<(string Path, string Value)> settings)
    {
        var lines = File.ReadAllLines(file).ToList();
        foreach (var (path, value) in settings) Set(lines, path, value);
        Write(file, lines);
    }

    /// <summary>To a temporary file, flushed to disk, then renamed over the old one.</summary>
    private static void Write(string file, List<string> lines)
    {
        string temp = file + ".rewrite-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            var bytes = Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n");
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, file, overwrite: true);
    }

    /// <summary>Rewrites with <paramref name="settings"/> and a list of scalars at <paramref name="listPath"/> (null: the
    /// list is left as it is).</summary>
    public static void Rewrite(string file, IReadOnlyList<(string Path, string Value)> settings, string listPath, IReadOnlyList<string>? list)
    {
        var lines = File.ReadAllLines(file).ToList();
        foreach (var (path, value) in settings) Set(lines, path, value);
        if (list != null) SetList(lines, listPath, list);
        Write(file, lines);
    }

    /// <summary>The scalars of a block list at a path ("- item" lines under the key), or null when the key is absent.</summary>
    public static List<string>? ReadList(IReadOnlyList<string> lines, string path)
    {
        var entry = Entries(lines).LastOrDefault(e => e.Path == path);
        if (entry is null) return null;
        var items = new List<string>();
        for (int i = entry.Line + 1; i < lines.Count && ListItem(lines[i], entry.Indent) is { } item; i++)
        {
            var (start, end) = ValueSpan(item);
            items.Add(Unquote(item[start..end]));
        }
        return items;
    }

    /// <summary>Replaces the list at a path with <paramref name="items"/>, one "- quoted" line each (an empty list is
    /// written "key: []"); a missing key is added to its section as <see cref="Set"/> adds one.</summary>
    private static void SetList(List<string> lines, string path, IReadOnlyList<string> items)
    {
        var entry = Entries(lines).LastOrDefault(e => e.Path == path);
        if (entry is null)
        {
            Set(lines, path, "[]");
            entry = Entries(lines).Last(e => e.Path == path);
        }
        int next = entry.Line + 1;
        while (next < lines.Count && ListItem(lines[next], entry.Indent) is not null) lines.RemoveAt(next);
        var match = EntryLine().Match(lines[entry.Line]);
        string head = lines[entry.Line][..match.Groups["rest"].Index];
        lines[entry.Line] = head + (items.Count == 0 ? " []" : "");
        string indent = new(' ', entry.Indent + 2);
        lines.InsertRange(next, items.Select(item => indent + "- " + Quote(item)));
    }

    /// <summary>The text after "- " when the line is an item of a list whose key is at <paramref name="keyIndent"/>.</summary>
    private static string? ListItem(string line, int keyIndent)
    {
        var trimmed = line.TrimStart(' ');
        int indent = line.Length - trimmed.Length;
        if (indent < keyIndent || !(trimmed.StartsWith("- ", StringComparison.Ordinal) || trimmed == "-")) return null;
        return trimmed.Length > 2 ? trimmed[2..] : "";
    }

    /// <summary>The value at a path as the file has it (unquoted), or null; for deciding what needs writing.</summary>
    public static string? Read(IReadOnlyList<string> lines, string path)
    {
        var entry = Entries(lines).LastOrDefault(e => e.Path == path && !e.IsSection);
        if (entry is null) return null;
        var rest = EntryLine().Match(lines[entry.Line]).Groups["rest"].Value;
        var (start, end) = ValueSpan(rest);
        return Unquote(rest[start..end]);
    }

    private static void Set(List<string> lines, string path, string? value)
    {
        var entries = Entries(lines);
        string scalar = Quote(value);
        if (entries.LastOrDefault(e => e.Path == path && !e.IsSection) is { } existing)
        {
            var match = EntryLine().Match(lines[existing.Line]);
            string rest = match.Groups["rest"].Value;
            var (start, end) = ValueSpan(rest);
            string head = lines[existing.Line][..match.Groups["rest"].Index];
            lines[existing.Line] = head + (start == 0 ? " " : rest[..start]) + scalar + rest[end..];
            return;
        }
        int dot = path.LastIndexOf('.');
        string parent = dot < 0 ? "" : path[..dot], key = path[(dot + 1)..];
        var section = parent.Length == 0 ? null : entries.LastOrDefault(e => e.Path == parent && e.IsSection);
        if (section is null)
        {
            if (parent.Length == 0)
            {
                lines.Add(value is null ? key + ":" : $"{key}: {scalar}");
                return;
            }
            Set(lines, parent, null); // a new, empty section at the end
            Set(lines, path, value);
            return;
        }
        // after the section's last line (its children, and comments indented under it), at its children's indent
        var children = entries.Where(e => e.Line > section.Line && e.Path.StartsWith(parent + ".", StringComparison.Ordinal)).ToList();
        int indent = children.Count > 0 ? children[0].Indent : section.Indent + 2;
        int last = children.Count > 0 ? children.Max(e => e.Line) : section.Line;
        for (int i = last + 1; i < lines.Count && IsIndentedComment(lines[i], indent); i++) last = i;
        lines.Insert(last + 1, new string(' ', indent) + key + ": " + scalar);
    }

    private static bool IsIndentedComment(string line, int indent)
    {
        var trimmed = line.TrimStart(' ');
        return trimmed.StartsWith('#') && line.Length - trimmed.Length >= indent;
    }

    /// <summary>Every mapping entry with its full path, found from the indentation.</summary>
    private static List<Entry> Entries(IReadOnlyList<string> lines)
    {
        var result = new List<Entry>();
        var open = new Stack<(int Indent, string Path)>();
        for (int i = 0; i < lines.Count; i++)
        {
            var match = EntryLine().Match(lines[i]);
            if (!match.Success || lines[i].TrimStart().StartsWith('#')) continue;
            int indent = match.Groups["indent"].Length;
            while (open.Count > 0 && open.Peek().Indent >= indent) open.Pop();
            string key = Unquote(match.Groups["key"].Value);
            string path = open.Count > 0 ? open.Peek().Path + "." + key : key;
            string rest = match.Groups["rest"].Value.Trim();
            bool isSection = rest.Length == 0 || rest.StartsWith('#');
            result.Add(new Entry(i, indent, path, isSection));
            if (isSection) open.Push((indent, path));
        }
        return result;
    }

    /// <summary>Where the scalar after the colon starts and ends (a comment after it is not part of it).</summary>
    private static (int Start, int End) ValueSpan(string rest)
    {
        int start = 0;
        while (start < rest.Length && rest[start] == ' ') start++;
        if (start == rest.Length || rest[start] == '#') return (start, start);
        if (rest[start] is '"' or '\'')
        {
            char quote = rest[start];
            for (int i = start + 1; i < rest.Length; i++)
            {
                if (quote == '"' && rest[i] == '\\') i++;
                else if (rest[i] == quote)
                {
                    if (quote == '\'' && i + 1 < rest.Length && rest[i + 1] == '\'') i++;
                    else return (start, i + 1);
                }
            }
            return (start, rest.Length);
        }
        int comment = rest.IndexOf(" #", start, StringComparison.Ordinal);
        int end = comment < 0 ? rest.Length : comment;
        while (end > start && rest[end - 1] == ' ') end--;
        return (start, end);
    }

    /// <summary>Numbers plain, everything else double-quoted with YAML's escapes; null: an empty section.</summary>
    private static string Quote(string? value)
    {
        if (value is null) return "";
        if (value.Length > 0 && value.Length < 19 && value.All(char.IsAsciiDigit)) return value;
        var text = new StringBuilder("\"");
        foreach (char ch in value)
        {
            if (ch is '"' or '\\') text.Append('\\').Append(ch);
            else if (ch < ' ') text.Append("\\x").Append(((int)ch).ToString("x2", CultureInfo.InvariantCulture));
            else text.Append(ch);
        }
        return text.Append('"').ToString();
    }

    private static string Unquote(string scalar)
    {
        if (scalar.Length >= 2 && scalar[0] == '\'' && scalar[^1] == '\'') return scalar[1..^1].Replace("''", "'");
        if (scalar.Length >= 2 && scalar[0] == '"' && scalar[^1] == '"') return Regex.Unescape(scalar[1..^1]);
        return scalar;
    }
}
