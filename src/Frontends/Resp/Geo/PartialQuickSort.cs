namespace HyperCache.Frontends.Resp.Geo;

/// <summary>
/// The partial sort Redis 7.0 orders GEO results with when COUNT keeps fewer than it found (its pqsort: Bentley and
/// McIlroy's three-way quicksort from "Engineering a Sort Function", which leaves alone the parts that cannot hold
/// the first <c>count</c> places). Not stable: members at exactly equal distances end up in the order this particular
/// algorithm leaves them in, so it is followed step for step (pivot choice, partitioning, the small-range insertion
/// sort), or the same COUNT query would name other members than Redis does.
/// </summary>
internal static class PartialQuickSort
{
    /// <summary>Sorts <paramref name="items"/> far enough that places 0 to <paramref name="last"/> hold what a full
    /// sort would put there, in the order Redis's pqsort gives.</summary>
    public static void Sort<T, TCompare>(T[] items, TCompare compare, int last) where TCompare : struct, IComparer<T>
        => Sort(items, 0, items.Length, compare, 0, last);

    // The comparer is a struct type parameter: each comparison is inlined rather than a delegate call.
    private static void Sort<T, TCompare>(T[] a, int start, int n, TCompare cmp, int low, int high) where TCompare : struct, IComparer<T>
    {
        while (true)
        {
            if (n < 7)
            {
                for (int m = start + 1; m < start + n; m++)
                    for (int l = m; l > start && cmp.Compare(a[l - 1], a[l]) > 0; l--) Swap(a, l, l - 1);
                return;
            }
            int pm = start + n / 2;
            if (n > 7)
            {
                int pl = start, pn = start + n - 1;
                if (n > 40)
                {
                    int d = n / 8;
                    pl = Median(a, pl, pl + d, pl + 2 * d, cmp);
                    pm = Median(a, pm - d, pm, pm + d, cmp);
                    pn = Median(a, pn - 2 * d, pn - d, pn, cmp);
                }
                pm = Median(a, pl, pm, pn, cmp);
            }
            Swap(a, start, pm); // the pivot waits at the front
            int pa = start + 1, pb = pa, pc = start + n - 1, pd = pc;
            while (true)
            {
                int c;
                while (pb <= pc && (c = cmp.Compare(a[pb], a[start])) <= 0)
                {
                    if (c == 0) Swap(a, pa++, pb); // equal to the pivot: gathered at the left end
                    pb++;
                }
                while (pb <= pc && (c = cmp.Compare(a[pc], a[start])) >= 0)
                {
                    if (c == 0) Swap(a, pc, pd--); // and at the right end
                    pc--;
                }
                if (pb > pc) break;
                Swap(a, pb++, pc--);
            }
            int end = start + n;
            int r = Math.Min(pa - start, pb - pa);
            SwapRuns(a, start, pb - r, r); // the equal ones into the middle
            r = Math.Min(pd - pc, end - pd - 1);
            SwapRuns(a, pb, end - r, r);
            if ((r = pb - pa) > 1 && Overlaps(start, start + r - 1, low, high)) Sort(a, start, r, cmp, low, high);
            if ((r = pd - pc) <= 1 || !Overlaps(end - r, end - 1, low, high)) return;
            start = end - r; // the right part: iterate rather than recurse
            n = r;
        }
    }

    private static bool Overlaps(int from, int to, int low, int high) => !((low < from && high < from) || (low > to && high > to));

    private static int Median<T, TCompare>(T[] a, int x, int y, int z, TCompare cmp) where TCompare : struct, IComparer<T> =>
        cmp.Compare(a[x], a[y]) < 0
            ? (cmp.Compare(a[y], a[z]) < 0 ? y : cmp.Compare(a[x], a[z]) < 0 ? z : x)
            : (cmp.Compare(a[y], a[z]) > 0 ? y : cmp.Compare(a[x], a[z]) < 0 ? x : z);

    private static void Swap<T>(T[] a, int i, int j) => (a[i], a[j]) = (a[j], a[i]);

    private static void SwapRuns<T>(T[] a, int i, int j, int count)
    {
        for (int k = 0; k < count; k++) Swap(a, i + k, j + k);
    }
}
