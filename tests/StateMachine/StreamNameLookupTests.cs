using HyperCache.StateMachine.Values;
using static HyperCache.StateMachine.Tests.Bytes;

namespace HyperCache.StateMachine.Tests;

/// <summary>A stream's groups and a group's consumers (<see cref="NameMap{T}"/>): looked up by a span without
/// allocating (XREADGROUP, XACK, XCLAIM look both up on every call), listed in byte order of their names as Redis's
/// rax lists them (XINFO GROUPS and CONSUMERS, snapshots, the digest), through adds and removals.</summary>
public class StreamNameLookupTests
{
    // Byte order: "" < "a" < "ab" < "b" < "\x7f" < "\x80" < "\xff" (unsigned bytes, a prefix first).
    private static readonly byte[][] Names = [[], [0xff], Of("b"), Of("ab"), [0x80], Of("a"), [0x7f], Of("consumer-1"), Of("consumer-10"), Of("consumer-2")];

    private static IEnumerable<string> Sorted(IEnumerable<byte[]> names)
        => names.Order(Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y))).Select(Convert.ToHexString);

    [Fact]
    public void Looking_up_a_group_or_a_consumer_allocates_nothing()
    {
        var stream = new StreamValue();
        foreach (var name in Names) Assert.True(stream.CreateGroup(name, StreamId.Zero, 0));
        var group = stream.Group(Of("b"))!;
        foreach (var name in Names) group.GetOrAddConsumer(name, 1, out _);
        // the names as a command brings them: slices of one buffer, not the stored arrays
        var buffer = Names.SelectMany(n => n).Concat(Of("missing")).ToArray();
        var found = 0;

        long allocated = SteadyState.Allocated(() =>
        {
            for (int round = 0; round < 100; round++)
            {
                ReadOnlySpan<byte> rest = buffer;
                foreach (var name in Names)
                {
                    var span = rest[..name.Length];
                    rest = rest[name.Length..];
                    if (stream.Group(span) is { } g && g.Name.AsSpan().SequenceEqual(span)) found++;
                    if (group.Consumer(span) is { } c && c.Name.AsSpan().SequenceEqual(span)) found++;
                    group.GetOrAddConsumer(span, 2, out bool created); // an existing consumer: no copy of its name
                    Assert.False(created);
                }
                if (stream.Group(rest) is null && group.Consumer(rest) is null) found++; // "missing"
            }
        });

        Assert.Equal(0, allocated);
        Assert.True(found > 0 && found % (2 * Names.Length + 1) == 0);
        Assert.Equal(1, group.Consumer(Of("ab"))!.SeenTime); // found, not replaced
    }

    [Fact]
    public void Groups_and_consumers_stay_in_byte_order_through_adds_and_removals()
    {
        var stream = new StreamValue();
        var live = new List<byte[]>();
        foreach (var name in Names)
        {
            Assert.True(stream.CreateGroup(name, StreamId.Zero, 0));
            live.Add(name);
            Assert.Equal(Sorted(live), stream.Groups.Select(g => Convert.ToHexString(g.Name)));
        }
        Assert.False(stream.CreateGroup(Of("ab"), StreamId.Zero, 0)); // taken
        Assert.Equal(Names.Length, stream.GroupCount);

        var group = stream.Group([])!;
        foreach (var name in Names.Reverse())
        {
            group.GetOrAddConsumer(name, 7, out bool created);
            Assert.True(created);
        }
        Assert.Equal(Sorted(Names), group.Consumers.Values.Select(c => Convert.ToHexString(c.Name)));

        foreach (var name in new[] { Of("ab"), [], [0xff], Of("nope") })
        {
            bool was = live.RemoveAll(n => n.AsSpan().SequenceEqual(name)) > 0;
            Assert.Equal(was, stream.DestroyGroup(name));
            Assert.Equal(was ? 0 : -1, group.DeleteConsumer(name));
            Assert.Null(stream.Group(name));
            Assert.Null(group.Consumer(name));
            Assert.Equal(Sorted(live), stream.Groups.Select(g => Convert.ToHexString(g.Name)));
        }
        Assert.Equal(Sorted(live), group.Consumers.Values.Select(c => Convert.ToHexString(c.Name))); // the same names went
        var copy = (StreamValue)stream.Clone();
        Assert.Equal(Sorted(live), copy.Groups.Select(g => Convert.ToHexString(g.Name)));

        // many, added in a scrambled order and half removed: still sorted, all found
        var many = Enumerable.Range(0, 2000).Select(i => Of($"c{(i * 7919) % 2000}")).ToList();
        var big = stream.Group(Of("b"))!;
        foreach (var name in many) big.GetOrAddConsumer(name, 1, out _);
        foreach (var name in many.Where((_, i) => i % 2 == 0)) Assert.Equal(0, big.DeleteConsumer(name));
        var kept = many.Where((_, i) => i % 2 == 1).ToList();
        Assert.Equal(Sorted(kept), big.Consumers.Values.Select(c => Convert.ToHexString(c.Name)));
        Assert.All(kept, name => Assert.NotNull(big.Consumer(name)));
    }
}
