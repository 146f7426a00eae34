using System.Globalization;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Values;

namespace HyperCache.Frontends.Resp.Commands;

/// <summary>The Z* commands. Arguments are checked in Redis 7.0's order, so the same bad request gets the same error.</summary>
public static class SortedSetCommands
{
    private const string NotFloatRange = "ERR min or max is not a float";
    private const string NotLexRange = "ERR min or max not valid string range item";
    private const long MaxRandomRepeats = 10_000_000;

    public static void Register(CommandTable t)
    {
        const CommandFlags R = CommandFlags.ReadOnly, W = CommandFlags.Write, F = CommandFlags.Fast;
        t.Key("zadd", -4, W | F, (c, a, r) => Add(c, a, r, ZAddFlags.None));
        t.Key("zincrby", 4, W | F, (c, a, r) => Add(c, a, r, ZAddFlags.Increment));
        t.Key("zrem", -3, W | F, (c, a, r) => r.Integer(c.Store.SortedSetRemove(c.Session, a[1], a, 2)));
        t.Key("zcard", 2, R | F, (c, a, r) => r.Integer(c.Store.SortedSetCard(c.Session, a[1])));
        t.Key("zscore", 3, R | F, (c, a, r) => DoubleOrNull(r, c.Store.SortedSetScore(c.Session, a[1], a[2])));
        t.Key("zmscore", -3, R | F, (c, a, r) =>
        {
            var scores = c.Store.SortedSetScores(c.Session, a[1], a, 2);
            r.ArrayHeader(scores.Length);
            foreach (var score in scores) DoubleOrNull(r, score);
        });
        t.Key("zcount", 4, R | F, (c, a, r) => r.Integer(c.Store.SortedSetCount(c.Session, a[1], ParseScores(a[2], a[3]))));
        t.Key("zlexcount", 4, R | F, (c, a, r) =>
        {
            if (!LexRange.TryParse(a[2], a[3], out var range)) throw new CommandError(NotLexRange);
            r.Integer(c.Store.SortedSetLexCount(c.Session, a[1], range));
        });
        t.Key("zrank", -3, R | F, (c, a, r) => Rank(c, a, r, reverse: false, "zrank"));
        t.Key("zrevrank", -3, R | F, (c, a, r) => Rank(c, a, r, reverse: true, "zrevrank"));
        t.Key("zrange", -4, R, (c, a, r) => Range(c, a, r, 1, store: false, null, null));
        t.Key("zrangebyscore", -4, R, (c, a, r) => Range(c, a, r, 1, store: false, ZRangeBy.Score, false));
        t.Key("zrevrangebyscore", -4, R, (c, a, r) => Range(c, a, r, 1, store: false, ZRangeBy.Score, true));
        t.Key("zrangebylex", -4, R, (c, a, r) => Range(c, a, r, 1, store: false, ZRangeBy.Lex, false));
        t.Key("zrevrangebylex", -4, R, (c, a, r) => Range(c, a, r, 1, store: false, ZRangeBy.Lex, true));
        t.Key("zrevrange", -4, R, (c, a, r) => Range(c, a, r, 1, store: false, ZRangeBy.Rank, true));
        t.Add("zrangestore", -5, W, (c, a, r) => Range(c, a, r, 2, store: true, null, null), 1, 2, 1);
        t.Key("zremrangebyrank", 4, W, (c, a, r) =>
            r.Integer(c.Store.SortedSetRemoveRangeByRank(c.Session, a[1], ArgParse.Int64(a[2]), ArgParse.Int64(a[3]))));
        t.Key("zremrangebyscore", 4, W, (c, a, r) =>
            r.Integer(c.Store.SortedSetRemoveRangeByScore(c.Session, a[1], ParseScores(a[2], a[3]))));
        t.Key("zremrangebylex", 4, W, (c, a, r) =>
        {
            if (!LexRange.TryParse(a[2], a[3], out var range)) throw new CommandError(NotLexRange);
            r.Integer(c.Store.SortedSetRemoveRangeByLex(c.Session, a[1], range));
        });
        t.Key("zpopmin", -2, W | F, (c, a, r) => Pop(c, a, r, max: false));
        t.Key("zpopmax", -2, W | F, (c, a, r) => Pop(c, a, r, max: true));
        t.Key("zrandmember", -2, R, RandomMember);
        t.Key("zscan", -3, R, Scan);
        t.Add("zunionstore", -4, W, (c, a, r) => Combine(c, a, r, ZSetOperation.Union, "zunionstore"), 1, 1, 1);
        t.Add("zinterstore", -4, W, (c, a, r) => Combine(c, a, r, ZSetOperation.Inter, "zinterstore"), 1, 1, 1);
        t.Add("zdiffstore", -4, W, (c, a, r) => Combine(c, a, r, ZSetOperation.Diff, "zdiffstore"), 1, 1, 1);
        t.Add("zunion", -3, R, (c, a, r) => Combine(c, a, r, ZSetOperation.Union, "zunion"));
        t.Add("zinter", -3, R, (c, a, r) => Combine(c, a, r, ZSetOperation.Inter, "zinter"));
        t.Add("zdiff", -3, R, (c, a, r) => Combine(c, a, r, ZSetOperation.Diff, "zdiff"));
        t.Add("zintercard", -3, R, InterCard);
        t.Add("zmpop", -4, W, MultiPop);
    }

