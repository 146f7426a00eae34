using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// XINFO STREAM key FULL [COUNT n] with Redis 7.0.15's exact bytes in RESP2 and RESP3, times (Unix milliseconds)
/// aside. Passes against both targets; each consumer's "active-time" is Redis 7.2's, expected on HyperCache only (as
/// XINFO CONSUMERS answers 7.2's "inactive").
/// </summary>
[Collection(StreamsCollection.Name)]
public sealed partial class StreamInfoFullTests(NodeFixture node) : E2ETest(node)
{
    private const string Time = ":T\r\n";
    private const string StreamSyntax = "ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.";

    /// <summary>A reply with every Unix time in milliseconds written as "T".</summary>
    private string Timeless(params string[] args) => UnixMs().Replace(Cmd(args), Time);

    [GeneratedRegex(@":1\d{12}\r\n")]
    private static partial Regex UnixMs();

    private static string Entry(string id, params string[] fields) => Resp.Array(Resp.Bulk(id), Resp.BulkArray(fields));

    /// <summary>A map: RESP3's, or RESP2's flat array of its pairs.</summary>
    private static string Map(int protocol, params string[] pairs)
        => (protocol == 3 ? $"%{pairs.Length / 2}\r\n" : $"*{pairs.Length}\r\n") + string.Concat(pairs);

    private static string Full(int protocol, int length, string lastGenerated, int entriesAdded, string firstId, string entries, params string[] groups)
        => Map(protocol,
            Resp.Bulk("length"), Resp.Int(length),
            Resp.Bulk("radix-tree-keys"), Resp.Int(1),
            Resp.Bulk("radix-tree-nodes"), Resp.Int(2),
            Resp.Bulk("last-generated-id"), Resp.Bulk(lastGenerated),
            Resp.Bulk("max-deleted-entry-id"), Resp.Bulk("0-0"),
            Resp.Bulk("entries-added"), Resp.Int(entriesAdded),
            Resp.Bulk("recorded-first-entry-id"), Resp.Bulk(firstId),
            Resp.Bulk("entries"), entries,
            Resp.Bulk("groups"), Resp.Array(groups));

    private static string Group(int protocol, string name, string lastDelivered, string entriesRead, int pelCount, string pending, params string[] consumers)
        => Map(protocol,
            Resp.Bulk("name"), Resp.Bulk(name),
            Resp.Bulk("last-delivered-id"), Resp.Bulk(lastDelivered),
            Resp.Bulk("entries-read"), entriesRead,
            Resp.Bulk("lag"), Resp.Int(0),
            Resp.Bulk("pel-count"), Resp.Int(pelCount),
            Resp.Bulk("pending"), pending,
            Resp.Bulk("consumers"), Resp.Array(consumers));

    /// <summary>A consumer; on HyperCache with 7.2's active-time after seen-time (-1 when it never took entries).</summary>
    private string Consumer(int protocol, string name, int pelCount, bool active, params string[] pending)
    {
        string[] activeTime = Node.IsRedis ? [] : [Resp.Bulk("active-time"), active ? Time : Resp.Int(-1)];
        return Map(protocol, [Resp.Bulk("name"), Resp.Bulk(name), Resp.Bulk("seen-time"), Time, .. activeTime,
            Resp.Bulk("pel-count"), Resp.Int(pelCount), Resp.Bulk("pending"), Resp.Array(pending)]);
    }

    private static string GroupPending(string id, string consumer) => Resp.Array(Resp.Bulk(id), Resp.Bulk(consumer), Time, Resp.Int(1));

    private static string ConsumerPending(string id) => Resp.Array(Resp.Bulk(id), Time, Resp.Int(1));

