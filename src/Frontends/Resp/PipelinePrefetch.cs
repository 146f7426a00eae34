using System.Text;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Keyspace;

namespace HyperCache.Frontends.Resp;

/// <summary>
/// Look-ahead over pipelined commands. With a key table far larger than the CPU cache, a command's first touch of
/// its key is a chain of misses (bucket, slot, key array, value), each waiting for the one before, and a pipeline
/// runs its commands one after another, so the chains never overlap. Before the first command of a window, this
/// parses the next few commands of the same input segment and asks for their keys' memory in stages across the
/// window: every bucket, then every first slot, then every key array and value. By the time each command runs,
/// its key is in the cache.
/// <list type="bullet">
/// <item>The first argument is taken as the key (GET, SET, INCR, LPUSH, HSET...); a command without one costs a
/// useless fetch.</item>
/// <item>MSET, MGET, DEL, EXISTS, UNLINK and TOUCH have every key fetched, even when the command comes alone:
/// their ten keys would otherwise miss one after another.</item>
/// <item>EVAL, EVALSHA, FCALL and their _RO forms have the keys they declare fetched (numkeys of them after
/// the script or function name), not the script's body, also when one comes alone with several.</item>
/// <item>A set, hash or sorted-set command (SADD, SISMEMBER, HSET, HGET, ZADD, ZSCORE...) goes on to its member's
/// memory in the collection's own table (the argument after the key; for ZADD and ZINCRBY the one after the
/// score): redis-benchmark's SADD/HSET/ZADD into one key of 100 k members miss on members, not on the key.</item>
/// </list>
/// Hints only: the commands do their own lookups under their locks.
/// </summary>
internal sealed class PipelinePrefetch(RespParser parser)
{
    private const int Window = 16;  // commands looked ahead
    private const int MaxKeys = 64; // keys fetched per window
    private readonly CommandArgs _ahead = new();
    private readonly KeyHint[] _hints = new KeyHint[MaxKeys];
    private readonly ElementHint[] _elements = new ElementHint[MaxKeys];
    private int _keys;      // hints in this window
    private int _members;   // of which name a member
    private int _covered;   // commands after the current one whose keys were already fetched

    /// <summary>Forgets the window (new input: what it covered has run or is gone).</summary>
    public void Reset() => _covered = 0;

    /// <summary>
    /// Called before running the command parsed in <paramref name="current"/>; <paramref name="rest"/> is what
    /// follows it in the same input segment. Starts a new window when the last one is used up and there are at
    /// least two keys to overlap (more commands waiting, or a multi-key command).
    /// </summary>
    public void BeforeCommand(CommandArgs current, ReadOnlyMemory<byte> rest, Store store, int db)
    {
        if (_covered > 0)
        {
            _covered--;
            return;
        }
        if (current.Count < 2 || (rest.IsEmpty && KeyStep(current[0]) == 0 && !(ScriptKeys(current, out int keys) && keys > 1)))
            return; // one key: nothing to overlap
        _keys = 0;
        _members = 0;
        AddKeys(store, db, current);
        int commands = 1, pos = 0;
        while (commands < Window && _keys < MaxKeys && pos < rest.Length)
        {
            var status = parser.TryParse(rest[pos..], _ahead, out int used, out _);
            if (status == ParseStatus.Empty) { pos += used; continue; }
            if (status != ParseStatus.Complete) break;
            AddKeys(store, db, _ahead);
            commands++;
            pos += used;
        }
        int n = _keys;
        if (n < 2) return;
        for (int i = 0; i < n; i++) _hints[i].Slot();
        for (int i = 0; i < n; i++) _hints[i].KeyAndValue();
        if (_members > 0)
        {
            for (int i = 0; i < n; i++) _elements[i] = _hints[i].Element();
            for (int i = 0; i < n; i++) _elements[i].Slot();
            for (int i = 0; i < n; i++) _elements[i].Element();
        }
        _covered = commands - 1;
    }

