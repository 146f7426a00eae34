using System.Text;

namespace HyperCache.Frontends.Resp.Metadata;

/// <summary>One key a command names: its argument's position and how the command uses it.</summary>
public readonly record struct KeyReference(int Position, KeyFlags Flags);

/// <summary>
/// COMMAND GETKEYS: the keys of a command line, found as Redis 7.0 finds them (getKeysFromCommandWithSpecs): by the
/// key specs when they are complete and their flags fixed, else by the command's own key finder (SORT's STORE,
/// SET's and BITFIELD's flags, and the count-argument commands when their count is bad).
/// </summary>
public static class KeyFinder
{
    /// <summary>The keys of <paramref name="args"/> (args[0] is the command's name, its subcommand args[1]); none
    /// when the specs are not usable and the command has no key finder of its own.</summary>
    public static List<KeyReference> Find(string command, KeySpec[] specs, IReadOnlyList<byte[]> args)
    {
        bool anyKey = specs.Any(s => !s.Flags.HasFlag(KeyFlags.NotKey));
        bool variable = specs.Any(s => s.Flags.HasFlag(KeyFlags.VariableFlags));
        if (anyKey && !variable && UsingSpecs(specs, args) is { } found) return found;
        return OwnFinder(command, args);
    }

    /// <summary>Whether COMMAND GETKEYS may ask about this command (else: "The command has no key arguments").</summary>
    public static bool HasKeys(string command, KeySpec[] specs)
        => specs.Any(s => !s.Flags.HasFlag(KeyFlags.NotKey)) || OwnFinders.ContainsKey(command);

    /// <summary>Redis's getKeysUsingKeySpecs; null where it gives up (an unknown or incomplete spec, a bad count,
    /// keys past the end).</summary>
    private static List<KeyReference>? UsingSpecs(KeySpec[] specs, IReadOnlyList<byte[]> args)
    {
        int argc = args.Count;
        var keys = new List<KeyReference>();
        foreach (var spec in specs)
        {
            if (spec.Flags.HasFlag(KeyFlags.NotKey)) continue;
            int first = 0;
            switch (spec.Begin)
            {
                case BeginSearch.Index:
                    first = spec.Index;
                    break;
                case BeginSearch.Keyword:
                    int start = spec.Index > 0 ? spec.Index : argc + spec.Index;
                    int end = spec.Index > 0 ? argc - 1 : 1;
                    for (int i = start; i != end; i = start <= end ? i + 1 : i - 1)
                    {
                        if (i >= argc || i < 1) break;
                        if (Ascii.EqualsIgnoreCase(args[i], Encoding.ASCII.GetBytes(spec.Keyword!)))
                        {
                            first = i + 1;
                            break;
                        }
                    }
                    if (first == 0) continue; // keyword not found: this spec names no key
                    break;
                default:
                    return null;
            }
            int last, step;
            switch (spec.Find)
            {
                case FindKeys.Range:
                    step = spec.KeyStep;
                    last = spec.LastKey >= 0 ? first + spec.LastKey
                        : spec.Limit == 0 ? argc + spec.LastKey
                        : first + ((argc - first) / spec.Limit + spec.LastKey);
                    break;
                case FindKeys.Keynum:
                    step = spec.KeyStep;
                    if (spec.KeyNumIndex >= argc || first + spec.KeyNumIndex >= argc) return null;
                    if (!StateMachine.Numbers.TryParseInt64(args[first + spec.KeyNumIndex], out long count) || count < 0) return null;
                    first += spec.FirstKey;
                    last = first + (int)Math.Min(count, int.MaxValue / 2) - 1;
                    break;
                default:
                    return null;
            }
            if (last >= argc || last < first || first >= argc) return null;
            for (int i = first; i <= last; i += step)
            {
                if (i >= argc) continue; // a command with a negative arity: its own syntax error, no key
                keys.Add(new KeyReference(i, spec.Flags));
            }
            if (spec.Flags.HasFlag(KeyFlags.Incomplete)) return null;
        }
        return keys;
    }