    /// <summary>Entries 1-1..n-1, each with field f and value v{i}.</summary>
    private void Fill(string key, int n)
    {
        for (int i = 1; i <= n; i++) Expect(Resp.Bulk($"{i}-1"), "XADD", key, $"{i}-1", "f", "v" + i);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Full_reports_entries_groups_their_pel_and_consumers(int protocol)
    {
        if (protocol == 3) Cmd("HELLO", "3");
        Fill(K(), 3);
        Expect(Resp.Ok, "XGROUP", "CREATE", K(), "g", "0");
        Expect(Resp.Ok, "XGROUP", "CREATE", K(), "e", "$"); // entries-read unknown: nil
        Cmd("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", K(), ">");
        Cmd("XREADGROUP", "GROUP", "g", "bob", "STREAMS", K(), ">");
        Expect(Resp.Int(1), "XGROUP", "CREATECONSUMER", K(), "g", "carol");
        string nil = protocol == 3 ? "_\r\n" : Resp.Nil;
        string e = Group(protocol, "e", "3-1", nil, 0, Resp.EmptyArray);

        // Groups and consumers in name order; COUNT (default 10) bounds the entries and each pending list.
        Assert.Equal(Full(protocol, 3, "3-1", 3, "1-1", Resp.Array(Entry("1-1", "f", "v1"), Entry("2-1", "f", "v2"), Entry("3-1", "f", "v3")), e,
            Group(protocol, "g", "3-1", Resp.Int(3), 3,
                Resp.Array(GroupPending("1-1", "alice"), GroupPending("2-1", "alice"), GroupPending("3-1", "bob")),
                Consumer(protocol, "alice", 2, active: true, ConsumerPending("1-1"), ConsumerPending("2-1")),
                Consumer(protocol, "bob", 1, active: true, ConsumerPending("3-1")),
                Consumer(protocol, "carol", 0, active: false))),
            Timeless("XINFO", "STREAM", K(), "FULL"));
        Assert.Equal(Full(protocol, 3, "3-1", 3, "1-1", Resp.Array(Entry("1-1", "f", "v1")), e,
            Group(protocol, "g", "3-1", Resp.Int(3), 3, Resp.Array(GroupPending("1-1", "alice")),
                Consumer(protocol, "alice", 2, active: true, ConsumerPending("1-1")),
                Consumer(protocol, "bob", 1, active: true, ConsumerPending("3-1")),
                Consumer(protocol, "carol", 0, active: false))),
            Timeless("XINFO", "stream", K(), "full", "count", "1"));
    }

    [Fact]
    public void Full_without_groups_and_count_bounds()
    {
        Fill(K(), 12);
        var all = Enumerable.Range(1, 12).Select(i => Entry($"{i}-1", "f", "v" + i)).ToArray();
        string Expected(int entries) => Full(2, 12, "12-1", 12, "1-1", Resp.Array(all[..entries]));
        Expect(Expected(10), "XINFO", "STREAM", K(), "FULL");
        Expect(Expected(10), "XINFO", "STREAM", K(), "FULL", "COUNT", "-1"); // as Redis: negative is the default
        Expect(Expected(12), "XINFO", "STREAM", K(), "FULL", "COUNT", "0"); // 0: all
        Expect(Expected(11), "XINFO", "STREAM", K(), "FULL", "COUNT", "11");
        Expect(Resp.Int(12), "XTRIM", K(), "MAXLEN", "0");
        Expect(Map(2,
            Resp.Bulk("length"), Resp.Int(0),
            Resp.Bulk("radix-tree-keys"), Resp.Int(0),
            Resp.Bulk("radix-tree-nodes"), Resp.Int(1),
            Resp.Bulk("last-generated-id"), Resp.Bulk("12-1"),
            Resp.Bulk("max-deleted-entry-id"), Resp.Bulk("0-0"),
            Resp.Bulk("entries-added"), Resp.Int(12),
            Resp.Bulk("recorded-first-entry-id"), Resp.Bulk("0-0"),
            Resp.Bulk("entries"), Resp.EmptyArray,
            Resp.Bulk("groups"), Resp.EmptyArray), "XINFO", "STREAM", K(), "FULL");
    }

    [Fact]
    public void Full_errors_in_the_order_redis_checks_them()
    {
        // The key and its type first, then the options.
        Expect(Resp.Err("ERR no such key"), "XINFO", "STREAM", K("missing"), "FULL", "COUNT", "x");
        Expect(Resp.Ok, "SET", K("str"), "x");
        Expect(Resp.WrongType, "XINFO", "STREAM", K("str"), "FULL", "COUNT", "x");
        Fill(K(), 1);
        Expect(Resp.Err(StreamSyntax), "XINFO", "STREAM", K(), "FULL", "COUNT");
        Expect(Resp.Err(StreamSyntax), "XINFO", "STREAM", K(), "FULL", "COUNT", "1", "x");
        Expect(Resp.Err(StreamSyntax), "XINFO", "STREAM", K(), "COUNT", "1", "FULL");
        Expect(Resp.Err(StreamSyntax), "XINFO", "STREAM", K(), "FULL", "LIMIT", "1");
        Expect(Resp.NotInteger, "XINFO", "STREAM", K(), "FULL", "COUNT", "x");
        Expect(Resp.NotInteger, "XINFO", "STREAM", K(), "FULL", "COUNT", "99999999999999999999");
    }
}
