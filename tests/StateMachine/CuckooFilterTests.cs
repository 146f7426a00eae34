using HyperCache.StateMachine.Values;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>The CF.* filter algorithm on its own: RedisBloom's semantics, determinism, false-positive bound.</summary>
public class CuckooFilterTests
{
    private static ulong H(string item) => CuckooFilter.Hash(Of(item));

    private static CuckooFilter New(long capacity = 1024, int bucketSize = 2, int maxIterations = 20, int expansion = 1)
        => CuckooFilter.Create(capacity, bucketSize, maxIterations, expansion)!;

    private static byte[] Bytes(CuckooFilter f) => Enumerable.Range(0, f.FilterCount).SelectMany(i => f.FilterBytes(i).ToArray()).ToArray();

    [Fact]
    public void Sizes_follow_redisbloom_capacity_over_bucket_size_rounded_to_a_power_of_two()
    {
        var f = New(1000);
        Assert.Equal(512, f.NumBuckets);
        Assert.Equal(1080, f.SizeInBytes); // RedisBloom's CF.INFO Size for CF.RESERVE k 1000
        Assert.Equal(4, New(100, 2, 20, 3).Expansion);
        Assert.Equal(0, New(100, 2, 20, 0).Expansion);
        Assert.Null(CuckooFilter.Create(3, 2, 20, 1));
        Assert.Null(CuckooFilter.Create(1L << 40, 2, 20, 1));
        Assert.Null(CuckooFilter.Create(long.MaxValue, 1, 20, 1));
    }

    [Fact]
    public void Add_exists_count_delete()
    {
        var f = New();
        Assert.False(f.Contains(H("a")));
        Assert.Equal(CuckooInsertResult.Inserted, f.Insert(H("a"), unique: false));
        Assert.Equal(CuckooInsertResult.Inserted, f.Insert(H("a"), unique: false));
        Assert.Equal(CuckooInsertResult.Exists, f.Insert(H("a"), unique: true));
        Assert.True(f.Contains(H("a")));
        Assert.Equal(2, f.CountOf(H("a")));
        Assert.Equal(2, f.Items);

        Assert.True(f.Delete(H("a")));
        Assert.Equal(1, f.CountOf(H("a")));
        Assert.True(f.Delete(H("a")));
        Assert.False(f.Contains(H("a")));
        Assert.False(f.Delete(H("a")));
        Assert.Equal(0, f.Items);
        Assert.Equal(2, f.Deletes);
    }

    [Fact]
    public void Fingerprints_are_never_zero_and_come_from_other_bits_than_the_bucket_index()
    {
        for (ulong high = 0; high < 2000; high++)
        {
            ulong hash = (high << 32) | 12345; // same bucket index, different upper halves
            Assert.InRange(CuckooFilter.FingerprintOf(hash), 1, 255);
        }
        // Items landing in one bucket still get all kinds of fingerprints (the seed's filter gave them one).
        var fingerprints = Enumerable.Range(0, 2000).Select(i => CuckooFilter.FingerprintOf(((ulong)i << 32) | 7)).Distinct().Count();
        Assert.Equal(255, fingerprints);
    }

    [Fact]
    public void A_full_filter_without_expansion_refuses_and_is_left_exactly_as_it_was()
    {
        var f = New(capacity: 8, bucketSize: 2, maxIterations: 20, expansion: 0);
        var added = new List<string>();
        CuckooInsertResult result;
        int i = 0;
        while (true)
        {
            var before = Bytes(f);
            result = f.Insert(H("x" + i), unique: false);
            if (result == CuckooInsertResult.NoSpace)
            {
                Assert.Equal(before, Bytes(f));
                break;
            }
            added.Add("x" + i++);
        }
        Assert.Equal(1, f.FilterCount);
        Assert.Equal(added.Count, f.Items);
        Assert.InRange(added.Count, 4, 8);
        Assert.All(added, item => Assert.True(f.Contains(H(item))));
    }

