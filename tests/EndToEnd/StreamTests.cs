using System.Diagnostics;
using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// Streams: XADD, XLEN, XRANGE, XREVRANGE, XDEL, XTRIM, XSETID, XREAD (BLOCK too), XINFO STREAM, with Redis 7.0.15's exact
/// replies and errors (the suite passes against both targets). Explicit IDs keep the replies exact; "*" IDs are
/// checked by their shape and order.
/// </summary>
[Collection(StreamsCollection.Name)]
public sealed partial class StreamTests(NodeFixture node) : E2ETest(node)
{
    private const string NullArray = "*-1\r\n";
    private const string InvalidId = "ERR Invalid stream ID specified as stream command argument";
    private const string TooSmall = "ERR The ID specified in XADD is equal or smaller than the target stream top item";
    private const string Max = "18446744073709551615";

    /// <summary>[id, [field, value...]] as Redis writes one entry.</summary>
    private static string Entry(string id, params string[] fields) => Resp.Array(Resp.Bulk(id), Resp.BulkArray(fields));

    /// <summary>XINFO STREAM's basic reply, field by field in Redis 7.0's order (no consumer groups here).</summary>
    private static string XinfoStream(int length, int radixKeys, int radixNodes, string lastGenerated, string maxDeleted,
        int entriesAdded, string recordedFirst, string firstEntry, string lastEntry) => Resp.Array(
        Resp.Bulk("length"), Resp.Int(length),
        Resp.Bulk("radix-tree-keys"), Resp.Int(radixKeys),
        Resp.Bulk("radix-tree-nodes"), Resp.Int(radixNodes),
        Resp.Bulk("last-generated-id"), Resp.Bulk(lastGenerated),
        Resp.Bulk("max-deleted-entry-id"), Resp.Bulk(maxDeleted),
        Resp.Bulk("entries-added"), Resp.Int(entriesAdded),
        Resp.Bulk("recorded-first-entry-id"), Resp.Bulk(recordedFirst),
        Resp.Bulk("groups"), Resp.Int(0),
        Resp.Bulk("first-entry"), firstEntry,
        Resp.Bulk("last-entry"), lastEntry);

    /// <summary>Entries 1-1..n-1, each with field f and value v{i}.</summary>
    private void Fill(string key, int n)
    {
        for (int i = 1; i <= n; i++) Expect(Resp.Bulk($"{i}-1"), "XADD", key, $"{i}-1", "f", "v" + i);
    }

    private string Entries(params int[] numbers) => Resp.Array(numbers.Select(i => Entry($"{i}-1", "f", "v" + i)).ToArray());

    [Fact]
    public void Xadd_with_explicit_ids_and_the_id_errors()
    {
        Expect(Resp.Bulk("5-5"), "XADD", K(), "5-5", "a", "1");
        Expect(Resp.Err(TooSmall), "XADD", K(), "5-5", "a", "1");
        Expect(Resp.Err(TooSmall), "XADD", K(), "4", "a", "1");
        Expect(Resp.Err("ERR The ID specified in XADD must be greater than 0-0"), "XADD", K(), "0-0", "a", "1");
        Expect(Resp.Err("ERR The ID specified in XADD must be greater than 0-0"), "XADD", K("new"), "0-0", "a", "1");
        Expect(Resp.Int(0), "EXISTS", K("new"));
        Expect(Resp.Bulk("0-1"), "XADD", K("zero"), "0-*", "a", "1");
        Expect(Resp.Err(InvalidId), "XADD", K(), "abc", "a", "1");
        Expect(Resp.Err(InvalidId), "XADD", K(), "-1", "a", "1");
        Expect(Resp.Err(InvalidId), "XADD", K(), "1-", "a", "1");
        Expect(Resp.Err(InvalidId), "XADD", K(), "18446744073709551616-0", "a", "1");
        Expect(Resp.Bulk("5-6"), "XADD", K(), "5-*", "a", "1");
        Expect(Resp.Bulk("7-0"), "XADD", K(), "7-*", "a", "1");
        Expect(Resp.Err(TooSmall), "XADD", K(), "6-*", "a", "1");
        Expect(Resp.Bulk($"{Max}-{Max}"), "XADD", K(), $"{Max}-{Max}", "a", "1");
        const string exhausted = "ERR The stream has exhausted the last possible ID, unable to add more items";
        Expect(Resp.Err(exhausted), "XADD", K(), "*", "a", "1");
        Expect(Resp.Err(exhausted), "XADD", K(), $"{Max}-*", "a", "1");
        Expect(Resp.Int(4), "XLEN", K());
    }

