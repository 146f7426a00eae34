using HyperCache.StateMachine.Keyspace;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>
/// Eviction at store level, driven as the RESP dispatcher drives it (MakeRoom before each write), with a clock the
/// test moves: the limit holds within the documented margin, and each policy evicts what it says.
/// </summary>
public class EvictionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private const long Limit = 1 << 20;

    private sealed class Harness
    {
        public readonly ManualClock Clock = new(T0);
        public readonly Store Store;
        public readonly Session Session = new();
        public long Peak;

        public Harness(EvictionPolicy policy, long limit = Limit, Func<MemorySettings, MemorySettings>? tweak = null)
        {
            Store = new Store(new StoreOptions { Shards = 8, Time = Clock }, null);
            var settings = new MemorySettings { MaxMemory = limit, Policy = policy };
            Store.ConfigureMemory(tweak?.Invoke(settings) ?? settings);
        }

        /// <summary>A SET as a client sends it: room is made first; false when refused (OOM).</summary>
        public bool Write(string key, int valueBytes = 200, long ttlMs = 0)
        {
            if (!Store.MakeRoom()) return false;
            long expireAt = ttlMs == 0 ? 0 : Clock.Now.ToUnixTimeMilliseconds() + ttlMs;
            Store.Set(Session, Of(key), new byte[valueBytes], SetCondition.Always, expireAt, false, out _);
            Peak = Math.Max(Peak, Store.UsedMemory);
            return true;
        }

        public bool Read(string key) => Store.GetString(Session, Of(key)) != null;
        public bool Exists(string key) => Store.CountExisting(Session, new Keys(Of(key)), 0, touch: false) == 1;

        public void Tick(int ms = 10)
        {
            Clock.Advance(TimeSpan.FromMilliseconds(ms));
            Store.TickAccessClock();
        }
    }

    /// <summary>The documented margin: one write's own bytes plus, when it adds a key to a full key table, that
    /// shard's table doubling (52 bytes a slot). 5 % of a 1 MB limit covers both here.</summary>
    private const long Margin = Limit / 20;

    public static TheoryData<EvictionPolicy> EvictingPolicies =>
    [
        EvictionPolicy.AllKeysLru, EvictionPolicy.VolatileLru, EvictionPolicy.AllKeysLfu, EvictionPolicy.VolatileLfu,
        EvictionPolicy.AllKeysRandom, EvictionPolicy.VolatileRandom, EvictionPolicy.VolatileTtl, EvictionPolicy.Session,
        EvictionPolicy.AllKeysSieve, EvictionPolicy.AllKeysS3Fifo,
    ];

    [Theory]
    [MemberData(nameof(EvictingPolicies))]
    public void A_write_heavy_run_stays_within_the_margin_and_volatile_policies_keep_persistent_keys(EvictionPolicy policy)
    {
        var h = new Harness(policy);
        for (int i = 0; i < 300; i++) Assert.True(h.Write("persistent:" + i));
        for (int i = 0; i < 20_000; i++)
        {
            if (i % 100 == 0) h.Tick();
            Assert.True(h.Write("k:" + i, 200, ttlMs: 3_600_000 + i), $"write {i} refused at {h.Store.UsedMemory} bytes");
            Assert.True(h.Store.UsedMemory <= Limit + Margin, $"used {h.Store.UsedMemory} after write {i}");
        }
        Assert.True(h.Store.EvictedKeys > 10_000);
        Assert.True(h.Peak <= Limit + Margin);
        int persistent = Enumerable.Range(0, 300).Count(i => h.Exists("persistent:" + i));
        if (policy.VolatileOnly()) Assert.Equal(300, persistent);     // keys without a TTL are never evicted
    }

    [Fact]
    public void Noeviction_refuses_writes_over_the_limit_and_evicts_nothing()
    {
        var h = new Harness(EvictionPolicy.NoEviction, limit: 200_000);
        int written = 0;
        while (h.Write("k:" + written)) written++;
        Assert.InRange(written, 100, 2000);
        Assert.True(h.Store.UsedMemory > 200_000);
        Assert.Equal(0, h.Store.EvictedKeys);
        Assert.Equal(written, Enumerable.Range(0, written).Count(i => h.Exists("k:" + i)));
    }

    [Fact]
    public void Volatile_policy_with_nothing_volatile_refuses_like_noeviction()
    {
        var h = new Harness(EvictionPolicy.VolatileLru, limit: 200_000);
        int written = 0;
        while (h.Write("k:" + written) && written < 10_000) written++;
        Assert.True(written < 10_000);
        Assert.Equal(0, h.Store.EvictedKeys);
    }

    [Fact]
    public void Volatile_ttl_evicts_the_soonest_expiring_first()
    {
        var h = new Harness(EvictionPolicy.VolatileTtl, limit: 10 * Limit);
        var ttls = Enumerable.Range(0, 6000).Select(i => 60_000L + i * 1000).OrderBy(_ => Random.Shared.Next()).ToArray();
        foreach (var ttl in ttls) Assert.True(h.Write("t:" + ttl, 200, ttl));
        // Lower the limit under the data (CONFIG SET maxmemory) and let the next write make room (with no time
        // limit: what is measured is the order).
        h.Store.ConfigureMemory(h.Store.Memory with { MaxMemory = Limit, EvictionTenacity = 100 });
        Assert.True(h.Store.MakeRoom());
        var evicted = ttls.Where(t => !h.Exists("t:" + t)).ToArray();
        Assert.True(evicted.Length > 1000, $"{evicted.Length} evicted");
        // Sampling is approximate (as Redis's): nearly every evicted key is among the soonest-expiring ones.
        long cut = 60_000L + (long)(evicted.Length * 1.25) * 1000;
        double soonest = evicted.Count(t => t < cut) / (double)evicted.Length;
        Assert.True(soonest >= 0.95, $"{soonest:P1} of evicted keys among the soonest {evicted.Length * 1.25:F0}");
    }

    [Theory]
    [InlineData(EvictionPolicy.AllKeysLru)]
    [InlineData(EvictionPolicy.AllKeysLfu)]
    [InlineData(EvictionPolicy.AllKeysSieve)]
    [InlineData(EvictionPolicy.AllKeysS3Fifo)]
    [InlineData(EvictionPolicy.Session)]
    public void A_re_read_hot_set_survives_a_flood_of_new_keys(EvictionPolicy policy)
    {
        var h = new Harness(policy);
        for (int i = 0; i < 300; i++) Assert.True(h.Write("hot:" + i));
        for (int round = 0; round < 200; round++)
        {
            h.Tick();
            for (int i = 0; i < 300; i++) h.Read("hot:" + i);
            for (int i = 0; i < 100; i++) Assert.True(h.Write($"cold:{round}:{i}"));
        }
        Assert.True(h.Store.EvictedKeys > 10_000);
        int hot = Enumerable.Range(0, 300).Count(i => h.Exists("hot:" + i));
        Assert.True(hot >= 294, $"{hot} of 300 hot keys left");
    }

    [Fact]
    public void Lfu_keeps_frequently_read_keys_even_when_they_were_not_read_lately()
    {
        var h = new Harness(EvictionPolicy.AllKeysLfu);
        for (int i = 0; i < 300; i++) Assert.True(h.Write("frequent:" + i));
        for (int n = 0; n < 100; n++)
            for (int i = 0; i < 300; i++) h.Read("frequent:" + i);
        // Then a flood of keys read once each, more recent than any frequent key's last read.
        for (int i = 0; i < 15_000; i++)
        {
            Assert.True(h.Write("once:" + i));
            h.Read("once:" + i);
        }
        int kept = Enumerable.Range(0, 300).Count(i => h.Exists("frequent:" + i));
        Assert.True(kept >= 290, $"{kept} of 300 frequent keys left");
        var frequency = h.Store.Frequency(h.Session, Of("frequent:0"));
        Assert.True(frequency > AccessBits.LfuInitial, $"counter {frequency}");
    }

    [Fact]
    public void Lfu_counter_decays_one_per_idle_minute()
    {
        int access = AccessBits.New(0);
        for (int i = 0; i < 1000; i++) access = AccessBits.Touch(access, 0, 0.0); // always increments
        Assert.Equal(255, AccessBits.Counter(access, 0));
        Assert.Equal(250, AccessBits.Counter(access, 5 * 60 * AccessClock.Hz));
        Assert.Equal(0, AccessBits.Counter(access, 300 * 60 * AccessClock.Hz));
        // Logarithmic: with real random numbers a hundred accesses get nowhere near 255.
        int real = AccessBits.New(0);
        for (int i = 0; i < 100; i++) real = AccessBits.Touch(real, 0, Random.Shared.NextDouble());
        Assert.InRange(AccessBits.Counter(real, 0), 6, 40);
    }

    [Fact]
    public void Session_policy_evicts_idle_and_old_sessions_before_active_ones()
    {
        var h = new Harness(EvictionPolicy.Session, tweak: s => s with { SessionIdleTimeout = TimeSpan.FromMinutes(30), SessionTtl = TimeSpan.FromHours(24) });
        for (int i = 0; i < 1500; i++) Assert.True(h.Write("idle:" + i));
        h.Tick(31 * 60 * 1000); // 31 minutes: every key so far is an idle session
        for (int i = 0; i < 1500; i++) Assert.True(h.Write("active:" + i));
        // Active sessions keep being used, but less recently than fresh keys arrive; only the idle ones should go.
        for (int i = 0; i < 2000; i++)
        {
            if (i % 200 == 0) { h.Tick(1000); for (int j = 0; j < 1500; j++) h.Read("active:" + j); }
            Assert.True(h.Write("new:" + i));
        }
        Assert.True(h.Store.EvictedKeys > 1000);
        int idleLeft = Enumerable.Range(0, 1500).Count(i => h.Exists("idle:" + i));
        int activeLeft = Enumerable.Range(0, 1500).Count(i => h.Exists("active:" + i));
        Assert.True(activeLeft >= 1480, $"{activeLeft} active sessions left, {idleLeft} idle");
        Assert.True(idleLeft < 1500 - 900, $"{idleLeft} idle sessions left");
    }

    /// <summary>A limit lowered far under the data: a write evicts for at most the tenacity's time and runs (as
    /// Redis's performEvictions returning EVICT_RUNNING), and the writes after it work the rest off.</summary>
    [Fact]
    public void A_write_under_a_limit_far_below_the_data_evicts_for_a_bounded_time_and_runs()
    {
        var h = new Harness(EvictionPolicy.AllKeysLru, limit: 0);
        for (int i = 0; i < 60_000; i++) Assert.True(h.Write("k:" + i));
        long before = h.Store.UsedMemory, limit = before / 2; // above the key tables' own arrays (they never shrink)
        h.Store.ConfigureMemory(h.Store.Memory with { MaxMemory = limit });
        // ~30 k keys must go; 500 µs evicts a few thousand at most.
        Assert.True(h.Store.MakeRoom());
        Assert.InRange(h.Store.EvictedKeys, 1, 20_000);
        Assert.True(h.Store.UsedMemory > limit, $"used {h.Store.UsedMemory} of {before} after one write");
        int writes = 1;
        while (h.Store.UsedMemory > limit && writes < 10_000)
        {
            Assert.True(h.Write("new:" + writes), $"write {writes} refused at {h.Store.UsedMemory} bytes");
            writes++;
        }
        Assert.True(h.Store.UsedMemory <= limit + Margin, $"used {h.Store.UsedMemory} after {writes} writes");
    }

    [Fact]
    public void Tenacity_100_evicts_until_under_the_limit_in_one_write_and_0_only_16_keys()
    {
        var h = new Harness(EvictionPolicy.AllKeysLru, limit: 0);
        for (int i = 0; i < 20_000; i++) Assert.True(h.Write("k:" + i));
        long limit = h.Store.UsedMemory / 2;
        h.Store.ConfigureMemory(h.Store.Memory with { MaxMemory = limit, EvictionTenacity = 0 });
        Assert.True(h.Store.MakeRoom());
        Assert.Equal(16, h.Store.EvictedKeys);
        h.Store.ConfigureMemory(h.Store.Memory with { EvictionTenacity = 100 });
        Assert.True(h.Store.MakeRoom());
        Assert.True(h.Store.UsedMemory <= limit);
        Assert.True(h.Store.EvictedKeys > 5000);
    }

    /// <summary>A limit under what the key tables' arrays alone took at their fullest: the tables shrink as eviction
    /// thins them out, so the cache ends under the limit with keys in it. Before, the arrays never shrank: every
    /// key was evicted and every write still refused (OOM) until FLUSHALL.</summary>
    [Fact]
    public void A_limit_under_the_tables_old_size_is_reached_with_keys_left()
    {
        var h = new Harness(EvictionPolicy.AllKeysLru, limit: 0);
        for (int i = 0; i < 60_000; i++) Assert.True(h.Write("k:" + i));
        long tables = TableBytes(h.Store);
        Assert.True(tables > Limit, $"{tables} bytes of tables");
        h.Store.ConfigureMemory(h.Store.Memory with { MaxMemory = Limit, EvictionTenacity = 100 });
        Assert.True(h.Store.MakeRoom());
        Assert.True(h.Store.UsedMemory <= Limit, $"used {h.Store.UsedMemory}");
        long left = h.Store.MemoryByDatabase().Sum(d => d.Keys);
        Assert.InRange(left, 1000, 6000);
        Assert.True(TableBytes(h.Store) * 4 < tables, $"{TableBytes(h.Store)} bytes of tables for {left} keys, {h.Store.UsedMemory} used");
        for (int i = 0; i < 5000; i++) Assert.True(h.Write("new:" + i), $"write {i} refused at {h.Store.UsedMemory} bytes");
        Assert.True(h.Store.UsedMemory <= Limit + Margin);
    }

    private static long TableBytes(Store store) => store.MemoryByDatabase().Sum(d => d.TableBytes);

    [Theory]
    [InlineData(0, 0L)]
    [InlineData(5, 250L)]
    [InlineData(10, 500L)]
    [InlineData(11, 575L)]
    [InlineData(50, 133_931L)]
    [InlineData(100, long.MaxValue)]
    public void The_eviction_time_limit_follows_redis_s_tenacity_curve(int tenacity, long microseconds)
        => Assert.Equal(microseconds, new MemorySettings { EvictionTenacity = tenacity }.EvictionTimeLimitUs);

    [Fact]
    public void Evictions_are_logged_as_deletes_so_a_replay_has_the_same_keys()
    {
        var clock = new ManualClock(T0);
        using var logged = new LoggedStore(clock);
        var store = logged.Store;
        store.ConfigureMemory(new MemorySettings { MaxMemory = 300_000, Policy = EvictionPolicy.AllKeysLru });
        var session = new Session();
        for (int i = 0; i < 5000; i++)
        {
            Assert.True(store.MakeRoom());
            store.Set(session, Of("k" + i), new byte[100], SetCondition.Always, 0, false, out _);
        }
        Assert.True(store.EvictedKeys > 1000);
        var replayed = logged.Replay();
        Assert.Equal(store.Digest(), replayed.Digest());
    }

}