    private void AddKeys(Store store, int db, CommandArgs args)
    {
        if (args.Count < 2) return;
        if (ScriptKeys(args, out int numKeys))
        {
            for (int i = 3; i < 3 + numKeys && _keys < MaxKeys; i++) _hints[_keys++] = store.HintKey(db, args[i]);
            return;
        }
        int step = KeyStep(args[0]);
        if (step == 0)
        {
            _hints[_keys++] = Hint(store, db, args);
            return;
        }
        for (int i = 1; i < args.Count && _keys < MaxKeys; i += step) _hints[_keys++] = store.HintKey(db, args[i]);
    }

    private KeyHint Hint(Store store, int db, CommandArgs args)
    {
        if (args.Count < 3) return store.HintKey(db, args[1]);
        var name = args[0];
        if (name.Length > 1 && (name[0] | 0x20) == 'z')
        {
            _members++; // ZADD key score member, ZINCRBY key by member; ZSCORE, ZREM, ZRANK... key member
            int member = args.Count == 4 && (Ascii.EqualsIgnoreCase(name, "zadd"u8) || Ascii.EqualsIgnoreCase(name, "zincrby"u8)) ? 3 : 2;
            return store.HintKey(db, args[1], args[member], sortedSet: true);
        }
        if (!NamesMember(name)) return store.HintKey(db, args[1]);
        _members++;
        return store.HintKey(db, args[1], args[2]);
    }

    /// <summary>Hash and set commands, whose argument after the key is a field or member: H*, and S* but SET,
    /// SETEX, SETNX, SETRANGE, SETBIT (a false match, e.g. SINTER's second key, costs one useless fetch).</summary>
    private static bool NamesMember(ReadOnlySpan<byte> name)
        => name.Length >= 4 && ((name[0] | 0x20) == 'h' || ((name[0] | 0x20) == 's' && (name[1] | 0x20) != 'e'));

    /// <summary>A script or function call (EVAL body|sha numkeys key... arg...): how many of its arguments from
    /// the fourth on are keys, as far as it has them (a wrong numkeys is the command's error, not the hint's).</summary>
    private static bool ScriptKeys(CommandArgs args, out int numKeys)
    {
        numKeys = 0;
        var name = args[0];
        if (name.Length < 4 || ((name[0] | 0x20) != 'e' && (name[0] | 0x20) != 'f') || args.Count < 4) return false;
        if (!Ascii.EqualsIgnoreCase(name, "eval"u8) && !Ascii.EqualsIgnoreCase(name, "evalsha"u8)
            && !Ascii.EqualsIgnoreCase(name, "eval_ro"u8) && !Ascii.EqualsIgnoreCase(name, "evalsha_ro"u8)
            && !Ascii.EqualsIgnoreCase(name, "fcall"u8) && !Ascii.EqualsIgnoreCase(name, "fcall_ro"u8)) return false;
        if (!System.Buffers.Text.Utf8Parser.TryParse(args[2], out int n, out int used) || used != args[2].Length || n < 0) return false;
        numKeys = Math.Min(n, args.Count - 3);
        return true;
    }

    /// <summary>The distance between keys of a command whose arguments are all keys (1) or key-value pairs (2);
    /// 0 for the others, which are taken to have one key.</summary>
    private static int KeyStep(ReadOnlySpan<byte> name) => name.Length switch
    {
        3 when Ascii.EqualsIgnoreCase(name, "del"u8) => 1,
        4 when Ascii.EqualsIgnoreCase(name, "mset"u8) => 2,
        4 when Ascii.EqualsIgnoreCase(name, "mget"u8) => 1,
        5 when Ascii.EqualsIgnoreCase(name, "touch"u8) => 1,
        6 when Ascii.EqualsIgnoreCase(name, "msetnx"u8) => 2,
        6 when Ascii.EqualsIgnoreCase(name, "exists"u8) || Ascii.EqualsIgnoreCase(name, "unlink"u8) => 1,
        _ => 0,
    };
}
