using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>redis-benchmark's ZADD shape at the store: score updates of existing members allocate nothing.</summary>
public class SortedSetAllocationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Zadd_of_an_existing_member_allocates_nothing_in_steady_state()
    {
        using var logged = new LoggedStore(new ManualClock(T0));
        var store = logged.Store;
        var session = new Session();
        byte[] key = Of("myzset");
        var members = new Keys[500];
        for (int i = 0; i < members.Length; i++)
        {
            members[i] = Keys.Of("s", $"element:{i:D12}");
            store.SortedSetAdd(session, key, ZAddFlags.None, members[i], 0, [i]);
        }
        var random = new Random(7);
        var score = new double[1];
        void Round()
        {
            // Moves to a random place, same-score no-ops and small in-place changes.
            for (int i = 0; i < 2000; i++)
            {
                var member = members[random.Next(members.Length)];
                score[0] = random.Next(3) switch { 0 => random.Next(1000), 1 => store.SortedSetScore(session, key, member[1])!.Value, _ => store.SortedSetScore(session, key, member[1])!.Value + 1e-9 };
                if (store.SortedSetAdd(session, key, ZAddFlags.None, member, 0, score).Count != 0) throw new InvalidOperationException("added a member it had");
            }
        }
        Assert.Equal(0, SteadyState.Allocated(Round));
        Assert.Equal(members.Length, store.SortedSetCard(session, key));
    }
}
