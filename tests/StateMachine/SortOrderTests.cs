using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>SORT's numeric order: by number, equal numbers by the elements' bytes, both reversed by DESC (Redis's
/// sortCompare), whatever the sort underneath.</summary>
public sealed class SortOrderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Numbers_with_many_ties_sort_as_redis_compares_them(bool descending)
    {
        var store = new Store(new StoreOptions { Shards = 1 }, null);
        var session = new Session();
        var random = new Random(descending ? 2 : 1);
        // Few distinct numbers, written many ways ("1", "1.0", "01", "1e0", "-0", "0"): long runs of equal numbers.
        string[] forms = ["{0}", "{0}.0", "0{0}", "{0}e0", "{0}.00"];
        var elements = new List<string>();
        for (int i = 0; i < 3000; i++)
        {
            int n = random.Next(-20, 20);
            elements.Add(n == 0 && random.Next(2) == 0 ? "-0" : string.Format(forms[random.Next(forms.Length)], n).Replace("0-", "-0"));
        }
        store.ListPush(session, Of("l"), Keys.Of([.. elements]), 0, Values.ListSide.Right, onlyIfExists: false);
        var sorted = store.Sort(session, Of("l"), new SortOptions { Descending = descending }).Select(e => Text(e!)).ToList();

        int Compare(string a, string b)
        {
            double x = double.Parse(a, System.Globalization.CultureInfo.InvariantCulture), y = double.Parse(b, System.Globalization.CultureInfo.InvariantCulture);
            int cmp = x != y ? x.CompareTo(y) : Of(a).AsSpan().SequenceCompareTo(Of(b));
            return descending ? -cmp : cmp;
        }
        var expected = elements.ToList();
        expected.Sort(Compare);
        Assert.Equal(expected, sorted);
    }
}
