using System.Text.Json;

namespace HyperCache.Frontends.Resp.Metadata;

/// <summary>Redis 7's key-spec flags, in the order COMMAND GETKEYSANDFLAGS lists them.</summary>
[Flags]
public enum KeyFlags : ushort
{
    None = 0,
    RO = 1 << 0,
    RW = 1 << 1,
    OW = 1 << 2,
    RM = 1 << 3,
    Access = 1 << 4,
    Update = 1 << 5,
    Insert = 1 << 6,
    Delete = 1 << 7,
    NotKey = 1 << 8,
    Incomplete = 1 << 9,
    VariableFlags = 1 << 10,
}

public enum BeginSearch { Index, Keyword, Unknown }

public enum FindKeys { Range, Keynum, Unknown }

/// <summary>One of a command's key specs (Redis 7): where the search for keys begins (an index, or the argument
/// after a keyword) and how keys are found from there (a range, or a count argument).</summary>
public sealed record KeySpec(KeyFlags Flags, BeginSearch Begin, int Index, string? Keyword, FindKeys Find,
    int LastKey, int KeyStep, int Limit, int KeyNumIndex, int FirstKey)
{
    public static readonly string[] FlagNames =
        ["RO", "RW", "OW", "RM", "access", "update", "insert", "delete", "not_key", "incomplete", "variable_flags"];

    public static KeyFlags ParseFlag(string name)
    {
        int i = Array.IndexOf(FlagNames, name);
        return i >= 0 ? (KeyFlags)(1 << i) : throw new InvalidDataException($"unknown key-spec flag '{name}'");
    }

    /// <summary>The key specs of a description, as generate.py wrote them (a RESP3 set of maps).</summary>
    internal static KeySpec[] ParseAll(string command, JsonElement specs)
    {
        var list = new List<KeySpec>();
        foreach (var spec in specs.GetProperty("~").EnumerateArray())
        {
            var flags = KeyFlags.None;
            foreach (var flag in spec.GetProperty("flags").GetProperty("~").EnumerateArray())
                flags |= ParseFlag(flag.GetProperty("+").GetString()!);
            var begin = spec.GetProperty("begin_search");
            var beginSpec = begin.GetProperty("spec");
            var find = spec.GetProperty("find_keys");
            var findSpec = find.GetProperty("spec");
            int Int(JsonElement e, string name) => e.GetProperty(name).GetInt32();
            list.Add(begin.GetProperty("type").GetString() switch
            {
                "index" => Found(new KeySpec(flags, BeginSearch.Index, Int(beginSpec, "index"), null, FindKeys.Unknown, 0, 0, 0, 0, 0)),
                "keyword" => Found(new KeySpec(flags, BeginSearch.Keyword, Int(beginSpec, "startfrom"), beginSpec.GetProperty("keyword").GetString(), FindKeys.Unknown, 0, 0, 0, 0, 0)),
                "unknown" => Found(new KeySpec(flags, BeginSearch.Unknown, 0, null, FindKeys.Unknown, 0, 0, 0, 0, 0)),
                var other => throw new InvalidDataException($"{command}: begin_search type '{other}'"),
            });

            KeySpec Found(KeySpec s) => find.GetProperty("type").GetString() switch
            {
                "range" => s with { Find = FindKeys.Range, LastKey = Int(findSpec, "lastkey"), KeyStep = Int(findSpec, "keystep"), Limit = Int(findSpec, "limit") },
                "keynum" => s with { Find = FindKeys.Keynum, KeyNumIndex = Int(findSpec, "keynumidx"), FirstKey = Int(findSpec, "firstkey"), KeyStep = Int(findSpec, "keystep") },
                "unknown" => s,
                var other => throw new InvalidDataException($"{command}: find_keys type '{other}'"),
            };
        }
        return [.. list];
    }

    /// <summary>A command's key positions as the command table states them (a command Redis does not describe):
    /// Redis's "legacy range" spec, read-write if the command writes.</summary>
    public static KeySpec[] FromRange(CommandSpec spec)
    {
        if (spec.FirstKey <= 0) return [];
        var flags = spec.Flags.HasFlag(CommandFlags.Write) ? KeyFlags.RW | KeyFlags.Access | KeyFlags.Update : KeyFlags.RO | KeyFlags.Access;
        int last = spec.LastKey < 0 ? spec.LastKey : spec.LastKey - spec.FirstKey;
        return [new KeySpec(flags, BeginSearch.Index, spec.FirstKey, null, FindKeys.Range, last, Math.Max(1, spec.Step), 0, 0, 0)];
    }

    /// <summary>Writes this spec as COMMAND INFO does (for specs derived from the table).</summary>
    public void Write(RespWriter r)
    {
        r.MapHeader(3);
        r.Bulk("flags"u8);
        WriteFlags(r, Flags);
        r.Bulk("begin_search"u8);
        r.MapHeader(2);
        r.Bulk("type"u8);
        r.Bulk("index"u8);
        r.Bulk("spec"u8);
        r.MapHeader(1);
        r.Bulk("index"u8);
        r.Integer(Index);
        r.Bulk("find_keys"u8);
        r.MapHeader(2);
        r.Bulk("type"u8);
        r.Bulk("range"u8);
        r.Bulk("spec"u8);
        r.MapHeader(3);
        r.Bulk("lastkey"u8);
        r.Integer(LastKey);
        r.Bulk("keystep"u8);
        r.Integer(KeyStep);
        r.Bulk("limit"u8);
        r.Integer(Limit);
    }

    public static void WriteFlags(RespWriter r, KeyFlags flags)
    {
        r.SetHeader(System.Numerics.BitOperations.PopCount((uint)flags));
        for (int i = 0; i < FlagNames.Length; i++)
            if (((int)flags & (1 << i)) != 0) r.Simple(FlagNames[i]);
    }
}
