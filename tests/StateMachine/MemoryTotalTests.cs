using HyperCache.StateMachine.Values;

namespace HyperCache.StateMachine.Tests;

public class MemoryTotalTests
{
    [Fact]
    public void The_total_stays_within_one_step_per_shard_of_the_accounts_sum()
    {
        var total = new MemoryTotal();
        var shards = Enumerable.Range(0, 8).Select(_ => new ShardMemory(total)).ToArray();
        var accounts = shards.SelectMany(s => Enumerable.Range(0, 3).Select(_ => new MemoryAccount(s))).ToArray();
        var random = new Random(7);
        long largestGap = 0;
        for (int i = 0; i < 200_000; i++)
        {
            var account = accounts[random.Next(accounts.Length)];
            long delta = random.Next(4) == 0 ? -Math.Min(account.Bytes, random.Next(40_000)) : random.Next(20_000);
            account.Add(delta);
            long sum = accounts.Sum(a => a.Bytes);
            largestGap = Math.Max(largestGap, Math.Abs(sum - total.Bytes));
            Assert.True(Math.Abs(sum - total.Bytes) < shards.Length * MemoryTotal.Step, $"step {i}: sum {sum}, total {total.Bytes}");
        }
        Assert.True(largestGap > MemoryTotal.Step, "the run held back more than one step in all, so the bound was tested");
        for (int s = 0; s < shards.Length; s++)
            Assert.Equal(accounts.Skip(3 * s).Take(3).Sum(a => a.Bytes), shards[s].Bytes); // each shard's own sum is exact
    }

    [Fact]
    public void A_store_counts_writes_and_deletes_into_its_total()
    {
        var store = new Store(new StoreOptions { Shards = 4 }, null);
        var session = new Session();
        var value = new byte[1000];
        for (int i = 0; i < 2000; i++) store.Set(session, System.Text.Encoding.ASCII.GetBytes("k" + i), value, SetCondition.Always, 0, false, out _);
        long used = store.UsedMemory;
        Assert.True(used > 2000 * 1000);
        Assert.InRange(store.ApproximateUsedMemory, used - 4 * MemoryTotal.Step + 1, used + 4 * MemoryTotal.Step - 1);
        Assert.Equal(store.MemoryByDatabase().Sum(d => d.Bytes), used); // the shards' running sums agree with the databases
        store.FlushAll(session);
        Assert.InRange(store.ApproximateUsedMemory, store.UsedMemory - 4 * MemoryTotal.Step + 1, store.UsedMemory + 4 * MemoryTotal.Step - 1);
    }
}
