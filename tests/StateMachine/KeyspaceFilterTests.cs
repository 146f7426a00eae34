using CsCheck;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>The per-shard keyspace filter never answers "absent" for a key the store holds.</summary>
public class KeyspaceFilterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private const int Dbs = 3, KeySpace = 400;

    private readonly record struct Op(int Kind, int Key, int Other, int Db, int Amount);

    private static readonly Gen<Op> OpGen =
        Gen.Select(Gen.Int[0, 11], Gen.Int[0, KeySpace - 1], Gen.Int[0, KeySpace - 1], Gen.Int[0, Dbs - 1], Gen.Int[0, 300],
            (kind, key, other, db, amount) => new Op(kind, key, other, db, amount));

    private static byte[] K(int i) => Of("key:" + i);

    /// <summary>Set, overwrite, delete, expire (lazily and actively), rename, copy, flush and swap in random
    /// order, on one shard so the filter fills and has to grow; after every step, every live key must be a maybe.</summary>
    [Fact]
    public void No_false_negatives_across_random_histories()
    {
        OpGen.Array[1, 300].Sample(ops =>
        {
            var clock = new ManualClock(T0);
            var store = new Store(new StoreOptions { Shards = 1, Databases = Dbs, Time = clock, KeyspaceFilter = true }, null);
            var s = new Session();
            foreach (var op in ops)
            {
                Run(store, s, clock, op);
                AssertNoFalseNegatives(store, s);
            }
        }, iter: 60);
    }

    private static void Run(Store store, Session s, ManualClock clock, Op op)
    {
        s.Db = op.Db;
        long now = clock.Now.ToUnixTimeMilliseconds();
        switch (op.Kind)
        {
            case 0: case 1: store.Set(s, K(op.Key), Of("v" + op.Amount), SetCondition.Always, 0, false, out _); break;
            case 2: store.Set(s, K(op.Key), Of("ttl"), SetCondition.Always, now + op.Amount + 1, false, out _); break;
            case 3: // a burst of fresh keys, so the filter has to grow
                for (int i = 0; i < op.Amount; i++) store.Set(s, K((op.Key + i) % KeySpace), Of("b"), SetCondition.Always, 0, false, out _);
                break;
            case 4: store.Delete(s, Keys.Of("key:" + op.Key, "key:" + op.Other), 0); break;
            case 5: store.Expire(s, K(op.Key), now + op.Amount, ExpireCondition.None); break;
            case 6: store.Rename(s, K(op.Key), K(op.Other), onlyIfAbsent: false); break;
            case 7: store.Copy(s, K(op.Key), K(op.Other), (op.Db + 1) % Dbs, replace: true); break;
            case 8: clock.Advance(TimeSpan.FromMilliseconds(op.Amount)); store.ExpireCycle(); break;
            case 9: if (op.Amount < 20) store.FlushDb(s, op.Db); break;
            case 10: if (op.Amount < 20) store.SwapDb(s, op.Db, (op.Db + 1) % Dbs); break;
            case 11: if (op.Amount < 5) store.FlushAll(s); else store.GetDelete(s, K(op.Key)); break;
        }
    }

    private static void AssertNoFalseNegatives(Store store, Session s)
    {
        int saved = s.Db;
        for (int db = 0; db < Dbs; db++)
        {
            s.Db = db;
            for (int i = 0; i < KeySpace; i++)
            {
                if (store.ExpiryOf(s, K(i)) != -2 && !store.MightContain(db, K(i)))
                    throw new Xunit.Sdk.XunitException($"db {db} key:{i} is present but the keyspace filter says absent");
            }
        }
        s.Db = saved;
    }

    [Fact]
    public void Absent_keys_are_mostly_known_absent_after_growth_and_deletes()
    {
        var store = new Store(new StoreOptions { Shards = 2, Databases = 2, KeyspaceFilter = true }, null);
        var s = new Session();
        for (int i = 0; i < 50_000; i++) store.Set(s, Of("k" + i), Of("v"), SetCondition.Always, 0, false, out _);
        for (int i = 0; i < 50_000; i += 2) store.Delete(s, Keys.Of("k" + i), 0);
        for (int i = 1; i < 50_000; i += 2) Assert.True(store.MightContain(0, Of("k" + i)));
        int maybes = 0;
        for (int i = 0; i < 50_000; i += 2) if (store.MightContain(0, Of("k" + i))) maybes++;
        for (int i = 0; i < 25_000; i++) if (store.MightContain(1, Of("k" + i))) maybes++; // other db: never set there
        Assert.True(maybes < 50, $"{maybes} of 50000 absent keys answered maybe (bound 2·4/2^16 ≈ 0.012%, ~6 expected)");
    }

    [Fact]
    public void Switched_off_it_always_answers_maybe()
    {
        var store = new Store(new StoreOptions { Shards = 2, KeyspaceFilter = false }, null);
        Assert.True(store.MightContain(0, Of("never")));
    }

    [Fact]
    public void Flush_and_swap_keep_it_exact()
    {
        var store = new Store(new StoreOptions { Shards = 1, Databases = 3, KeyspaceFilter = true }, null);
        var s = new Session();
        store.Set(s, Of("a"), Of("1"), SetCondition.Always, 0, false, out _);
        s.Db = 1;
        store.Set(s, Of("b"), Of("1"), SetCondition.Always, 0, false, out _);
        store.SwapDb(s, 0, 1);
        Assert.True(store.MightContain(1, Of("a")));
        Assert.True(store.MightContain(0, Of("b")));
        Assert.False(store.MightContain(0, Of("a")));
        store.FlushDb(s, 1);
        Assert.False(store.MightContain(1, Of("a")));
        Assert.True(store.MightContain(0, Of("b")));
        store.FlushAll(s);
        Assert.False(store.MightContain(0, Of("b")));
    }
}