    private delegate List<KeyReference> Finder(IReadOnlyList<byte[]> args);

    /// <summary>Redis's getkeys_proc of the commands HyperCache has that declare one.</summary>
    private static readonly Dictionary<string, Finder> OwnFinders = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sintercard"] = a => Counted(a, 0, 1, 2),
        ["zintercard"] = a => Counted(a, 0, 1, 2),
        ["zunion"] = a => Counted(a, 0, 1, 2),
        ["zinter"] = a => Counted(a, 0, 1, 2),
        ["zdiff"] = a => Counted(a, 0, 1, 2),
        ["zunionstore"] = a => Counted(a, 1, 2, 3),
        ["zinterstore"] = a => Counted(a, 1, 2, 3),
        ["zdiffstore"] = a => Counted(a, 1, 2, 3),
        ["eval"] = a => Counted(a, 0, 2, 3),
        ["evalsha"] = a => Counted(a, 0, 2, 3),
        ["eval_ro"] = a => Counted(a, 0, 2, 3),
        ["evalsha_ro"] = a => Counted(a, 0, 2, 3),
        ["fcall"] = a => Counted(a, 0, 2, 3),
        ["fcall_ro"] = a => Counted(a, 0, 2, 3),
        ["lmpop"] = a => Counted(a, 0, 1, 2),
        ["zmpop"] = a => Counted(a, 0, 1, 2),
        ["blmpop"] = a => Counted(a, 0, 2, 3),
        ["bzmpop"] = a => Counted(a, 0, 2, 3),
        ["sort"] = Sort,
        ["sort_ro"] = a => [new KeyReference(1, KeyFlags.RO | KeyFlags.Access)],
        ["set"] = Set,
        ["bitfield"] = Bitfield,
        ["georadius"] = GeoRadius,
        ["georadiusbymember"] = GeoRadius,
        ["xread"] = XRead,
        ["xreadgroup"] = XRead,
        ["migrate"] = Migrate,
    };

    private static List<KeyReference> OwnFinder(string command, IReadOnlyList<byte[]> args)
        => OwnFinders.TryGetValue(command, out var finder) ? finder(args) : [];

    private static bool Is(byte[] arg, string word) => Ascii.EqualsIgnoreCase(arg, Encoding.ASCII.GetBytes(word));

    /// <summary>Redis's genericGetKeys: a count (read as C's atoi reads it) at <paramref name="countAt"/>, the keys
    /// from <paramref name="firstAt"/>, and a destination at <paramref name="storeAt"/> (0: none).</summary>
    private static List<KeyReference> Counted(IReadOnlyList<byte[]> a, int storeAt, int countAt, int firstAt)
    {
        long count = Atoi(a[countAt]);
        if (count < 1 || count > a.Count - firstAt) return [];
        var keys = new List<KeyReference>();
        for (int i = 0; i < count; i++) keys.Add(new KeyReference(firstAt + i, KeyFlags.None));
        if (storeAt > 0) keys.Add(new KeyReference(storeAt, KeyFlags.None));
        return keys;
    }

    private static long Atoi(byte[] text)
    {
        int i = 0;
        while (i < text.Length && (text[i] == ' ' || (text[i] >= '\t' && text[i] <= '\r'))) i++;
        bool negative = false;
        if (i < text.Length && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
        long value = 0;
        for (; i < text.Length && text[i] >= '0' && text[i] <= '9' && value < int.MaxValue; i++) value = value * 10 + (text[i] - '0');
        return negative ? -value : value;
    }

    /// <summary>SORT's key, and the last STORE's destination (options skipped with their arguments).</summary>
    private static List<KeyReference> Sort(IReadOnlyList<byte[]> a)
    {
        var keys = new List<KeyReference> { new(1, KeyFlags.RO | KeyFlags.Access) };
        int store = 0;
        for (int i = 2; i < a.Count; i++)
        {
            if (Is(a[i], "limit")) i += 2;
            else if (Is(a[i], "get") || Is(a[i], "by")) i += 1;
            else if (Is(a[i], "store") && i + 1 < a.Count) store = i + 1;
        }
        if (store > 0) keys.Add(new KeyReference(store, KeyFlags.OW | KeyFlags.Update));
        return keys;
    }

    /// <summary>SET's key: read too when GET is given.</summary>
    private static List<KeyReference> Set(IReadOnlyList<byte[]> a)
    {
        for (int i = 3; i < a.Count; i++)
            if (Is(a[i], "get")) return [new KeyReference(1, KeyFlags.RW | KeyFlags.Access | KeyFlags.Update)];
        return [new KeyReference(1, KeyFlags.OW | KeyFlags.Update)];
    }

    /// <summary>BITFIELD's key: read-only when it only GETs.</summary>
    private static List<KeyReference> Bitfield(IReadOnlyList<byte[]> a)
    {
        bool readOnly = true;
        for (int i = 2; i < a.Count; i++)
        {
            int rest = a.Count - i - 1;
            if (Is(a[i], "get") && rest >= 2) i += 2;
            else if (Is(a[i], "overflow") && rest >= 1) i += 1;
            else
            {
                readOnly = false; // SET, INCRBY, or a syntax error
                break;
            }
        }
        return [new KeyReference(1, readOnly ? KeyFlags.RO | KeyFlags.Access : KeyFlags.RW | KeyFlags.Access | KeyFlags.Update)];
    }

    private static List<KeyReference> GeoRadius(IReadOnlyList<byte[]> a)
    {
        int stored = -1;
        for (int i = 5; i < a.Count; i++)
        {
            if ((Is(a[i], "store") || Is(a[i], "storedist")) && i + 1 < a.Count)
            {
                stored = i + 1;
                i++;
            }
        }
        var keys = new List<KeyReference> { new(1, KeyFlags.None) };
        if (stored > 0) keys.Add(new KeyReference(stored, KeyFlags.None));
        return keys;
    }

    /// <summary>MIGRATE's key (position 3), or the keys after KEYS, which needs that key to be empty (else none).
    /// Options before KEYS are skipped with their arguments (AUTH password, AUTH2 username password).</summary>
    private static List<KeyReference> Migrate(IReadOnlyList<byte[]> a)
    {
        int first = 3, count = 1;
        for (int i = 6; i < a.Count; i++)
        {
            if (Is(a[i], "keys"))
            {
                if (a[3].Length > 0) return [];
                first = i + 1;
                count = a.Count - first;
                break;
            }
            if (Is(a[i], "auth")) i += 1;
            else if (Is(a[i], "auth2")) i += 2;
        }
        var keys = new List<KeyReference>(count);
        for (int i = 0; i < count; i++) keys.Add(new KeyReference(first + i, KeyFlags.RW | KeyFlags.Access | KeyFlags.Delete));
        return keys;
    }

    /// <summary>XREAD's and XREADGROUP's streams: the first half of the arguments after STREAMS.</summary>
    private static List<KeyReference> XRead(IReadOnlyList<byte[]> a)
    {
        int streams = -1;
        for (int i = 1; i < a.Count; i++)
        {
            if (Is(a[i], "block") || Is(a[i], "count")) i++;
            else if (Is(a[i], "group")) i += 2;
            else if (Is(a[i], "noack")) { }
            else if (Is(a[i], "streams"))
            {
                streams = i;
                break;
            }
            else break;
        }
        int count = streams < 0 ? 0 : a.Count - streams - 1;
        if (count == 0 || count % 2 != 0) return [];
        var keys = new List<KeyReference>();
        for (int i = streams + 1; i < a.Count - count / 2; i++) keys.Add(new KeyReference(i, KeyFlags.None));
        return keys;
    }
}
