using System.Text;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>The pipeline's look-ahead hints read tables without the shard lock: while another thread grows,
/// shrinks, retypes (set, hash, sorted set) and deletes the very keys and members they point at, they must never fault.</summary>
public class PrefetchHintTests
{
    [Fact]
    public async Task Key_and_member_hints_survive_concurrent_changes_to_what_they_point_at()
    {
        var store = new Store(new StoreOptions { Shards = 4 }, null);
        var session = new Session();
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            var random = new Random(7);
            for (int i = 0; i < 200_000; i++)
            {
                var key = Of("k" + random.Next(4));
                var member = Of("m" + random.Next(3000));
                try
                {
                    switch (random.Next(7))
                    {
                        case 0: store.SetAdd(session, key, Keys.Of(Encoding.UTF8.GetString(member)), 0); break;
                        case 1: store.SetRemove(session, key, Keys.Of(Encoding.UTF8.GetString(member)), 0); break;
                        case 2: store.Delete(session, Keys.Of("k" + random.Next(4)), 0); break;
                        case 3:
                            double[] score = [random.Next(1000)];
                            store.SortedSetAdd(session, key, ZAddFlags.None, Keys.Of("s", Encoding.UTF8.GetString(member)), 0, score);
                            break;
                        default: store.HashSet(session, key, Keys.Of(Encoding.UTF8.GetString(member), "v"), 0); break;
                    }
                }
                catch (CommandError)
                {
                    // WRONGTYPE: the key holds the other type right now
                }
            }
            stop.Cancel();
        });
        long hints = 0;
        var probe = new Random(9);
        while (!stop.IsCancellationRequested && hints < 5_000_000)
        {
            var hint = store.HintKey(0, Of("k" + probe.Next(4)), Of("m" + probe.Next(3000)), sortedSet: (hints & 1) == 0);
            hint.Slot();
            hint.KeyAndValue();
            var element = hint.Element();
            element.Slot();
            element.Element();
            hints++;
        }
        await writer; // rethrows a writer failure
        Assert.True(hints > 0);
    }
}