    [Fact]
    public void Xadd_star_ids_follow_the_clock_and_the_last_id()
    {
        var first = Id(Cmd("XADD", K(), "*", "a", "1"));
        Assert.InRange(first.Ms, (ulong)NowMs() - 60_000, (ulong)NowMs() + 60_000);
        Assert.Equal(0UL, first.Seq);
        var second = Id(Cmd("XADD", K(), "*", "a", "2"));
        Assert.True(second.Ms > first.Ms || second.Seq == first.Seq + 1, $"{second} after {first}");
        // A last ID in the future: "*" continues from it, as the clock is behind.
        ulong future = (ulong)NowMs() + 3_600_000;
        Expect(Resp.Bulk($"{future}-7"), "XADD", K(), $"{future}-7", "a", "3");
        Expect(Resp.Bulk($"{future}-8"), "XADD", K(), "*", "a", "4");
        Expect(Resp.Bulk($"{future}-9"), "XADD", K(), $"{future}-*", "a", "5");
        Expect(Resp.Int(5), "XLEN", K());
    }

    private static (ulong Ms, ulong Seq) Id(string reply)
    {
        var text = (string?)Resp.Parse(reply) ?? throw new InvalidDataException(reply);
        var parts = text.Split('-');
        return (ulong.Parse(parts[0]), ulong.Parse(parts[1]));
    }

    [Fact]
    public void Xadd_argument_errors()
    {
        Expect(Resp.WrongArity("xadd"), "XADD", K(), "*");
        Expect(Resp.WrongArity("xadd"), "XADD", K(), "1-1", "a");
        Expect(Resp.WrongArity("xadd"), "XADD", K(), "1-1", "a", "1", "b");
        Expect(Resp.WrongArity("xadd"), "XADD", K(), "NOMKSTREAM", "MAXLEN", "5");
        Expect(Resp.Err(InvalidId), "XADD", K(), "foo", "*", "a", "1");
        Expect(Resp.Err("ERR The MAXLEN argument must be >= 0."), "XADD", K(), "MAXLEN", "-1", "*", "a", "1");
        Expect(Resp.Err("ERR syntax error, MAXLEN and MINID options at the same time are not compatible"),
            "XADD", K(), "MAXLEN", "1", "MINID", "1", "*", "a", "1");
        Expect(Resp.Err("ERR syntax error, LIMIT cannot be used without the special ~ option"), "XADD", K(), "MAXLEN", "1", "LIMIT", "10", "*", "a", "1");
        Expect(Resp.Err("ERR The LIMIT argument must be >= 0."), "XADD", K(), "MAXLEN", "~", "1", "LIMIT", "-1", "*", "a", "1");
        Expect(Resp.NotInteger, "XADD", K(), "MAXLEN", "abc", "*", "a", "1");
        Expect(Resp.Err(InvalidId), "XADD", K(), "MINID", "abc", "*", "a", "1");
        Expect(Resp.Int(0), "EXISTS", K());
        Expect(Resp.Ok, "SET", K("str"), "x");
        Expect(Resp.WrongType, "XADD", K("str"), "*", "a", "b");
        Expect(Resp.WrongType, "XADD", K("str"), "NOMKSTREAM", "*", "a", "b");
        Expect(Resp.Err("ERR The ID specified in XADD must be greater than 0-0"), "XADD", K("str"), "0-0", "a", "b");
    }

