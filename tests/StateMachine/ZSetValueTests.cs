using System.Text;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine.Tests;

/// <summary>The sorted set (its score tree and member table) against a naive model (a sorted list), under random
/// inserts, score updates and removals: order, ranks, element at a rank, score and lex ranges, rank-range removal.</summary>
public class ZSetValueTests
{
    private sealed record Element(double Score, byte[] Member);

    private static int Order(Element a, Element b)
    {
        int byScore = a.Score.CompareTo(b.Score);
        return byScore != 0 ? byScore : a.Member.AsSpan().SequenceCompareTo(b.Member);
    }

    private static byte[] Member(Random random)
    {
        // Short members from a small alphabet: many shared prefixes, many equal scores.
        var bytes = new byte[random.Next(0, 4)];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)"ab\0\xff"[random.Next(4)];
        return bytes;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_operations_match_a_sorted_list(int seed)
    {
        var random = new Random(seed);
        var zset = new ZSetValue();
        var model = new List<Element>();
        double[] scores = [double.NegativeInfinity, -1.5, 0, 0, 1, 2, 2, 3.25, double.PositiveInfinity];

        for (int step = 0; step < 4000; step++)
        {
            var member = Member(random);
            int at = model.FindIndex(e => e.Member.AsSpan().SequenceEqual(member));
            switch (random.Next(10))
            {
                case < 5:
                {
                    double score = scores[random.Next(scores.Length)];
                    Assert.Equal(at < 0, zset.Set(score, member));
                    if (at >= 0) model.RemoveAt(at);
                    model.Add(new Element(score, member));
                    model.Sort(Order);
                    break;
                }
                case < 7:
                    Assert.Equal(at >= 0, zset.Remove(member));
                    if (at >= 0) model.RemoveAt(at);
                    break;
                case 7 when model.Count > 0:
                {
                    long start = random.Next(model.Count), end = start + random.Next(3);
                    end = Math.Min(end, model.Count - 1);
                    zset.RemoveRankRange(start, end);
                    model.RemoveRange((int)start, (int)(end - start + 1));
                    break;
                }
                default:
                    CheckRanges(zset, model, random);
                    break;
            }
            CheckOrderAndRanks(zset, model, step % 97 == 0);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Score_moves_in_a_big_set_keep_order_and_ranks(int seed)
    {
        // ZADD's benchmark shape, smaller: thousands of members (a tree of three levels), mostly moves of an
        // existing member, some to a neighbouring score (moved in place), some adds and removals.
        var random = new Random(seed);
        var zset = new ZSetValue();
        var scores = new Dictionary<string, double>();
        for (int step = 0; step < 60000; step++)
        {
            string name = "element:" + random.Next(6000);
            var member = Encoding.ASCII.GetBytes(name);
            if (random.Next(20) == 0)
            {
                Assert.Equal(scores.Remove(name), zset.Remove(member));
            }
            else
            {
                double score = random.Next(3) switch
                {
                    0 => random.Next(50),                                                    // many ties
                    1 when scores.TryGetValue(name, out double current) => current + 1e-9,  // stays in place
                    _ => random.NextDouble() * 1000,
                };
                Assert.Equal(!scores.ContainsKey(name), zset.Set(score, member));
                scores[name] = score;
            }
            if (step % 6000 == 5999)
            {
                var model = scores.Select(e => new Element(e.Value, Encoding.ASCII.GetBytes(e.Key))).ToList();
                model.Sort(Order);
                CheckOrderAndRanks(zset, model, full: true);
            }
        }
    }

    [Fact]
    public void A_set_stays_packed_while_a_listpack_would_hold_it_then_has_a_tree_and_table_for_good()
    {
        static byte[] M(int i) => System.Text.Encoding.ASCII.GetBytes("m" + i);
        var zset = new ZSetValue();
        for (int i = EncodingLimits.DefaultZSetEntries - 1; i >= 0; i--) zset.Set(i, M(i));
        Assert.Null(zset.Tree);
        Assert.Null(zset.Table);
        Assert.Equal("listpack", zset.Encoding);
        Assert.True(zset.TryGetScore(M(77), out double found));
        Assert.Equal(77, found);
        Assert.Equal(77, zset.RankOf(M(77), reverse: false, out _));
        var packedCopy = (ZSetValue)zset.Clone();

        zset.Set(1000, M(128));

        Assert.Equal("skiplist", zset.Encoding);
        Assert.Equal(129, zset.Table!.Count);
        Assert.Equal(129, zset.Tree!.Count);
        for (int i = 0; i <= 128; i++)
        {
            Assert.True(zset.TryGetScore(M(i), out double score));
            Assert.Equal(i == 128 ? 1000 : i, score);
            Assert.Equal(i, zset.RankOf(M(i), reverse: false, out _));
        }
        for (int i = 5; i <= 128; i++) Assert.True(zset.Remove(M(i)));
        Assert.Equal("skiplist", zset.Encoding); // never back, as Redis
        Assert.Equal(5, ((ZSetValue)zset.Clone()).Table!.Count);
        Assert.Null(packedCopy.Tree); // the copy owns its elements
        Assert.Equal(128, packedCopy.Count);

        var longMember = new ZSetValue();
        longMember.Set(1, "a"u8);
        longMember.Set(2, new byte[EncodingLimits.DefaultZSetValue + 1]);
        Assert.Equal("skiplist", longMember.Encoding);
        Assert.Equal(2, longMember.Table!.Count);
        var stored = ZSetValue.OfSorted([new(M(1), 1), new(M(2), 1), new(M(3), 0)]);
        Assert.Null(stored.Tree);
        Assert.Equal(["m3", "m1", "m2"], Enumerable.Range(0, 3).Select(r => System.Text.Encoding.ASCII.GetString(stored.At(r).Member)));
        Assert.NotNull(ZSetValue.OfSorted(Enumerable.Range(0, 129).Select(i => new ScoredMember(M(i), i)).ToList()).Tree);
    }

    [Fact]
    public void Five_short_members_take_one_array()
    {
        var zset = new ZSetValue();
        for (int i = 0; i < 5; i++) zset.Set(i * 1.5, System.Text.Encoding.ASCII.GetBytes("member" + i));
        // The set object (80 bytes) and one array of 5 x 17 bytes with room to grow; the tree and member table
        // this replaced cost 570.
        Assert.InRange(zset.SizeBytes, 150, 220);
    }

    [Fact]
    public void A_removed_member_is_not_found_again()
    {
        var zset = new ZSetValue();
        for (int i = 0; i < 10; i++) zset.Set(i, Encoding.ASCII.GetBytes("m" + i));
        Assert.True(zset.TryGetScore("m3"u8, out _));
        Assert.True(zset.Remove("m3"u8));
        Assert.False(zset.TryGetScore("m3"u8, out _));
        Assert.True(zset.Set(30, "m3"u8));
        Assert.True(zset.TryGetScore("m3"u8, out double score));
        Assert.Equal(30, score);

        Assert.True(zset.Contains("m0"u8)); // the lowest element, about to go by rank
        zset.RemoveRankRange(0, 1);
        Assert.False(zset.Contains("m0"u8));
        Assert.True(zset.Set(5, "m0"u8));
        Assert.Equal(9, zset.Count);
        Assert.Equal(2, zset.RankOf("m0"u8, reverse: false, out _)); // after m2 and m4, before m5 (tied at 5)
    }

    private static void CheckOrderAndRanks(ZSetValue zset, List<Element> model, bool full)
    {
        Assert.Equal(model.Count, zset.Count);
        if (zset.Table is { } table) Assert.Equal(model.Count, table.Count); // none while small (walked)
        if (!full) return;
        zset.Tree?.Validate(); // the tree, once the set has one
        int i = 0;
        for (var at = zset.First; at.IsValid; at.MoveNext(), i++)
        {
            Assert.Equal(model[i].Member, at.Member);
            Assert.Equal(model[i].Score, at.Score);
            Assert.Equal(at.Member, zset.At(i).Member);
            Assert.Equal(i, zset.RankOf(at.Member, reverse: false, out double score));
            Assert.Equal(model[i].Score, score);
            Assert.Equal(model.Count - 1 - i, zset.RankOf(at.Member, reverse: true, out _));
        }
        Assert.Equal(model.Count, i);
        i = model.Count - 1;
        for (var at = zset.Last; at.IsValid; at.MovePrevious(), i--) Assert.Equal(model[i].Member, at.Member);
        Assert.Equal(-1, i);
        Assert.False(zset.At(model.Count).IsValid);
        Assert.False(zset.At(-1).IsValid);
    }

    private static void CheckRanges(ZSetValue zset, List<Element> model, Random random)
    {
        double[] bounds = [double.NegativeInfinity, -1.5, 0, 1, 2, 3.25, 5, double.PositiveInfinity];
        var range = new ScoreRange(bounds[random.Next(bounds.Length)], random.Next(2) == 0, bounds[random.Next(bounds.Length)], random.Next(2) == 0);
        var inScore = model.Where(e => range.AboveMin(e.Score) && range.BelowMax(e.Score)).ToList();
        Assert.Equal(inScore.FirstOrDefault()?.Member, MemberOf(zset.FirstInRange(range)));
        Assert.Equal(inScore.LastOrDefault()?.Member, MemberOf(zset.LastInRange(range)));
        Assert.Equal(inScore.Count > 0, zset.RanksInRange(range, out long first, out long last));
        if (inScore.Count > 0)
        {
            Assert.Equal(model.IndexOf(inScore[0]), first);
            Assert.Equal(model.IndexOf(inScore[^1]), last);
        }

        // Lex ranges are defined on sets whose scores are all equal: check them on the elements scored 0.
        var flat = new ZSetValue();
        foreach (var e in model) flat.Set(0, e.Member);
        var members = model.Select(e => e.Member).OrderBy(m => m, Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))).ToList();
        var min = Member(random);
        var max = Member(random);
        var lex = new LexRange((LexBound)random.Next(4), min, (LexBound)random.Next(4), max);
        var inLex = new List<byte[]>();
        foreach (var m in members)
            if (lex.AboveMin(m) && lex.BelowMax(m)) inLex.Add(m);
        Assert.Equal(inLex.FirstOrDefault(), MemberOf(flat.FirstInRange(lex)));
        Assert.Equal(inLex.LastOrDefault(), MemberOf(flat.LastInRange(lex)));
        Assert.Equal(inLex.Count, Math.Max(0, flat.LexEnd(lex) - flat.LexStart(lex)));
    }