    [Fact]
    public void Expansion_adds_bigger_sub_filters_and_keeps_every_item()
    {
        var f = New(capacity: 64, bucketSize: 2, maxIterations: 20, expansion: 2);
        for (int i = 0; i < 1000; i++) Assert.Equal(CuckooInsertResult.Inserted, f.Insert(H("e" + i), unique: false));
        Assert.True(f.FilterCount > 1);
        Assert.Equal(f.NumBuckets * 2 * 2, f.FilterBytes(1).Length); // second sub-filter: twice the buckets, 2 slots each
        for (int i = 0; i < 1000; i++) Assert.True(f.Contains(H("e" + i)));
    }

    [Fact]
    public void Growth_stops_at_the_size_cap_instead_of_overflowing()
    {
        // 64 KiB of slots; the next sub-filter (×32768) would be 2 GiB, over the cap.
        var f = New(capacity: 65536, bucketSize: 2, maxIterations: 5, expansion: 32768);
        // One item's two buckets hold four copies of it; a fifth can only be placed by growing.
        for (int i = 0; i < 4; i++) Assert.Equal(CuckooInsertResult.Inserted, f.Insert(H("same"), unique: false));
        Assert.Equal(CuckooInsertResult.NoSpace, f.Insert(H("same"), unique: false));
        Assert.Equal(1, f.FilterCount);
        Assert.Equal(4, f.CountOf(H("same")));
    }

    [Fact]
    public void Deleting_compacts_later_sub_filters_without_losing_items()
    {
        var f = New(capacity: 64, bucketSize: 2, maxIterations: 20, expansion: 1);
        for (int i = 0; i < 200; i++) f.Insert(H("c" + i), unique: false);
        int filters = f.FilterCount;
        Assert.True(filters > 2);
        for (int i = 0; i < 150; i++) Assert.True(f.Delete(H("c" + i)));
        Assert.True(f.FilterCount < filters);
        for (int i = 150; i < 200; i++) Assert.True(f.Contains(H("c" + i)));
        Assert.Equal(50, f.Items);
    }

    [Fact]
    public void The_same_operations_give_the_same_bytes_and_clones_are_independent()
    {
        CuckooFilter Run()
        {
            var f = New(capacity: 32, bucketSize: 3, maxIterations: 50, expansion: 2);
            var random = new Random(7);
            for (int i = 0; i < 2000; i++)
            {
                var item = "d" + random.Next(300);
                if (random.Next(4) == 0) f.Delete(H(item));
                else f.Insert(H(item), unique: random.Next(2) == 0);
            }
            return f;
        }
        var a = Run();
        var b = Run();
        Assert.Equal(Bytes(a), Bytes(b));
        Assert.Equal((a.Items, a.Deletes, a.FilterCount), (b.Items, b.Deletes, b.FilterCount));

        var clone = a.Clone();
        clone.Insert(H("only in the clone"), unique: false);
        Assert.NotEqual(Bytes(a), Bytes(clone));
        Assert.Equal(Bytes(a), Bytes(b));
    }

    /// <summary>
    /// Bound: a lookup compares the fingerprint with at most 2·b slots, each matching a foreign item with
    /// probability 1/255 (fingerprints are uniform over 1..255), so the rate is at most 2·b/255 per sub-filter:
    /// 1.57% for b = 2, 3.14% for b = 4 (RedisBloom documents the same 2/255 per slot).
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void False_positive_rate_on_100k_items_stays_within_2b_over_255(int bucketSize)
    {
        const int n = 100_000;
        var f = New(capacity: 2 * n, bucketSize: bucketSize, maxIterations: 500, expansion: 0);
        for (int i = 0; i < n; i++) Assert.Equal(CuckooInsertResult.Inserted, f.Insert(H("in:" + i), unique: false));
        Assert.Equal(1, f.FilterCount);
        for (int i = 0; i < n; i++) Assert.True(f.Contains(H("in:" + i)));
        int falsePositives = 0;
        for (int i = 0; i < n; i++)
            if (f.Contains(H("out:" + i))) falsePositives++;
        double rate = falsePositives / (double)n;
        Assert.True(rate <= 2.0 * bucketSize / 255, $"false-positive rate {rate:P3} above {2.0 * bucketSize / 255:P3}");
        Assert.True(rate > 0, "a filter with no false positives at all is not hashing as it claims");
    }
}