    [Fact]
    public void Xadd_trims_exactly_and_nomkstream_creates_nothing()
    {
        Expect(Resp.Nil, "XADD", K(), "NOMKSTREAM", "*", "a", "1");
        Expect(Resp.Int(0), "EXISTS", K());
        for (int i = 1; i <= 5; i++) Expect(Resp.Bulk($"{i}-1"), "XADD", K(), "MAXLEN", "=", "3", $"{i}-1", "f", "v" + i);
        Expect(Entries(3, 4, 5), "XRANGE", K(), "-", "+");
        Expect(Resp.Bulk("6-1"), "XADD", K(), "NOMKSTREAM", "MINID", "5", "6-1", "f", "v6");
        Expect(Entries(5, 6), "XRANGE", K(), "-", "+");
        // Trimmed to nothing, even the new entry: the stream stays, empty, with its last ID.
        Expect(Resp.Bulk("7-1"), "XADD", K(), "MAXLEN", "0", "7-1", "f", "v7");
        Expect(Resp.Int(0), "XLEN", K());
        Expect(Resp.Int(1), "EXISTS", K());
        Expect(Resp.Simple("stream"), "TYPE", K());
        Expect(Resp.Err(TooSmall), "XADD", K(), "7-1", "f", "v");
        Expect(Resp.Bulk("8-0"), "XADD", K(), "MINID", "9", "8-*", "f", "v");
        Expect(Resp.Int(0), "XLEN", K());
    }

    [Fact]
    public void Xrange_and_xrevrange_bounds_and_count()
    {
        Fill(K(), 5);
        Expect(Entries(1, 2, 3, 4, 5), "XRANGE", K(), "-", "+");
        Expect(Entries(5, 4, 3, 2, 1), "XREVRANGE", K(), "+", "-");
        Expect(Entries(3), "XRANGE", K(), "(2-1", "+", "COUNT", "1");
        Expect(Entries(2, 3), "XRANGE", K(), "2", "3");
        Expect(Entries(4), "XRANGE", K(), "4", "4");
        Expect(Entries(2, 3, 4), "XRANGE", K(), "(1-1", "(5-1");
        // "(5" as the end is below 5-18446744073709551615, so 5-1 is in; "(1" as the start is above 1-0.
        Expect(Entries(5, 4), "XREVRANGE", K(), "(5", "(1", "COUNT", "2");
        Expect(Entries(1, 2), "XRANGE", K(), "(1", "(2");
        Expect(Entries(5, 4), "XREVRANGE", K(), "+", "-", "COUNT", "5", "COUNT", "2");
        Expect(Resp.EmptyArray, "XRANGE", K(), "5", "1");
        Expect(NullArray, "XRANGE", K(), "-", "+", "COUNT", "-1"); // a negative count is 0
        Expect(NullArray, "XRANGE", K(), "-", "+", "COUNT", "0");
        Expect(NullArray, "XREVRANGE", K(), "+", "-", "COUNT", "0");
        Expect(Resp.EmptyArray, "XRANGE", K("missing"), "-", "+", "COUNT", "0");
        Expect(Resp.EmptyArray, "XRANGE", K("missing"), "-", "+");
        Expect(Resp.EmptyArray, "XRANGE", K(), "-", "-");
        Expect(Resp.EmptyArray, "XRANGE", K(), "3", "(0-1"); // (0-1 is 0-0: a valid, empty interval
        Expect(Entries(1), "XRANGE", K(), "(0-0", "(1-2");
    }

