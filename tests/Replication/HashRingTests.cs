using HyperCache.Replication.Ring;

namespace HyperCache.Replication.Tests;

public class HashRingTests
{
    private const int Slots = 16384;

    [Fact]
    public void Every_slot_gets_distinct_nodes_and_load_is_roughly_even()
    {
        var ring = new HashRing(["a", "b", "c"]);
        var primaries = new Dictionary<string, int>();
        for (int slot = 0; slot < Slots; slot++)
        {
            var list = ring.PreferenceList(slot, 3);
            Assert.Equal(3, list.Distinct().Count());
            primaries[list[0]] = primaries.GetValueOrDefault(list[0]) + 1;
        }
        // 128 virtual nodes each: every node's share within ±25 % of a third.
        foreach (var (_, count) in primaries) Assert.InRange(count, Slots / 3 * 3 / 4, Slots / 3 * 5 / 4);
    }

    [Fact]
    public void When_a_node_leaves_only_its_slots_move_and_they_go_to_their_first_replica()
    {
        var before = new HashRing(["a", "b", "c", "d"]);
        var after = new HashRing(["a", "b", "d"]);
        for (int slot = 0; slot < Slots; slot++)
        {
            var was = before.PreferenceList(slot, 2);
            string now = after.PrimaryOf(slot)!;
            if (was[0] != "c") Assert.Equal(was[0], now);
            else Assert.Equal(was[1], now);
        }
    }

    [Fact]
    public void Membership_order_does_not_matter_and_small_rings_return_what_they_have()
    {
        var one = new HashRing(["x", "y"]);
        var two = new HashRing(["y", "x", "y"]);
        for (int slot = 0; slot < 100; slot++) Assert.Equal(one.PreferenceList(slot, 3), two.PreferenceList(slot, 3));
        Assert.Equal(2, one.PreferenceList(7, 3).Count);
        Assert.Empty(new HashRing([]).PreferenceList(7, 3));
    }
}
