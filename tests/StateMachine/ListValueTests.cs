using HyperCache.StateMachine.Values;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>The ring-buffer deque against a plain List model: every operation, across wrap-around and resizes.</summary>
public class ListValueTests
{
    [Theory]
    [InlineData(1, int.MaxValue, false)]
    [InlineData(2, int.MaxValue, false)]
    [InlineData(3, int.MaxValue, false)]
    [InlineData(4, 100, false)] // stays packed throughout
    [InlineData(5, 120, false)]
    [InlineData(6, 100, true)]  // packed until a long element arrives
    public void Random_operations_match_a_list_model(int seed, int cap, bool longValues)
    {
        var random = new Random(seed);
        var list = new ListValue();
        var model = new List<string>();
        for (int step = 0; step < 20_000; step++)
        {
            string value = longValues && random.Next(5000) == 0 ? new string('L', 65) : "v" + random.Next(20);
            int operation = random.Next(10);
            if (model.Count >= cap && operation is <= 4 or 6) operation = 5; // held small: a pop instead of a push
            switch (operation)
            {
                case 0 or 1 or 2:
                    list.Push(ListSide.Left, Of(value));
                    model.Insert(0, value);
                    break;
                case 3 or 4:
                    list.Push(ListSide.Right, Of(value));
                    model.Add(value);
                    break;
                case 5 when model.Count > 0:
                {
                    var side = (ListSide)random.Next(2);
                    int at = side == ListSide.Left ? 0 : model.Count - 1;
                    Assert.Equal(model[at], Text(list.Pop(side)));
                    model.RemoveAt(at);
                    break;
                }
                case 6:
                {
                    int at = random.Next(model.Count + 1);
                    list.Insert(at, Of(value));
                    model.Insert(at, value);
                    break;
                }
                case 7 when model.Count > 0:
                {
                    long limit = random.Next(-3, 4);
                    int expected = RemoveFromModel(model, limit, value);
                    Assert.Equal(expected, list.CountMatches(limit, Of(value)));
                    Assert.Equal(expected, list.Remove(limit, Of(value)));
                    break;
                }
                case 8 when model.Count > 2 && random.Next(20) == 0:
                {
                    int start = random.Next(model.Count / 2), stop = random.Next(start, model.Count);
                    list.Trim(start, stop);
                    model.RemoveRange(stop + 1, model.Count - stop - 1);
                    model.RemoveRange(0, start);
                    break;
                }
                case 9 when model.Count > 0:
                {
                    int at = random.Next(model.Count);
                    list[at] = Of(value);
                    model[at] = value;
                    Assert.Equal(model.IndexOf(value), list.IndexOf(Of(value)));
                    break;
                }
            }
            Assert.Equal(model.Count, list.Length);
            if (step % 500 == 0) AssertSame(model, list);
        }
        Assert.Equal(cap == int.MaxValue || longValues, !list.IsPacked);
        AssertSame(model, list);
        Assert.Equal(model, Enumerable.Range(0, list.Length).Select(i => Text(list[i])));
        var clone = (ListValue)list.Clone();
        list.Push(ListSide.Left, Of("only in the original"));
        Assert.Equal(model, Enumerable.Range(0, clone.Length).Select(i => Text(clone[i])));
    }

    [Fact]
    public void Ten_short_elements_take_one_array_until_the_list_outgrows_it()
    {
        var list = new ListValue();
        for (int i = 0; i < 10; i++) list.Push(ListSide.Right, Of("element" + i));
        // The list object (80 bytes) and one array of 10 x 9 bytes with room to grow; the deque this replaced cost
        // 536 (its object, an array of 16 references, ten element arrays).
        Assert.True(list.IsPacked);
        Assert.InRange(list.SizeBytes, 150, 220);
        for (int i = 10; i < ListValue.PackedMaxEntries; i++) list.Push(ListSide.Left, Of("e" + i));
        Assert.True(list.IsPacked);
        list.Push(ListSide.Left, Of("one more"));
        Assert.False(list.IsPacked);
        Assert.Equal("element9", Text(list[ListValue.PackedMaxEntries]));
        var longOne = new ListValue();
        longOne.Push(ListSide.Right, Of("a"));
        longOne.Push(ListSide.Right, Of(new string('x', ListValue.PackedMaxElement + 1)));
        Assert.False(longOne.IsPacked);
        Assert.Equal("a", Text(longOne.Pop(ListSide.Left)));
    }

    /// <summary>The list holds the model's elements: read by index, copied out from a start, walked by position.</summary>
    private static void AssertSame(List<string> model, ListValue list)
    {
        Assert.Equal(model, Enumerable.Range(0, list.Length).Select(i => Text(list[i])));
        var copied = new byte[Math.Max(0, model.Count - 3)][];
        list.CopyTo(Math.Min(3, model.Count), copied);
        Assert.Equal(model.Skip(3), copied.Select(Text));
        var walked = new List<string>();
        for (int at = list.First; at >= 0; at = list.Next(at)) walked.Add(Text(list.ElementAt(at).ToArray()));
        Assert.Equal(model, walked);
    }

    /// <summary>LREM on the model: |limit| matches from the head (limit &gt; 0), the tail (&lt; 0), or all (0).</summary>
    private static int RemoveFromModel(List<string> model, long limit, string value)
    {
        long max = limit == 0 ? long.MaxValue : Math.Abs(limit);
        int removed = 0;
        if (limit >= 0)
        {
            for (int i = 0; i < model.Count && removed < max;)
            {
                if (model[i] == value) { model.RemoveAt(i); removed++; }
                else i++;
            }
        }
        else
        {
            for (int i = model.Count - 1; i >= 0 && removed < max; i--)
            {
                if (model[i] == value) { model.RemoveAt(i); removed++; }
            }
        }
        return removed;
    }

    [Fact]
    public void The_digest_depends_on_order()
    {
        var ab = new ListValue();
        ab.Push(ListSide.Right, Of("a"));
        ab.Push(ListSide.Right, Of("b"));
        var ba = new ListValue();
        ba.Push(ListSide.Left, Of("a"));
        ba.Push(ListSide.Left, Of("b"));
        var h1 = new System.IO.Hashing.XxHash3();
        var h2 = new System.IO.Hashing.XxHash3();
        ab.AppendDigest(h1);
        ba.AppendDigest(h2);
        Assert.NotEqual(h1.GetCurrentHashAsUInt64(), h2.GetCurrentHashAsUInt64());
        Assert.Equal("list", ab.TypeName);
        Assert.Equal(2, ab.Count);
    }
}