    [Fact]
    public void Xrange_errors()
    {
        Fill(K(), 2);
        Expect(Resp.Err(InvalidId), "XRANGE", K(), "(-", "+");
        Expect(Resp.Err(InvalidId), "XRANGE", K(), "-", "(+");
        Expect(Resp.Err(InvalidId), "XRANGE", K(), "((1", "+");
        Expect(Resp.Err(InvalidId), "XRANGE", K(), "1-x", "+");
        Expect(Resp.Err(InvalidId), "XRANGE", K(), "(", "+");
        Expect(Resp.Err("ERR invalid start ID for the interval"), "XRANGE", K(), $"({Max}-{Max}", "+");
        Expect(Resp.Err("ERR invalid end ID for the interval"), "XRANGE", K(), "-", "(0-0");
        Expect(Resp.SyntaxError, "XRANGE", K(), "-", "+", "COUNT");
        Expect(Resp.SyntaxError, "XRANGE", K(), "-", "+", "LIMIT", "1");
        Expect(Resp.NotInteger, "XRANGE", K(), "-", "+", "COUNT", "x");
        Expect(Resp.WrongArity("xrange"), "XRANGE", K(), "-");
        Expect(Resp.Ok, "SET", K("str"), "x");
        Expect(Resp.WrongType, "XRANGE", K("str"), "-", "+");
        Expect(Resp.Err(InvalidId), "XRANGE", K("str"), "x", "+");
    }

    [Fact]
    public void Xdel_counts_what_it_deleted_and_checks_every_id_first()
    {
        Fill(K(), 5);
        Expect(Resp.Int(0), "XDEL", K(), "3");
        Expect(Resp.Int(2), "XDEL", K(), "3-1", "9-9", "1-1", "3-1");
        Expect(Resp.Err(InvalidId), "XDEL", K(), "2-1", "zz");
        Expect(Resp.Err(InvalidId), "XDEL", K(), "-");
        Expect(Resp.Int(3), "XLEN", K());
        Expect(Entries(2, 4, 5), "XRANGE", K(), "-", "+");
        Expect(Resp.Int(0), "XDEL", K("missing"), "zz");
        Expect(Resp.Ok, "SET", K("str"), "x");
        Expect(Resp.WrongType, "XDEL", K("str"), "zz");
        // Deleting every entry leaves an empty stream (and the last ID stays).
        Expect(Resp.Int(3), "XDEL", K(), "2-1", "4-1", "5-1");
        Expect(Resp.Int(0), "XLEN", K());
        Expect(Resp.Simple("stream"), "TYPE", K());
        Expect(Resp.Err(TooSmall), "XADD", K(), "5-1", "f", "v");
    }

    [Fact]
    public void Xtrim_maxlen_and_minid()
    {
        Fill(K(), 5);
        Expect(Resp.Int(0), "XTRIM", K(), "MAXLEN", "10");
        Expect(Resp.Int(1), "XTRIM", K(), "MAXLEN", "=", "4");
        Expect(Resp.Int(2), "XTRIM", K(), "MINID", "4");
        Expect(Entries(4, 5), "XRANGE", K(), "-", "+");
        Expect(Resp.Int(0), "XTRIM", K(), "MINID", "=", "3-5");
        Expect(Resp.Int(2), "XTRIM", K(), "MAXLEN", "0");
        Expect(Resp.Int(0), "XLEN", K());
        Expect(Resp.Int(0), "XTRIM", K("missing"), "MAXLEN", "1");
    }

    [Fact]
    public void Xtrim_errors()
    {
        Expect(Resp.WrongArity("xtrim"), "XTRIM", K(), "MAXLEN");
        Expect(Resp.SyntaxError, "XTRIM", K(), "FOO", "1");
        Expect(Resp.SyntaxError, "XTRIM", K(), "MAXLEN", "1", "FOO");
        Expect(Resp.Err("ERR syntax error, LIMIT cannot be used without the special ~ option"), "XTRIM", K(), "MAXLEN", "1", "LIMIT", "1");
        Expect(Resp.Err("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"), "XTRIM", K(), "LIMIT", "5");
        Expect(Resp.Err("ERR The MAXLEN argument must be >= 0."), "XTRIM", K(), "MAXLEN", "-1");
        Expect(Resp.NotInteger, "XTRIM", K(), "MAXLEN", "~", "x");
        Expect(Resp.Err(InvalidId), "XTRIM", K(), "MINID", "x");
        Expect(Resp.Ok, "SET", K("str"), "x");
        Expect(Resp.WrongType, "XTRIM", K("str"), "MAXLEN", "1");
    }