    // One result list per thread, reused by ZRANGE and ZSCAN (a handler runs to completion on its thread).
    [ThreadStatic] private static List<ScoredMember>? t_elements;

    private static List<ScoredMember> Scratch()
    {
        var elements = t_elements ??= [];
        elements.Clear(); // a command that failed half-way may have left some
        return elements;
    }

    /// <summary>Empties the list (so it keeps no members alive); a list grown by a huge reply is dropped.</summary>
    private static void Release(List<ScoredMember> elements)
    {
        elements.Clear();
        if (elements.Capacity > 4096) t_elements = null;
    }

    private static void DoubleOrNull(RespWriter r, double? value)
    {
        if (value is { } score) r.Double(score);
        else r.NullBulk();
    }

    /// <summary>Members, with their scores interleaved (RESP2) or as [member, score] pairs (RESP3).</summary>
    private static void WriteElements(RespWriter r, List<ScoredMember> elements, bool withScores)
    {
        bool pairs = withScores && r.Protocol >= 3;
        r.ArrayHeader(withScores && !pairs ? elements.Count * 2 : elements.Count);
        foreach (var element in elements)
        {
            if (pairs) r.ArrayHeader(2);
            r.Bulk(element.Member);
            if (withScores) r.Double(element.Score);
        }
    }

    private static ScoreRange ParseScores(ReadOnlySpan<byte> min, ReadOnlySpan<byte> max)
        => ScoreRange.TryParse(min, max, out var range) ? range : throw new CommandError(NotFloatRange);

    /// <summary>ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]; ZINCRBY key increment member.</summary>
    private static void Add(RespClient c, CommandArgs a, RespWriter r, ZAddFlags flags)
    {
        int scoreIndex = 2;
        for (; scoreIndex < a.Count; scoreIndex++)
        {
            if (a.Is(scoreIndex, "NX"u8)) flags |= ZAddFlags.IfNotExists;
            else if (a.Is(scoreIndex, "XX"u8)) flags |= ZAddFlags.IfExists;
            else if (a.Is(scoreIndex, "CH"u8)) flags |= ZAddFlags.Changed;
            else if (a.Is(scoreIndex, "INCR"u8)) flags |= ZAddFlags.Increment;
            else if (a.Is(scoreIndex, "GT"u8)) flags |= ZAddFlags.IfGreater;
            else if (a.Is(scoreIndex, "LT"u8)) flags |= ZAddFlags.IfLess;
            else break;
        }
        int elements = a.Count - scoreIndex;
        if (elements % 2 != 0 || elements == 0) throw CommandError.Syntax();
        elements /= 2;
        bool nx = (flags & ZAddFlags.IfNotExists) != 0, gt = (flags & ZAddFlags.IfGreater) != 0, lt = (flags & ZAddFlags.IfLess) != 0;
        if (nx && (flags & ZAddFlags.IfExists) != 0)
            throw new CommandError("ERR XX and NX options at the same time are not compatible");
        if ((gt && nx) || (lt && nx) || (gt && lt))
            throw new CommandError("ERR GT, LT, and/or NX options at the same time are not compatible");
        bool incr = (flags & ZAddFlags.Increment) != 0;
        if (incr && elements > 1) throw new CommandError("ERR INCR option supports a single increment-element pair");
        Span<double> scores = elements <= 64 ? stackalloc double[elements] : new double[elements];
        for (int i = 0; i < elements; i++) scores[i] = ArgParse.Double(a[scoreIndex + 2 * i]);
        var result = c.Store.SortedSetAdd(c.Session, a[1], flags, a, scoreIndex, scores);
        if (incr) DoubleOrNull(r, result.Score);
        else r.Integer(result.Count);
    }

