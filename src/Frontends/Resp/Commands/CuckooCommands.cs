using HyperCache.StateMachine;
using HyperCache.StateMachine.Values;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>
/// RedisBloom's Cuckoo filter commands: CF.RESERVE, CF.ADD, CF.ADDNX, CF.INSERT, CF.INSERTNX, CF.EXISTS,
/// CF.MEXISTS, CF.COUNT, CF.DEL, CF.INFO. Replies and error texts follow RedisBloom 2.x (src/rebloom.c), whose
/// errors mostly carry no "ERR" prefix.
/// </summary>
public static class CuckooCommands
{
    public static void Register(CommandTable t)
    {
        const CommandFlags R = CommandFlags.ReadOnly | CommandFlags.Fast, W = CommandFlags.Write;
        t.Key("cf.reserve", -3, W, Reserve);
        t.Key("cf.add", 3, W, (c, a, r) => Add(c, a, r, unique: false));
        t.Key("cf.addnx", 3, W, (c, a, r) => Add(c, a, r, unique: true));
        t.Key("cf.insert", -4, W, (c, a, r) => Insert(c, a, r, unique: false));
        t.Key("cf.insertnx", -4, W, (c, a, r) => Insert(c, a, r, unique: true));
        t.Key("cf.exists", 3, R, (c, a, r) => Check(c, a, r, multi: false, count: false));
        t.Key("cf.mexists", -3, R, (c, a, r) => Check(c, a, r, multi: true, count: false));
        t.Key("cf.count", 3, R, (c, a, r) => Check(c, a, r, multi: false, count: true));
        t.Key("cf.del", 3, W, (c, a, r) => r.Integer(c.Store.CuckooDelete(c.Session, a[1], CuckooFilter.Hash(a[2])) ? 1 : 0));
        t.Key("cf.info", 2, CommandFlags.ReadOnly, Info);
    }

    /// <summary>CF.RESERVE key capacity [BUCKETSIZE n] [MAXITERATIONS n] [EXPANSION n] — options in any order.</summary>
    private static void Reserve(RespClient c, CommandArgs a, RespWriter r)
    {
        if (a.Count % 2 == 0) throw ArgParse.WrongArity("cf.reserve");
        if (!Numbers.TryParseInt64(a[2], out long capacity)) throw new CommandError("Bad capacity");
        long maxIterations = Option(a, "MAXITERATIONS"u8, "MAXITERATIONS", Store.CuckooDefaultMaxIterations, 1, 65535);
        long bucketSize = Option(a, "BUCKETSIZE"u8, "BUCKETSIZE", Store.CuckooDefaultBucketSize, 1, 255);
        long expansion = Option(a, "EXPANSION"u8, "EXPANSION", Store.CuckooDefaultExpansion, 0, 32768);
        if (bucketSize * 2 > capacity) throw new CommandError("Capacity must be at least (BucketSize * 2)");
        c.Store.CuckooReserve(c.Session, a[1], capacity, (int)bucketSize, (int)maxIterations, (int)expansion);
        r.Ok();
    }

    /// <summary>An option found by name anywhere after the capacity (as RedisBloom looks options up), with its
    /// value checked against RedisBloom's range and wording.</summary>
    private static long Option(CommandArgs a, ReadOnlySpan<byte> upper, string name, long fallback, long min, long max)
    {
        for (int i = 3; i < a.Count; i++)
        {
            if (!a.Is(i, upper)) continue;
            if (i + 1 >= a.Count || !Numbers.TryParseInt64(a[i + 1], out long value)) throw new CommandError($"Couldn't parse {name}");
            if (value < min || value > max) throw new CommandError($"{name}: value must be an integer between {min} and {max}, inclusive.");
            return value;
        }
        return fallback;
    }

    private static void Add(RespClient c, CommandArgs a, RespWriter r, bool unique)
    {
        Span<ulong> hashes = [CuckooFilter.Hash(a[2])];
        Span<CuckooInsertResult> results = stackalloc CuckooInsertResult[1];
        c.Store.CuckooInsert(c.Session, a[1], hashes, unique, Store.CuckooDefaultCapacity, results);
        if (results[0] == CuckooInsertResult.NoSpace) throw new CommandError("Filter is full");
        r.Integer((int)results[0]);
    }

    /// <summary>CF.INSERT key [CAPACITY c] [NOCREATE] ITEMS item... — options recognised by their first letter,
    /// as RedisBloom does; an item that does not fit a full non-expanding filter answers -1.</summary>
    private static void Insert(RespClient c, CommandArgs a, RespWriter r, bool unique)
    {
        string name = unique ? "cf.insertnx" : "cf.insert";
        long capacity = Store.CuckooDefaultCapacity;
        bool create = true;
        int items = -1;
        for (int i = 2; i < a.Count && items < 0;)
        {
            var arg = a[i];
            switch (arg.IsEmpty ? 0 : arg[0] | 0x20)
            {
                case 'c':
                    if (++i == a.Count) throw ArgParse.WrongArity(name);
                    if (!Numbers.TryParseInt64(a[i++], out capacity)) throw new CommandError("Bad capacity");
                    if (capacity < 2 * Store.CuckooDefaultBucketSize) throw new CommandError("Capacity must be at least (BucketSize * 2)");
                    break;
                case 'i':
                    items = ++i;
                    break;
                case 'n':
                    create = false;
                    i++;
                    break;
                default:
                    throw new CommandError("Unknown argument received");
            }
        }
        if (items < 0 || items == a.Count) throw ArgParse.WrongArity(name);

        int count = a.Count - items;
        Span<ulong> hashes = count <= 128 ? stackalloc ulong[count] : new ulong[count];
        Span<CuckooInsertResult> results = count <= 128 ? stackalloc CuckooInsertResult[count] : new CuckooInsertResult[count];
        for (int i = 0; i < count; i++) hashes[i] = CuckooFilter.Hash(a[items + i]);
        c.Store.CuckooInsert(c.Session, a[1], hashes, unique, create ? capacity : 0, results);
        r.ArrayHeader(count);
        foreach (var result in results) r.Integer((int)result);
    }

    private static void Check(RespClient c, CommandArgs a, RespWriter r, bool multi, bool count)
    {
        int n = a.Count - 2;
        Span<ulong> hashes = n <= 128 ? stackalloc ulong[n] : new ulong[n];
        Span<long> results = n <= 128 ? stackalloc long[n] : new long[n];
        for (int i = 0; i < n; i++) hashes[i] = CuckooFilter.Hash(a[2 + i]);
        c.Store.CuckooCheck(c.Session, a[1], hashes, count, results);
        if (multi) r.ArrayHeader(n);
        foreach (long result in results) r.Integer(result);
    }

    /// <summary>CF.INFO: the eight fields of RedisBloom 2.x, as a flat array of names and integers.</summary>
    private static void Info(RespClient c, CommandArgs a, RespWriter r)
    {
        var info = c.Store.CuckooInfoOf(c.Session, a[1]);
        r.ArrayHeader(16);
        r.Simple("Size"); r.Integer(info.Size);
        r.Simple("Number of buckets"); r.Integer(info.Buckets);
        r.Simple("Number of filters"); r.Integer(info.Filters);
        r.Simple("Number of items inserted"); r.Integer(info.Items);
        r.Simple("Number of items deleted"); r.Integer(info.Deletes);
        r.Simple("Bucket size"); r.Integer(info.BucketSize);
        r.Simple("Expansion rate"); r.Integer(info.Expansion);
        r.Simple("Max iterations"); r.Integer(info.MaxIterations);
    }
}