    [Fact]
    public void Xread_reads_after_the_given_ids()
    {
        Fill(K("a"), 3);
        Fill(K("b"), 2);
        Expect(Resp.Array(Resp.Array(Resp.Bulk(K("a")), Entries(2, 3))), "XREAD", "STREAMS", K("a"), "1-1");
        Expect(Resp.Array(Resp.Array(Resp.Bulk(K("a")), Entries(1)), Resp.Array(Resp.Bulk(K("b")), Entries(1))),
            "XREAD", "COUNT", "1", "STREAMS", K("a"), K("missing"), K("b"), "0", "0", "0");
        // COUNT 0 (or negative) means no limit; streams with nothing new are left out; "3" is 3-0.
        Expect(Resp.Array(Resp.Array(Resp.Bulk(K("a")), Entries(3))), "XREAD", "COUNT", "-5", "STREAMS", K("a"), K("b"), "3", "2-1");
        Expect(NullArray, "XREAD", "STREAMS", K("a"), K("b"), "$", "$");
        Expect(NullArray, "XREAD", "STREAMS", K("missing"), "0");
        // The same key twice is read twice.
        Expect(Resp.Array(Resp.Array(Resp.Bulk(K("b")), Entries(2)), Resp.Array(Resp.Bulk(K("b")), Entries(2))),
            "XREAD", "STREAMS", K("b"), K("b"), "1-1", "1-1");
    }

    [Fact]
    public void Xread_errors()
    {
        Fill(K(), 1);
        Expect(Resp.Ok, "SET", K("str"), "x");
        Expect(Resp.Err("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."),
            "XREAD", "STREAMS", K(), K("b"), "0");
        Expect(Resp.Err("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."),
            "XREAD", "STREAMS", K(), ">");
        Expect(Resp.NotInteger, "XREAD", "COUNT", "x", "STREAMS", K(), "0");
        Expect(Resp.Err("ERR timeout is negative"), "XREAD", "BLOCK", "-1", "STREAMS", K(), "0");
        Expect(Resp.Err("ERR timeout is not an integer or out of range"), "XREAD", "BLOCK", "1.5", "STREAMS", K(), "0");
        Expect(Resp.SyntaxError, "XREAD", "FOO", "STREAMS", K(), "0");
        Expect(Resp.Err("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."),
            "XREAD", "GROUP", "g", "c", "STREAMS", K(), "0");
        Expect(Resp.WrongArity("xread"), "XREAD", "COUNT", "1");
        Expect(Resp.WrongType, "XREAD", "STREAMS", K("str"), "0");
        // Each key's type is checked before its ID is parsed, in order.
        Expect(Resp.Err(InvalidId), "XREAD", "STREAMS", K(), K("str"), "zz", "0");
        Expect(Resp.WrongType, "XREAD", "STREAMS", K("str"), K(), "0", "zz");
    }

    [Fact]
    public void Xread_replies_a_map_in_resp3()
    {
        Fill(K(), 1);
        Cmd("HELLO", "3");
        Expect($"%1\r\n{Resp.Bulk(K())}{Entries(1)}", "XREAD", "STREAMS", K(), "0");
        Expect("_\r\n", "XREAD", "STREAMS", K(), "$");
        Expect("_\r\n", "XREAD", "BLOCK", "10", "STREAMS", K(), "$");
        Expect("_\r\n", "XRANGE", K(), "-", "+", "COUNT", "0");
    }

