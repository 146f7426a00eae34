using System.IO.Hashing;
using HyperCache.StateMachine.Values;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>
/// A small set keeps its members packed in one array until it has more than 128 members or one longer than 64
/// bytes, then moves to a table for good. What must hold either way: the members a reference holds, an intset's
/// numeric order, the same digest for the same members, copies that own their bytes, and far less memory.
/// </summary>
public sealed class PackedSetTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    [InlineData(4, true)]
    public void A_set_matches_a_reference_through_random_adds_and_removes(int seed, bool outgrow)
    {
        var random = new Random(seed);
        var set = new SetValue();
        var reference = new HashSet<string>();
        int range = outgrow ? 400 : 60; // 60: at most 120 distinct members, all packed
        for (int step = 0; step < 4000; step++)
        {
            string member = random.Next(3) == 0 ? "m" + random.Next(range) : random.Next(range).ToString();
            if (outgrow && random.Next(800) == 0) member = new string('L', 65);
            if (random.Next(3) == 0) Assert.Equal(reference.Remove(member), set.Remove(Of(member)));
            else Assert.Equal(reference.Add(member), set.Add(Of(member)));
            Assert.Equal(reference.Count, set.Count);
            if (step % 50 != 0) continue;
            Assert.Equal(reference.Order(), set.Members().Select(Text).Order());
            foreach (var m in reference) Assert.True(set.Contains(Of(m)));
            Assert.False(set.Contains(Of("absent")));
        }
        Assert.Equal(outgrow, set.Table != null);
    }

    [Fact]
    public void An_intset_lists_its_members_in_numeric_order_packed_or_not()
    {
        var packed = new SetValue();
        foreach (var n in new[] { 30, -5, 1000, 7, 0 }) packed.Add(Of(n.ToString()));
        Assert.Null(packed.Table);
        Assert.Equal("intset", packed.Encoding);
        Assert.Equal(["-5", "0", "7", "30", "1000"], packed.Members().Select(Text));

        var table = new SetValue();
        for (int n = 300; n > 0; n--) table.Add(Of(n.ToString()));
        Assert.NotNull(table.Table);
        Assert.Equal("intset", table.Encoding);
        Assert.Equal(Enumerable.Range(1, 300).Select(n => n.ToString()), table.Members().Select(Text));
    }

    [Fact]
    public void Past_128_members_or_with_a_long_one_the_members_move_to_a_table()
    {
        var set = new SetValue();
        for (int i = 0; i < SetValue.PackedMaxEntries; i++) set.Add(Of("m" + i));
        Assert.Null(set.Table);
        Assert.False(set.Add(Of("m0"))); // present: still packed
        Assert.Null(set.Table);
        set.Add(Of("one-more"));
        Assert.NotNull(set.Table);

        var longMember = new SetValue();
        longMember.Add(Of("a"));
        longMember.Add(Of(new string('x', SetValue.PackedMaxMember + 1)));
        Assert.NotNull(longMember.Table);
        Assert.Equal(2, longMember.Count);

        Assert.Null(SetValue.Of([Of("1"), Of("2")]).Table);
        Assert.NotNull(SetValue.Of(Enumerable.Range(0, 129).Select(i => Of("s" + i)).ToArray()).Table);
    }

    [Fact]
    public void The_same_members_digest_alike_packed_or_in_a_table_and_a_copy_owns_its_members()
    {
        var packed = new SetValue();
        var table = new SetValue();
        table.Add(Of(new string('x', 100)));
        for (int i = 0; i < 10; i++) table.Add(Of("m" + i));
        table.Remove(Of(new string('x', 100)));
        for (int i = 9; i >= 0; i--) packed.Add(Of("m" + i));
        Assert.Equal(Digest(packed), Digest(table));

        var copy = (SetValue)packed.Clone();
        copy.Remove(Of("m3"));
        copy.Add(Of("new"));
        Assert.True(packed.Contains(Of("m3")));
        Assert.False(packed.Contains(Of("new")));
        Assert.Equal(Digest(packed), Digest(table));
    }

    private static ulong Digest(SetValue set)
    {
        var xx = new XxHash3();
        set.AppendDigest(xx);
        return xx.GetCurrentHashAsUInt64();
    }

    [Fact]
    public void Five_small_members_take_one_array_not_a_table()
    {
        var set = new SetValue();
        foreach (var n in new[] { 0, 7919, 15838, 23757, 31676 }) set.Add(Of(n.ToString()));
        // The value object (72 bytes) and one array of 5 x 7 bytes with room to grow; the table this replaced cost
        // 568 (its object, three arrays of 8 slots, five element arrays).
        Assert.InRange(set.SizeBytes, 100, 160);
    }

    [Fact]
    public void Random_picks_and_scans_of_packed_members_cover_every_member()
    {
        var set = new SetValue();
        for (int i = 0; i < 20; i++) set.Add(Of("m" + i));
        var distinct = new List<int>();
        set.RandomPositions(15, distinct);
        Assert.Equal(15, distinct.Select(at => Text(set.MemberArrayAt(at))).Distinct().Count());
        var positions = new List<int>();
        Assert.Equal(0UL, set.Scan(0, 5, positions)); // packed: whole, in one call
        Assert.Equal(20, positions.Select(at => Text(set.MemberArrayAt(at))).Distinct().Count());
        var seen = new HashSet<string>();
        for (int i = 0; i < 2000 && seen.Count < 20; i++) seen.Add(Text(set.MemberArrayAt(set.RandomPosition())));
        Assert.Equal(20, seen.Count);
    }
}