    private static byte[]? MemberOf(ZCursor at) => at.IsValid ? at.Member : null;

    [Fact]
    public void Range_parsing_follows_redis()
    {
        Assert.True(ScoreRange.TryParse("(1.5"u8, "+inf"u8, out var range));
        Assert.True(range.MinExclusive);
        Assert.False(range.AboveMin(1.5));
        Assert.True(range.BelowMax(double.PositiveInfinity));
        Assert.True(ScoreRange.TryParse(" 1"u8, ""u8, out range)); // strtod: leading blanks, empty is 0
        Assert.Equal(0, range.Max);
        Assert.False(ScoreRange.TryParse("1 "u8, "2"u8, out _));
        Assert.False(ScoreRange.TryParse("nan"u8, "2"u8, out _));
        Assert.True(LexRange.TryParse("-"u8, "(b"u8, out var lex));
        Assert.True(lex.AboveMin([]));
        Assert.False(lex.BelowMax("b"u8));
        Assert.False(LexRange.TryParse("a"u8, "+"u8, out _));
        Assert.False(LexRange.TryParse("+x"u8, "+"u8, out _));
        Assert.False(LexRange.TryParse(""u8, "+"u8, out _));
    }

    [Theory]
    [InlineData(1.1, "1.1000000000000001")]
    [InlineData(1e20, "1e+20")]
    [InlineData(1e-5, "1.0000000000000001e-05")]
    [InlineData(3.0, "3")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(1e17, "1e+17")]
    [InlineData(1e16, "10000000000000000")]
    [InlineData(double.NegativeInfinity, "-inf")]
    [InlineData(-5.0, "-5")]
    [InlineData(0.5, "0.5")]
    [InlineData(1e-300, "1e-300")]
    [InlineData(-1e16, "-10000000000000000")]
    [InlineData(99999999999999984.0, "99999999999999984")]
    [InlineData(123456789012345678.0, "1.2345678901234568e+17")]
    [InlineData(1.5e300, "1.5000000000000001e+300")]
    [InlineData(-0.1, "-0.10000000000000001")]
    [InlineData(2.5e-7, "2.4999999999999999e-07")]
    [InlineData(4503599627370495.5, "4503599627370495.5")]
    [InlineData(-0.0, "-0")]
    public void Scores_print_like_printf_17g(double value, string text)
    {
        Assert.Equal(text, ScoreText.Format(value));
        Span<byte> bytes = stackalloc byte[ScoreText.MaxLength];
        Assert.Equal(text, System.Text.Encoding.ASCII.GetString(bytes[..ScoreText.Format(value, bytes)]));
    }

    [Fact]
    public void Clone_and_digest_depend_only_on_content()
    {
        var a = new ZSetValue();
        var b = new ZSetValue();
        for (int i = 0; i < 300; i++) a.Set(i % 7, Encoding.ASCII.GetBytes("m" + i));
        for (int i = 299; i >= 0; i--) b.Set(i % 7, Encoding.ASCII.GetBytes("m" + i));
        Assert.Equal(Digest(a), Digest(b));
        var copy = (ZSetValue)a.Clone();
        Assert.Equal(Digest(a), Digest(copy));
        Assert.Equal("skiplist", copy.Encoding);
        copy.Set(1000, "m0"u8);
        Assert.NotEqual(Digest(a), Digest(copy));
        Assert.True(a.TryGetScore("m0"u8, out double score));
        Assert.Equal(0, score);
    }

    private static ulong Digest(ZSetValue value)
    {
        var hash = new System.IO.Hashing.XxHash3();
        value.AppendDigest(hash);
        return hash.GetCurrentHashAsUInt64();
    }
}