    [Fact]
    public void Streams_are_keys_like_any_other()
    {
        Fill(K(), 2);
        Expect(Resp.Simple("stream"), "TYPE", K());
        Expect(Resp.Bulk("stream"), "OBJECT", "ENCODING", K());
        Expect(Resp.Int(1), "COPY", K(), K("copy"));
        Expect(Resp.Bulk("3-1"), "XADD", K("copy"), "3-1", "f", "v3");
        Expect(Entries(1, 2), "XRANGE", K(), "-", "+");
        Expect(Entries(1, 2, 3), "XRANGE", K("copy"), "-", "+");
        Expect(Resp.Ok, "RENAME", K(), K("renamed"));
        Expect(Resp.Int(0), "EXISTS", K());
        Expect(Entries(1, 2), "XRANGE", K("renamed"), "-", "+");
        Expect(Resp.Err(TooSmall), "XADD", K("renamed"), "2-1", "f", "v"); // the last ID moved with it
        Expect(Resp.Int(1), "PEXPIRE", K("renamed"), "100000");
        Assert.NotEqual(Resp.Int(-1), Cmd("PTTL", K("renamed")));
        Expect(Resp.Int(2), "DEL", K("renamed"), K("copy"));
        Expect(Resp.Int(0), "XLEN", K("renamed"));
        Expect(Resp.Ok, "SET", K("str"), "x");
        Expect(Resp.WrongType, "XLEN", K("str"));
        Fill(K("s"), 1);
        Expect(Resp.WrongType, "GET", K("s"));
        Expect(Resp.WrongType, "LPUSH", K("s"), "x");
    }

    [Fact]
    public void Xinfo_stream_basic_form()
    {
        Fill(K(), 3);
        Expect(Resp.Int(1), "XDEL", K(), "2-1");
        Expect(XinfoStream(2, 1, 2, "3-1", "2-1", 3, "1-1",
            Entry("1-1", "f", "v1"), Entry("3-1", "f", "v3")), "XINFO", "STREAM", K());
        // Trimming to nothing: max-deleted-entry-id does not move (only XDEL moves it), the first ID is 0-0.
        Expect(Resp.Int(2), "XTRIM", K(), "MAXLEN", "0");
        Expect(XinfoStream(0, 0, 1, "3-1", "2-1", 3, "0-0",
            Resp.Nil, Resp.Nil), "XINFO", "STREAM", K());
        Expect(Resp.Err("ERR no such key"), "XINFO", "STREAM", K("missing"));
        Expect(Resp.Err("ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP."), "XINFO", "STREAM", K(), "foo");
        Expect(Resp.Err("ERR unknown subcommand or wrong number of arguments for 'stream'. Try XINFO HELP."), "XINFO", "stream", K(), "foo");
        Expect(Resp.WrongArity("xinfo"), "XINFO");
    }

    [Fact]
    public void Xsetid_sets_the_counters_within_redis_rules()
    {
        Expect(Resp.Err("ERR no such key"), "XSETID", K(), "1-1");
        Fill(K(), 2);
        Expect(Resp.Int(1), "XDEL", K(), "2-1");
        Expect(Resp.Err("ERR The ID specified in XSETID is smaller than the target stream top item"), "XSETID", K(), "1-0");
        Expect(Resp.Ok, "XSETID", K(), "1-1"); // below max-deleted-entry-id: 7.0.15 allows it
        Expect(Resp.Bulk("1-2"), "XADD", K(), "1-*", "f", "v");
        Expect(Resp.Err("ERR The entries_added specified in XSETID is smaller than the target stream length"),
            "XSETID", K(), "5-5", "ENTRIESADDED", "1");
        Expect(Resp.Err("ERR entries_added must be positive"), "XSETID", K(), "5-5", "ENTRIESADDED", "-1");
        Expect(Resp.NotInteger, "XSETID", K(), "5-5", "ENTRIESADDED", "x");
        Expect(Resp.Err("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"),
            "XSETID", K(), "5-5", "MAXDELETEDID", "6-0");
        Expect(Resp.SyntaxError, "XSETID", K(), "5-5", "MAXDELETEDID");
        Expect(Resp.SyntaxError, "XSETID", K(), "5-5", "FOO", "1");
        Expect(Resp.Err(InvalidId), "XSETID", K(), "5-*");
        Expect(Resp.WrongArity("xsetid"), "XSETID", K());
        Expect(Resp.Ok, "XSETID", K(), "9-9", "ENTRIESADDED", "40", "MAXDELETEDID", "3-3");
        Expect(XinfoStream(2, 1, 2, "9-9", "3-3", 40, "1-1",
            Entry("1-1", "f", "v1"), Entry("1-2", "f", "v")), "XINFO", "STREAM", K());
        Expect(Resp.Err(TooSmall), "XADD", K(), "9-9", "f", "v");
        Expect(Resp.Ok, "SET", K("str"), "x");
        Expect(Resp.WrongType, "XSETID", K("str"), "1-1");
        Expect(Resp.Err("ERR entries_added must be positive"), "XSETID", K("str"), "1-1", "ENTRIESADDED", "-3");
    }

