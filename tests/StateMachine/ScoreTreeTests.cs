using System.Text;
using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine.Tests;

/// <summary>The sorted set's B+ tree on its own, against a sorted reference list: inserts, removals by key and by
/// rank, score moves (in place and across leaves), through splits, borrowing, merges and root changes, with the
/// tree's invariants (<see cref="ScoreTree.Validate"/>) checked along the way.</summary>
public class ScoreTreeTests
{
    private sealed record Element(double Score, byte[] Member);

    private static readonly Comparer<Element> Order = Comparer<Element>.Create((a, b) =>
    {
        int byScore = a.Score.CompareTo(b.Score);
        return byScore != 0 ? byScore : a.Member.AsSpan().SequenceCompareTo(b.Member);
    });

    private static byte[] Name(int i) => Encoding.ASCII.GetBytes("m" + i);

    [Theory]
    [InlineData(1, 20_000)]
    [InlineData(2, 5_000)]
    [InlineData(3, 300)]
    public void Grows_then_shrinks_to_nothing_matching_a_sorted_list(int seed, int size)
    {
        var random = new Random(seed);
        var tree = new ScoreTree();
        var model = new List<Element>();
        // Few distinct scores: long runs of equal scores, ordered by member bytes, cross leaf boundaries.
        double Score() => random.Next(4) == 0 ? random.Next(8) : Math.Round(random.NextDouble() * 1000, 1);
        var members = Enumerable.Range(0, size).Select(Name).ToArray();
        foreach (var member in members)
        {
            var element = new Element(Score(), member);
            tree.Insert(element.Score, element.Member);
            Insert(model, element);
            if (model.Count % 997 == 0) Check(tree, model, random);
        }
        Check(tree, model, random);
        long peak = tree.Bytes;
        while (model.Count > 0)
        {
            int at = random.Next(model.Count);
            var element = model[at];
            switch (random.Next(3))
            {
                case 0:
                    Assert.Equal(element.Member, tree.RemoveAt(at));
                    break;
                case 1:
                    Assert.True(tree.Remove(element.Score, element.Member));
                    break;
                default:
                    // The same bytes in another array are the same member.
                    Assert.True(tree.Remove(element.Score, element.Member.ToArray()));
                    break;
            }
            model.RemoveAt(at);
            Assert.False(tree.Remove(element.Score, element.Member));
            if (model.Count % 499 == 0) Check(tree, model, random);
        }
        Assert.Equal(0, tree.Count);
        Assert.False(tree.First.IsValid);
        Assert.False(tree.Last.IsValid);
        // Emptied: what is left is the first leaf (full size by now) and the tree's own fields.
        Assert.True(tree.Bytes < 1_300, $"{tree.Bytes} bytes left of {peak}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Moves_adds_and_removals_keep_the_order(int seed)
    {
        var random = new Random(seed);
        var tree = new ScoreTree();
        var model = new List<Element>();
        var scores = new Dictionary<int, double>();
        for (int step = 0; step < 80_000; step++)
        {
            int id = random.Next(8000);
            double score = random.Next(3) switch
            {
                0 => random.Next(40),
                1 when scores.TryGetValue(id, out double current) => current + (random.Next(2) == 0 ? 1e-9 : -1e-9), // usually in place
                _ => random.NextDouble() * 1e6,
            };
            if (scores.TryGetValue(id, out double old))
            {
                var member = model[model.BinarySearch(new Element(old, Name(id)), Order)].Member;
                if (random.Next(10) == 0)
                {
                    Assert.True(tree.Remove(old, member));
                    model.Remove(new Element(old, member));
                    scores.Remove(id);
                }
                else
                {
                    tree.Move(old, member, score);
                    model.RemoveAt(model.BinarySearch(new Element(old, member), Order));
                    Insert(model, new Element(score, member));
                    scores[id] = score;
                }
            }
            else
            {
                var member = Name(id);
                tree.Insert(score, member);
                Insert(model, new Element(score, member));
                scores[id] = score;
            }
            if (step % 7919 == 0) Check(tree, model, random);
        }
        Check(tree, model, random);
    }

    [Fact]
    public void A_sorted_load_fills_its_leaves()
    {
        var sorted = new ScoreTree();
        var shuffled = new ScoreTree();
        for (int i = 0; i < 10_000; i++) sorted.Insert(i, Name(i));
        foreach (int i in Enumerable.Range(0, 10_000).OrderBy(i => (i * 7919) % 10_007)) shuffled.Insert(i, Name(i));
        sorted.Validate();
        shuffled.Validate();
        Assert.True(sorted.Bytes < shuffled.Bytes * 0.85, $"sorted {sorted.Bytes}, shuffled {shuffled.Bytes}");
        for (int i = 0; i < 10_000; i += 37) Assert.Equal(i, sorted.RankOf(i, Name(i)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Removing_from_one_end_borrows_from_full_siblings_then_merges(bool fromLow)
    {
        // A sorted load leaves full leaves and full inner nodes: the end being emptied underflows next to a full
        // sibling (which lends it entries) over and over, at both levels, until the siblings are small enough to merge.
        var tree = new ScoreTree();
        const int Size = 3 * ScoreTree.InnerCapacity * ScoreTree.LeafCapacity;
        for (int i = 0; i < Size; i++) tree.Insert(i, Name(i));
        tree.Validate();
        for (int n = 0; n < Size; n++)
        {
            int i = fromLow ? n : Size - 1 - n;
            Assert.Equal(fromLow ? 0 : Size - 1 - n, tree.RankOf(i, Name(i)));
            Assert.Equal(Name(i), fromLow ? tree.RemoveAt(0) : tree.RemoveAt(tree.Count - 1));
            if (n % 211 == 0) tree.Validate();
        }
        Assert.Equal(0, tree.Count);
        tree.Validate();
    }

    [Fact]
    public void Bytes_follow_the_elements()
    {
        var tree = new ScoreTree();
        long empty = tree.Bytes;
        for (int i = 0; i < 3; i++) tree.Insert(i, Name(i));
        Assert.True(tree.Bytes > empty);
        long small = tree.Bytes;
        for (int i = 3; i < 50_000; i++) tree.Insert(i % 1000, Name(i));
        long big = tree.Bytes;
        Assert.True(big > 50_000 * 16, $"{big}");
        long previous = big;
        for (int i = 49_999; i >= 3; i--)
        {
            Assert.True(tree.Remove(i % 1000, Name(i)));
            if (i % 5000 == 0)
            {
                Assert.True(tree.Bytes < previous, $"{tree.Bytes} after {previous}");
                previous = tree.Bytes;
            }
        }
        tree.Validate();
        Assert.True(tree.Bytes < small + 1_300, $"{tree.Bytes} with 3 elements, {small} before growing");
    }

    [Fact]
    public void Ranks_and_positions_agree()
    {
        var tree = new ScoreTree();
        for (int i = 0; i < 5000; i++) tree.Insert(i / 3, Name(i));
        for (int i = 0; i < 5000; i += 13)
        {
            var at = tree.At(i);
            Assert.Equal(i, tree.RankOf(at.Score, at.Member));
        }
        Assert.Equal(-1, tree.RankOf(1, Name(0)));   // m0 is at score 0
        Assert.Equal(-1, tree.RankOf(-5, Name(-1)));
        Assert.True(tree.RanksInRange(new ScoreRange(10, false, 12, true), out long first, out long last));
        Assert.Equal((30L, 35L), (first, last));
        Assert.False(tree.RanksInRange(new ScoreRange(12, true, 12, false), out _, out _));
        Assert.False(tree.RanksInRange(new ScoreRange(5000, false, double.PositiveInfinity, false), out _, out _));
    }

    private static void Insert(List<Element> model, Element element)
    {
        int at = model.BinarySearch(element, Order);
        Assert.True(at < 0);
        model.Insert(~at, element);
    }

    private static void Check(ScoreTree tree, List<Element> model, Random random)
    {
        tree.Validate();
        Assert.Equal(model.Count, tree.Count);
        int i = 0;
        for (var at = tree.First; at.IsValid; at.MoveNext(), i++)
        {
            Assert.Equal(model[i].Score, at.Score);
            Assert.Same(model[i].Member, at.Member);
        }
        Assert.Equal(model.Count, i);
        for (int probe = 0; probe < 50 && model.Count > 0; probe++)
        {
            int rank = random.Next(model.Count);
            Assert.Same(model[rank].Member, tree.At(rank).Member);
            Assert.Equal(rank, tree.RankOf(model[rank].Score, model[rank].Member));
            double min = random.NextDouble() * 1000, max = min + random.Next(50);
            var range = new ScoreRange(min, random.Next(2) == 0, max, random.Next(2) == 0);
            int first = model.FindIndex(e => range.AboveMin(e.Score) && range.BelowMax(e.Score));
            int last = model.FindLastIndex(e => range.AboveMin(e.Score) && range.BelowMax(e.Score));
            Assert.Equal(first >= 0, tree.RanksInRange(range, out long low, out long high));
            Assert.Equal(first >= 0 ? model[first].Member : null, tree.FirstInRange(range) is { IsValid: true } f ? f.Member : null);
            Assert.Equal(last >= 0 ? model[last].Member : null, tree.LastInRange(range) is { IsValid: true } l ? l.Member : null);
            if (first >= 0) Assert.Equal((first, last), ((int)low, (int)high));
        }
    }
}
