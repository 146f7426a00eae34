namespace HyperCache.StateMachine.Notifications;

/// <summary>The classes of keyspace event and the two channel families, as Redis's NOTIFY_* bits (server.h).</summary>
[Flags]
public enum KeyspaceEventTypes
{
    None = 0,
    /// <summary>K: publish on __keyspace@db__:key, the event name as message.</summary>
    Keyspace = 1 << 0,
    /// <summary>E: publish on __keyevent@db__:event, the key as message.</summary>
    Keyevent = 1 << 1,
    Generic = 1 << 2,   // g
    String = 1 << 3,    // $
    List = 1 << 4,      // l
    Set = 1 << 5,       // s
    Hash = 1 << 6,      // h
    ZSet = 1 << 7,      // z
    Expired = 1 << 8,   // x
    Evicted = 1 << 9,   // e
    Stream = 1 << 10,   // t
    KeyMiss = 1 << 11,  // m
    Module = 1 << 13,   // d
    New = 1 << 14,      // n
    /// <summary>A: every class but m and n, as in Redis.</summary>
    All = Generic | String | List | Set | Hash | ZSet | Expired | Evicted | Stream | Module,
}

/// <summary>The <c>notify-keyspace-events</c> text: Redis's keyspaceEventsStringToFlags and
/// keyspaceEventsFlagsToString.</summary>
public static class KeyspaceEventFlags
{
    public const string InvalidError = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";

    public static bool TryParse(string text, out KeyspaceEventTypes flags)
    {
        flags = KeyspaceEventTypes.None;
        foreach (char c in text)
        {
            if (Letter(c) is not { } type) return false;
            flags |= type;
        }
        return true;
    }

    private static KeyspaceEventTypes? Letter(char c) => c switch
    {
        'A' => KeyspaceEventTypes.All,
        'g' => KeyspaceEventTypes.Generic,
        '$' => KeyspaceEventTypes.String,
        'l' => KeyspaceEventTypes.List,
        's' => KeyspaceEventTypes.Set,
        'h' => KeyspaceEventTypes.Hash,
        'z' => KeyspaceEventTypes.ZSet,
        'x' => KeyspaceEventTypes.Expired,
        'e' => KeyspaceEventTypes.Evicted,
        'K' => KeyspaceEventTypes.Keyspace,
        'E' => KeyspaceEventTypes.Keyevent,
        't' => KeyspaceEventTypes.Stream,
        'm' => KeyspaceEventTypes.KeyMiss,
        'd' => KeyspaceEventTypes.Module,
        'n' => KeyspaceEventTypes.New,
        _ => null,
    };

    /// <summary>The canonical text CONFIG GET answers: A (or the classes in Redis's order), then K, E, m.</summary>
    public static string Format(KeyspaceEventTypes flags)
    {
        var text = new System.Text.StringBuilder();
        if ((flags & KeyspaceEventTypes.All) == KeyspaceEventTypes.All) text.Append('A');
        else
        {
            if (flags.HasFlag(KeyspaceEventTypes.Generic)) text.Append('g');
            if (flags.HasFlag(KeyspaceEventTypes.String)) text.Append('$');
            if (flags.HasFlag(KeyspaceEventTypes.List)) text.Append('l');
            if (flags.HasFlag(KeyspaceEventTypes.Set)) text.Append('s');
            if (flags.HasFlag(KeyspaceEventTypes.Hash)) text.Append('h');
            if (flags.HasFlag(KeyspaceEventTypes.ZSet)) text.Append('z');
            if (flags.HasFlag(KeyspaceEventTypes.Expired)) text.Append('x');
            if (flags.HasFlag(KeyspaceEventTypes.Evicted)) text.Append('e');
            if (flags.HasFlag(KeyspaceEventTypes.Stream)) text.Append('t');
            if (flags.HasFlag(KeyspaceEventTypes.Module)) text.Append('d');
            if (flags.HasFlag(KeyspaceEventTypes.New)) text.Append('n');
        }
        if (flags.HasFlag(KeyspaceEventTypes.Keyspace)) text.Append('K');
        if (flags.HasFlag(KeyspaceEventTypes.Keyevent)) text.Append('E');
        if (flags.HasFlag(KeyspaceEventTypes.KeyMiss)) text.Append('m');
        return text.ToString();
    }
}