    [Fact]
    public void Xread_block_answers_at_once_when_entries_are_there()
    {
        Fill(K(), 2);
        Expect(Resp.Array(Resp.Array(Resp.Bulk(K()), Entries(2))), "XREAD", "BLOCK", "0", "STREAMS", K(), "1-1");
    }

    [Fact]
    public void Xread_block_is_woken_by_an_xadd_from_another_connection()
    {
        Fill(K(), 2);
        using var blocked = Block("XREAD", "BLOCK", "0", "STREAMS", K("other"), K(), "$", "$");
        Expect(Resp.Bulk("3-1"), "XADD", K(), "3-1", "f", "v3");
        Assert.Equal(Resp.Array(Resp.Array(Resp.Bulk(K()), Entries(3))), blocked.ReadReply());
    }

    [Fact]
    public void Xread_block_on_a_missing_key_is_woken_by_the_xadd_that_creates_it()
    {
        using var blocked = Block("XREAD", "COUNT", "1", "BLOCK", "100000", "STREAMS", K(), "0-0");
        Expect(Resp.Bulk("1-1"), "XADD", K(), "1-1", "f", "v1");
        Assert.Equal(Resp.Array(Resp.Array(Resp.Bulk(K()), Entries(1))), blocked.ReadReply());
    }

    [Fact]
    public void One_xadd_serves_every_client_blocked_on_the_stream()
    {
        Fill(K(), 1);
        using var first = Block("XREAD", "BLOCK", "0", "STREAMS", K(), "$");
        using var second = Block("XREAD", "COUNT", "5", "BLOCK", "0", "STREAMS", K("a"), K(), "0", "1-1");
        Expect(Resp.Bulk("2-1"), "XADD", K(), "2-1", "f", "v2");
        Assert.Equal(Resp.Array(Resp.Array(Resp.Bulk(K()), Entries(2))), first.ReadReply());
        Assert.Equal(Resp.Array(Resp.Array(Resp.Bulk(K()), Entries(2))), second.ReadReply());
        Eventually.True(() => BlockedClients() == 0, "nobody is blocked any more");
    }

    [Fact]
    public void An_xadd_trimmed_away_at_once_still_wakes_the_reader_with_no_entries()
    {
        Fill(K(), 1);
        using var blocked = Block("XREAD", "BLOCK", "0", "STREAMS", K(), "$");
        Expect(Resp.Bulk("2-1"), "XADD", K(), "MAXLEN", "0", "2-1", "f", "v2");
        Assert.Equal(Resp.Array(Resp.Array(Resp.Bulk(K()), Resp.EmptyArray)), blocked.ReadReply());
    }

    [Fact]
    public void Xread_block_times_out_with_a_null_array()
    {
        Fill(K(), 1);
        var clock = Stopwatch.StartNew();
        Expect(NullArray, "XREAD", "BLOCK", "200", "STREAMS", K(), "$");
        Assert.True(clock.ElapsedMilliseconds >= 150, $"XREAD returned after {clock.ElapsedMilliseconds} ms");
        Expect(Resp.Pong, "PING");
    }

    [Fact]
    public void Xread_block_inside_multi_answers_at_once()
    {
        Expect(Resp.Ok, "MULTI");
        Expect(Resp.Simple("QUEUED"), "XREAD", "BLOCK", "0", "STREAMS", K(), "$");
        Expect(Resp.Array(NullArray), "EXEC");
    }
}