    /// <summary>ZRANK key member [WITHSCORE] (WITHSCORE as in Redis 7.2).</summary>
    private static void Rank(RespClient c, CommandArgs a, RespWriter r, bool reverse, string name)
    {
        if (a.Count > 4) throw ArgParse.WrongArity(name);
        bool withScore = a.Count == 4;
        if (withScore && !a.Is(3, "WITHSCORE"u8)) throw CommandError.Syntax();
        long rank = c.Store.SortedSetRank(c.Session, a[1], a[2], reverse, out double score);
        if (rank < 0)
        {
            if (withScore) r.NullArray();
            else r.NullBulk();
            return;
        }
        if (withScore) r.ArrayHeader(2);
        r.Integer(rank);
        if (withScore) r.Double(score);
    }

    /// <summary>
    /// ZRANGE src min max [BYSCORE|BYLEX] [REV] [WITHSCORES] [LIMIT offset count], ZRANGESTORE dst src ..., and the
    /// older forms, which fix the range type and direction (<paramref name="by"/>, <paramref name="reverse"/>).
    /// </summary>
    private static void Range(RespClient c, CommandArgs a, RespWriter r, int keyIndex, bool store, ZRangeBy? by, bool? reverse)
    {
        bool withScores = false;
        long offset = 0, limit = -1;
        for (int j = keyIndex + 3; j < a.Count; j++)
        {
            int left = a.Count - j - 1;
            if (!store && a.Is(j, "WITHSCORES"u8)) withScores = true;
            else if (a.Is(j, "LIMIT"u8) && left >= 2)
            {
                offset = ArgParse.Int64(a[j + 1]);
                limit = ArgParse.Int64(a[j + 2]);
                j += 2;
            }
            else if (reverse is null && a.Is(j, "REV"u8)) reverse = true;
            else if (by is null && a.Is(j, "BYLEX"u8)) by = ZRangeBy.Lex;
            else if (by is null && a.Is(j, "BYSCORE"u8)) by = ZRangeBy.Score;
            else throw CommandError.Syntax();
        }
        var query = new ZRangeQuery { By = by ?? ZRangeBy.Rank, Reverse = reverse ?? false, Offset = offset, Limit = limit };
        if (limit != -1 && query.By == ZRangeBy.Rank)
            throw new CommandError("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
        if (withScores && query.By == ZRangeBy.Lex)
            throw new CommandError("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        int minIndex = keyIndex + 1, maxIndex = keyIndex + 2;
        if (query.Reverse && query.By != ZRangeBy.Rank) (minIndex, maxIndex) = (maxIndex, minIndex); // given as max, min
        switch (query.By)
        {
            case ZRangeBy.Rank:
                query.Start = ArgParse.Int64(a[minIndex]);
                query.Stop = ArgParse.Int64(a[maxIndex]);
                break;
            case ZRangeBy.Score:
                query.Scores = ParseScores(a[minIndex], a[maxIndex]);
                break;
            default:
                if (!LexRange.TryParse(a[minIndex], a[maxIndex], out var lex)) throw new CommandError(NotLexRange);
                query.Lex = lex;
                break;
        }
        if (store)
        {
            r.Integer(c.Store.SortedSetRangeStore(c.Session, a[1], a[2], query));
            return;
        }
        var elements = Scratch();
        c.Store.SortedSetRange(c.Session, a[keyIndex], query, elements);
        WriteElements(r, elements, withScores);
        Release(elements);
    }

    /// <summary>ZPOPMIN/ZPOPMAX key [count]: flat member/score list; RESP3 with a count: [member, score] pairs.</summary>
    private static void Pop(RespClient c, CommandArgs a, RespWriter r, bool max)
    {
        if (a.Count > 3) throw CommandError.Syntax();
        long count = 1;
        if (a.Count == 3)
        {
            // Redis gives one message for "not a number" and "negative" here.
            if (!Numbers.TryParseInt64(a[2], out count) || count < 0) throw new CommandError("ERR value is out of range, must be positive");
        }
        var popped = c.Store.SortedSetPop(c.Session, a[1], max, count);
        if (popped is null)
        {
            r.EmptyArray();
            return;
        }
        bool pairs = r.Protocol >= 3 && a.Count == 3;
        r.ArrayHeader(pairs ? popped.Count : popped.Count * 2);
        foreach (var element in popped)
        {
            if (pairs) r.ArrayHeader(2);
            r.Bulk(element.Member);
            r.Double(element.Score);
        }
    }

    /// <summary>ZRANDMEMBER key [count [WITHSCORES]]</summary>
    private static void RandomMember(RespClient c, CommandArgs a, RespWriter r)
    {
        if (a.Count == 2)
        {
            var one = c.Store.SortedSetRandomMembers(c.Session, a[1], 1);
            if (one is null) r.NullBulk();
            else r.Bulk(one[0].Member);
            return;
        }
        long count = ArgParse.Int64(a[2]);
        if (count == long.MinValue)
            throw new CommandError("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
        if (a.Count > 4 || (a.Count == 4 && !a.Is(3, "WITHSCORES"u8))) throw CommandError.Syntax();
        bool withScores = a.Count == 4;
        if (withScores && (count < -long.MaxValue / 2 || count > long.MaxValue / 2))
            throw new CommandError("ERR value is out of range");
        // Redis would stream 2^63 repeats until memory runs out; we refuse a reply that could not be built.
        if (count < -MaxRandomRepeats) throw new CommandError("ERR value is out of range");
        var picked = c.Store.SortedSetRandomMembers(c.Session, a[1], count);
        WriteElements(r, picked ?? [], withScores);
    }

    /// <summary>ZSCAN key cursor [MATCH pattern] [COUNT count]: scores as bulk strings, in RESP3 too.</summary>
    private static void Scan(RespClient c, CommandArgs a, RespWriter r)
    {
        if (!ArgParse.TryUInt64(a[2], out ulong cursor)) throw new CommandError("ERR invalid cursor");
        string type = c.Store.TypeOf(c.Session, a[1]);
        if (type == "none")
        {
            r.ArrayHeader(2);
            r.Bulk("0"u8);
            r.EmptyArray();
            return;
        }
        if (type != "zset") throw CommandError.WrongType();
        ReadOnlySpan<byte> pattern = "*"u8;
        int count = 10;
        for (int i = 3; i < a.Count; i++)
        {
            if (i + 1 >= a.Count) throw CommandError.Syntax();
            if (a.Is(i, "COUNT"u8))
            {
                long n = ArgParse.Int64(a[++i]);
                if (n < 1) throw CommandError.Syntax();
                count = (int)Math.Min(n, int.MaxValue);
            }
            else if (a.Is(i, "MATCH"u8)) pattern = a[++i];
            else throw CommandError.Syntax();
        }
        var elements = Scratch();
        long next = cursor > long.MaxValue ? 0 : c.Store.SortedSetScan(c.Session, a[1], (long)cursor, pattern, count, elements);
        r.ArrayHeader(2);
        r.Bulk(next.ToString(CultureInfo.InvariantCulture));
        r.ArrayHeader(elements.Count * 2);
        foreach (var element in elements)
        {
            r.Bulk(element.Member);
            r.Bulk(ScoreText.Format(element.Score));
        }
        Release(elements);
    }

    /// <summary>ZINTERCARD numkeys key [key ...] [LIMIT limit] (0: no limit)</summary>
    private static void InterCard(RespClient c, CommandArgs a, RespWriter r)
    {
        long keyCount = ArgParse.Int64(a[1]);
        if (keyCount < 1) throw new CommandError("ERR at least 1 input key is needed for 'zintercard' command");
        if (keyCount > a.Count - 2) throw CommandError.Syntax();
        int n = (int)keyCount;
        for (int i = 2; i < 2 + n; i++)
        {
            string type = c.Store.TypeOf(c.Session, a[i]);
            if (type is not ("none" or "zset" or "set")) throw CommandError.WrongType();
        }
        long limit = 0;
        for (int j = 2 + n; j < a.Count; j += 2)
        {
            if (a.Count - j < 2 || !a.Is(j, "LIMIT"u8)) throw CommandError.Syntax();
            if (!Numbers.TryParseInt64(a[j + 1], out limit) || limit < 0) throw new CommandError("ERR LIMIT can't be negative");
        }
        var weights = new double[n];
        Array.Fill(weights, 1.0);
        long count = c.Store.SortedSetCombine(c.Session, ZSetOperation.Inter, a, 2, weights, ZAggregate.Sum).Count;
        r.Integer(limit > 0 ? Math.Min(count, limit) : count);
    }

    /// <summary>ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]: pops from the first key that exists;
    /// [key, [[member, score], ...]], or a null array when none does.</summary>
    private static void MultiPop(RespClient c, CommandArgs a, RespWriter r)
    {
        if (!Numbers.TryParseInt64(a[1], out long keyCount) || keyCount < 1)
            throw new CommandError("ERR numkeys should be greater than 0");
        long whereIndex = 2 + keyCount;
        if (whereIndex >= a.Count) throw CommandError.Syntax();
        bool max = a.Is((int)whereIndex, "MAX"u8);
        if (!max && !a.Is((int)whereIndex, "MIN"u8)) throw CommandError.Syntax();
        long count = -1;
        for (int j = (int)whereIndex + 1; j < a.Count; j++)
        {
            if (count == -1 && a.Is(j, "COUNT"u8) && j + 1 < a.Count)
            {
                if (!Numbers.TryParseInt64(a[++j], out count) || count < 1) throw new CommandError("ERR count should be greater than 0");
            }
            else throw CommandError.Syntax();
        }
        if (count == -1) count = 1;
        for (int i = 2; i < whereIndex; i++)
        {
            var popped = c.Store.SortedSetPop(c.Session, a[i], max, count);
            if (popped is null) continue;
            r.ArrayHeader(2);
            r.Bulk(a[i]);
            r.ArrayHeader(popped.Count);
            foreach (var element in popped)
            {
                r.ArrayHeader(2);
                r.Bulk(element.Member);
                r.Double(element.Score);
            }
            return;
        }
        r.NullArray();
    }

    /// <summary>Z{UNION,INTER,DIFF}[STORE] [destination] numkeys key... [WEIGHTS w...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]</summary>
    private static void Combine(RespClient c, CommandArgs a, RespWriter r, ZSetOperation operation, string name)
    {
        bool store = name.EndsWith("store", StringComparison.Ordinal);
        int numKeysIndex = store ? 2 : 1;
        long keyCount = ArgParse.Int64(a[numKeysIndex]);
        if (keyCount < 1) throw new CommandError($"ERR at least 1 input key is needed for '{name}' command");
        if (keyCount > a.Count - (numKeysIndex + 1)) throw CommandError.Syntax();
        int n = (int)keyCount, firstKey = numKeysIndex + 1;
        // Redis looks the sources up (WRONGTYPE) before it reads the options.
        for (int i = firstKey; i < firstKey + n; i++)
        {
            string type = c.Store.TypeOf(c.Session, a[i]);
            if (type is not ("none" or "zset" or "set")) throw CommandError.WrongType();
        }
        var weights = new double[n];
        Array.Fill(weights, 1.0);
        var aggregate = ZAggregate.Sum;
        bool withScores = false;
        for (int j = firstKey + n; j < a.Count;)
        {
            int remaining = a.Count - j;
            if (operation != ZSetOperation.Diff && remaining >= n + 1 && a.Is(j, "WEIGHTS"u8))
            {
                j++;
                for (int i = 0; i < n; i++, j++)
                    if (!Numbers.TryParseDouble(a[j], out weights[i])) throw new CommandError("ERR weight value is not a float");
            }
            else if (operation != ZSetOperation.Diff && remaining >= 2 && a.Is(j, "AGGREGATE"u8))
            {
                if (a.Is(j + 1, "SUM"u8)) aggregate = ZAggregate.Sum;
                else if (a.Is(j + 1, "MIN"u8)) aggregate = ZAggregate.Min;
                else if (a.Is(j + 1, "MAX"u8)) aggregate = ZAggregate.Max;
                else throw CommandError.Syntax();
                j += 2;
            }
            else if (!store && a.Is(j, "WITHSCORES"u8))
            {
                withScores = true;
                j++;
            }
            else throw CommandError.Syntax();
        }
        if (store)
        {
            r.Integer(c.Store.SortedSetCombineStore(c.Session, a[1], operation, a, firstKey, weights, aggregate));
            return;
        }
        WriteElements(r, c.Store.SortedSetCombine(c.Session, operation, a, firstKey, weights, aggregate), withScores);
    }
}
