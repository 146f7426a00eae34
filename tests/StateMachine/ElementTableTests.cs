using HyperCache.StateMachine.Values;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>The table behind hashes and sets: SCAN's promise under resizing, random picks, listpack order.</summary>
public class ElementTableTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Scan_returns_every_element_present_throughout_while_the_table_grows_and_shrinks(int seed)
    {
        var random = new Random(seed);
        var table = new ElementTable(withValues: false);
        var churn = new List<string>();
        void AddChurn(int n)
        {
            for (int i = 0; i < n; i++)
            {
                var name = "churn" + churn.Count + ":" + random.Next();
                churn.Add(name);
                table.Set(Of(name), null);
            }
        }
        for (int i = 0; i < 1000; i++) table.Set(Of("stay" + i), null);
        AddChurn(30000);
        var seen = new HashSet<string>();
        var indices = new List<int>();
        ulong cursor = 0;
        int calls = 0, shrinks = 0, grows = 0;
        do
        {
            indices.Clear();
            cursor = table.Scan(cursor, random.Next(1, 20), indices);
            foreach (int index in indices) seen.Add(Text(table.KeyAt(index)));
            // Between calls: the churn alternately shrinks the table to a fraction and grows it again.
            if (calls % 20 == 3)
            {
                foreach (var name in churn) table.Remove(Of(name), keepOrder: false);
                churn.Clear();
                shrinks++;
            }
            if (calls % 20 == 13)
            {
                AddChurn(30000);
                grows++;
            }
            Assert.True(++calls < 100_000, "the iteration must end");
        }
        while (cursor != 0);
        for (int i = 0; i < 1000; i++) Assert.Contains("stay" + i, seen);
        Assert.True(shrinks > 0 && grows > 0, "the table must have been resized during the iteration");
    }

    [Fact]
    public void Scan_of_an_empty_table_ends_at_once()
    {
        var indices = new List<int>();
        Assert.Equal(0UL, new ElementTable(withValues: true).Scan(12345, 10, indices));
        Assert.Empty(indices);
    }

    [Fact]
    public void Random_picks_reach_every_element_even_after_heavy_removal()
    {
        var table = new ElementTable(withValues: false);
        for (int i = 0; i < 100_000; i++) table.Set(Of("m" + i), null);
        for (int i = 10; i < 100_000; i++) Assert.True(table.Remove(Of("m" + i), keepOrder: false));
        Assert.Equal(10, table.Count);
        Assert.True(table.Capacity <= 32, "a sparse table shrinks");
        var random = new Random(7);
        var seen = new HashSet<string>();
        for (int i = 0; i < 1000; i++) seen.Add(Text(table.KeyAt(table.RandomIndex(random))));
        Assert.Equal(10, seen.Count);
    }

    [Fact]
    public void Ordered_removal_keeps_insertion_order_like_a_listpack()
    {
        var table = new ElementTable(withValues: true);
        foreach (var name in new[] { "a", "b", "c", "d" }) table.Set(Of(name), Of(name.ToUpperInvariant()));
        table.Remove(Of("b"), keepOrder: true);
        table.Set(Of("e"), Of("E"));
        table.Set(Of("a"), Of("A2"));
        var order = Enumerable.Range(0, table.Capacity).Select(i => Text(table.KeyAt(i)) + "=" + Text(table.ValueAt(i)));
        Assert.Equal(["a=A2", "c=C", "d=D", "e=E"], order);
        Assert.Equal(2, table.IndexOf(Of("d")));
        Assert.Equal(-1, table.IndexOf(Of("b")));
    }

    [Fact]
    public void Clone_is_independent()
    {
        var table = new ElementTable(withValues: true);
        table.Set(Of("a"), Of("1"));
        var copy = table.Clone();
        copy.Set(Of("a"), Of("2"));
        copy.Set(Of("b"), Of("3"));
        Assert.Equal("1", Text(table.ValueAt(table.IndexOf(Of("a")))));
        Assert.Equal(1, table.Count);
        Assert.Equal(2, copy.Count);
    }
}
