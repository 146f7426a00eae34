using System.IO.Hashing;
using HyperCache.StateMachine.Values;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>
/// A small hash keeps its pairs packed in one array (PackedPairs) until it has more than 128 fields or a field or
/// value longer than 64 bytes, then moves to a table. What must hold either way: the contents a reference holds,
/// insertion order while the encoding is listpack, the same digest for the same contents, copies that own their
/// bytes, and far less memory for the small ones.
/// </summary>
public sealed class PackedHashTests
{
    /// <summary>Random HSETs (new fields, same-length and other-length overwrites, in two seeds long values and
    /// many fields) and HDELs, checked after every step against a list of pairs in insertion order.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void A_hash_matches_a_reference_in_content_and_order_through_random_writes(int seed)
    {
        var random = new Random(seed);
        var hash = new HashValue();
        var reference = new List<(string Field, string Value)>();
        bool outgrow = seed > 2; // then up to 600 fields and now and then a long value: the pairs move to a table
        int fields = outgrow ? 200 : 30;
        for (int step = 0; step < 4000; step++)
        {
            string field = "f" + random.Next(fields) + new string('-', random.Next(3));
            int at = reference.FindIndex(p => p.Field == field);
            if (random.Next(4) == 0)
            {
                Assert.Equal(at >= 0, hash.Remove(Of(field)));
                if (at >= 0) reference.RemoveAt(at);
            }
            else
            {
                string value = outgrow && random.Next(500) == 0 ? new string('L', 65) : new string('v', random.Next(0, 20));
                Assert.Equal(at < 0, hash.Set(Of(field), Of(value)));
                if (at >= 0) reference[at] = (field, value);
                else reference.Add((field, value));
            }
            Assert.Equal(reference.Count, hash.Count);
            if (step % 50 == 0 || step > 3950) AssertSame(reference, hash);
        }
        Assert.Equal(outgrow, hash.Table != null);
    }

    private static void AssertSame(List<(string Field, string Value)> reference, HashValue hash)
    {
        var pairs = new List<(string, string)>();
        for (int at = hash.First; at >= 0; at = hash.Next(at))
            pairs.Add((Text(hash.FieldAt(at).ToArray()), Text(hash.ValueAt(at).ToArray())));
        if (hash.IsCompact) Assert.Equal(reference, pairs); // listpack: insertion order, as Redis replies
        else Assert.Equal(reference.OrderBy(p => p.Field), pairs.OrderBy(p => p.Item1));
        foreach (var (field, value) in reference)
        {
            Assert.True(hash.TryGet(Of(field), out var stored));
            Assert.Equal(value, Text(stored.ToArray()));
        }
        Assert.False(hash.Contains(Of("absent")));
    }

    [Fact]
    public void Past_128_fields_the_pairs_move_to_a_table_in_their_order_and_past_512_the_encoding_changes()
    {
        var hash = new HashValue();
        for (int i = 0; i < HashValue.PackedMaxEntries; i++) hash.Set(Of("field" + i), Of("v" + i));
        Assert.Null(hash.Table);
        hash.Set(Of("field0"), Of("changed")); // an overwrite at the limit stays packed
        Assert.Null(hash.Table);

        hash.Set(Of("one-more"), Of("x"));

        Assert.NotNull(hash.Table);
        Assert.Equal("listpack", hash.Encoding);
        var fields = new List<string>();
        for (int at = hash.First; at >= 0; at = hash.Next(at)) fields.Add(Text(hash.FieldAt(at).ToArray()));
        Assert.Equal(Enumerable.Range(0, 128).Select(i => "field" + i).Append("one-more"), fields);
        Assert.True(hash.TryGet(Of("field0"), out var value));
        Assert.Equal("changed", Text(value.ToArray()));
        for (int i = 0; i < EncodingLimits.DefaultHashEntries; i++) hash.Set(Of("more" + i), Of("v"));
        Assert.Equal("hashtable", hash.Encoding);
    }

    [Fact]
    public void A_long_value_moves_the_pairs_to_a_table_for_good()
    {
        var hash = new HashValue();
        hash.Set(Of("a"), Of("1"));
        hash.Set(Of("b"), Of(new string('x', EncodingLimits.DefaultHashValue + 1)));
        Assert.NotNull(hash.Table);
        Assert.Equal("hashtable", hash.Encoding);
        hash.Remove(Of("b"));
        Assert.NotNull(hash.Table); // never back, as Redis
        Assert.True(hash.TryGet(Of("a"), out var value));
        Assert.Equal("1", Text(value.ToArray()));
    }

    [Fact]
    public void The_same_pairs_digest_alike_packed_or_in_a_table()
    {
        var packed = new HashValue();
        var table = new HashValue();
        table.Set(Of("long"), Of(new string('x', 100)));
        for (int i = 9; i >= 0; i--) table.Set(Of("f" + i), Of("v" + i));
        table.Remove(Of("long"));
        for (int i = 0; i < 10; i++) packed.Set(Of("f" + i), Of("v" + i));
        Assert.Null(packed.Table);
        Assert.NotNull(table.Table);
        Assert.Equal(Digest(packed), Digest(table));
        packed.Set(Of("f3"), Of("other"));
        Assert.NotEqual(Digest(packed), Digest(table));
    }

    private static ulong Digest(HashValue hash)
    {
        var xx = new XxHash3();
        hash.AppendDigest(xx);
        return xx.GetCurrentHashAsUInt64();
    }

    [Fact]
    public void A_copy_owns_its_pairs()
    {
        var hash = new HashValue();
        hash.Set(Of("f"), Of("aaaa"));
        hash.Set(Of("g"), Of("1"));
        var copy = (HashValue)hash.Clone();

        copy.Set(Of("f"), Of("bbbb")); // same length: overwritten where it lies
        copy.Set(Of("g"), Of("22"));   // another length: the pairs after it move
        copy.Remove(Of("f"));

        Assert.True(hash.TryGet(Of("f"), out var f));
        Assert.Equal("aaaa", Text(f.ToArray()));
        Assert.True(hash.TryGet(Of("g"), out var g));
        Assert.Equal("1", Text(g.ToArray()));
        Assert.Equal(1, copy.Count);
    }

    [Fact]
    public void Five_short_pairs_take_one_array_not_a_table()
    {
        var hash = new HashValue();
        for (int i = 0; i < 5; i++) hash.Set(Of("field" + i), Of("value" + i));
        hash.Resized();
        // The value object (72 bytes) and one array of 5 x 14 bytes of pairs with room to grow; the table this
        // replaced cost 680 (its object, three arrays of 8 slots, ten element arrays).
        Assert.InRange(hash.SizeBytes, 150, 200);
    }

    [Fact]
    public void Random_picks_from_packed_pairs_are_positions_of_real_pairs()
    {
        var hash = new HashValue();
        for (int i = 0; i < 20; i++) hash.Set(Of("f" + i), Of("v" + i));
        var distinct = new List<int>();
        hash.RandomPositions(12, distinct);
        Assert.Equal(12, distinct.Distinct().Count());
        var repeated = new List<int>();
        hash.RandomPositions(-500, repeated);
        Assert.Equal(500, repeated.Count);
        var all = new List<int>();
        hash.AllPositions(all);
        Assert.Subset(all.ToHashSet(), distinct.Concat(repeated).ToHashSet());
        var seen = new HashSet<string>();
        for (int i = 0; i < 2000 && seen.Count < 20; i++) seen.Add(Text(hash.FieldArrayAt(hash.RandomPosition())));
        Assert.Equal(20, seen.Count); // every field can come up
    }
}
