using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP:
/// exact replies and errors.</summary>
[Collection(ListsCollection.Name)]
public sealed class ListTests(NodeFixture node) : E2ETest(node)
{
    [Fact]
    public void Lpush_puts_each_element_at_the_head_in_turn_and_rpush_at_the_tail()
    {
        Expect(Resp.Int(3), "LPUSH", K(), "a", "b", "c");
        Expect(Resp.Int(5), "RPUSH", K(), "d", "e");
        Expect(Resp.BulkArray("c", "b", "a", "d", "e"), "LRANGE", K(), "0", "-1");
        Expect(Resp.Int(5), "LLEN", K());
        Expect(Resp.Int(0), "LLEN", K("missing"));
        Expect(Resp.Simple("list"), "TYPE", K());
    }

    [Fact]
    public void Pushx_pushes_only_onto_an_existing_list()
    {
        Expect(Resp.Int(0), "LPUSHX", K(), "a");
        Expect(Resp.Int(0), "RPUSHX", K(), "a", "b");
        Expect(Resp.Int(0), "EXISTS", K());
        Expect(Resp.Int(1), "RPUSH", K(), "m");
        Expect(Resp.Int(3), "LPUSHX", K(), "x", "y");
        Expect(Resp.Int(4), "RPUSHX", K(), "z");
        Expect(Resp.BulkArray("y", "x", "m", "z"), "LRANGE", K(), "0", "-1");
    }

    [Theory]
    [InlineData("0", "-1", new[] { "a", "b", "c", "d", "e" })]
    [InlineData("1", "2", new[] { "b", "c" })]
    [InlineData("-2", "-1", new[] { "d", "e" })]
    [InlineData("-100", "100", new[] { "a", "b", "c", "d", "e" })]
    [InlineData("3", "1", new string[0])]
    [InlineData("5", "10", new string[0])]
    [InlineData("-1", "-2", new string[0])]
    [InlineData("4", "4", new[] { "e" })]
    public void Lrange_index_rules(string start, string stop, string[] expected)
    {
        Expect(Resp.Int(5), "RPUSH", K(), "a", "b", "c", "d", "e");
        Expect(Resp.BulkArray(expected), "LRANGE", K(), start, stop);
    }

    [Fact]
    public void Lrange_of_a_missing_key_is_empty_and_bad_indexes_are_errors()
    {
        Expect(Resp.EmptyArray, "LRANGE", K(), "0", "-1");
        Expect(Resp.NotInteger, "LRANGE", K(), "0", "x");
        Expect(Resp.NotInteger, "LRANGE", K(), "1.5", "2");
    }

    [Fact]
    public void Pop_without_count_replies_a_bulk_and_deletes_the_emptied_list()
    {
        Expect(Resp.Nil, "LPOP", K());
        Expect(Resp.Nil, "RPOP", K());
        Expect(Resp.Int(3), "RPUSH", K(), "a", "b", "c");
        Expect(Resp.Bulk("a"), "LPOP", K());
        Expect(Resp.Bulk("c"), "RPOP", K());
        Expect(Resp.Bulk("b"), "LPOP", K());
        Expect(Resp.Int(0), "EXISTS", K());
        Expect(Resp.Simple("none"), "TYPE", K());
    }

    [Fact]
    public void Pop_with_count_replies_an_array_in_pop_order()
    {
        Expect("*-1\r\n", "LPOP", K(), "2");
        Expect("*-1\r\n", "RPOP", K(), "0");
        Expect(Resp.Int(5), "RPUSH", K(), "a", "b", "c", "d", "e");
        Expect(Resp.EmptyArray, "LPOP", K(), "0");
        Expect(Resp.BulkArray("a", "b"), "LPOP", K(), "2");
        Expect(Resp.BulkArray("e", "d"), "RPOP", K(), "2");
        Expect(Resp.BulkArray("c"), "RPOP", K(), "10");
        Expect(Resp.Int(0), "EXISTS", K());
    }

    [Fact]
    public void Pop_count_errors()
    {
        const string notPositive = "ERR value is out of range, must be positive";
        Expect(Resp.Err(notPositive), "LPOP", K(), "-1");
        Expect(Resp.Err(notPositive), "RPOP", K(), "abc");
        Expect(Resp.WrongArity("lpop"), "LPOP", K(), "1", "2");
        Expect(Resp.WrongArity("rpop"), "RPOP");
    }

    [Fact]
    public void Lindex_and_lset()
    {
        Expect(Resp.Int(3), "RPUSH", K(), "a", "b", "c");
        Expect(Resp.Bulk("a"), "LINDEX", K(), "0");
        Expect(Resp.Bulk("c"), "LINDEX", K(), "-1");
        Expect(Resp.Nil, "LINDEX", K(), "3");
        Expect(Resp.Nil, "LINDEX", K(), "-4");
        Expect(Resp.Ok, "LSET", K(), "1", "B");
        Expect(Resp.Ok, "LSET", K(), "-1", "C");
        Expect(Resp.BulkArray("a", "B", "C"), "LRANGE", K(), "0", "-1");
        Expect(Resp.Err("ERR index out of range"), "LSET", K(), "3", "x");
        Expect(Resp.Err("ERR index out of range"), "LSET", K(), "-4", "x");
        Expect(Resp.NotInteger, "LSET", K(), "x", "x");
        Expect(Resp.NotInteger, "LINDEX", K(), "x");
    }

    [Fact]
    public void Lindex_and_lset_look_at_the_key_before_the_index()
    {
        Expect(Resp.Nil, "LINDEX", K(), "x");
        Expect(Resp.Err("ERR no such key"), "LSET", K(), "x", "v");
        Expect(Resp.Err("ERR no such key"), "LSET", K(), "0", "v");
        Expect(Resp.Ok, "SET", K("s"), "v");
        Expect(Resp.WrongType, "LINDEX", K("s"), "x");
        Expect(Resp.WrongType, "LSET", K("s"), "x", "v");
    }

    [Fact]
    public void Linsert_before_and_after_a_pivot()
    {
        Expect(Resp.Int(0), "LINSERT", K(), "BEFORE", "a", "x");
        Expect(Resp.Int(0), "EXISTS", K());
        Expect(Resp.Int(3), "RPUSH", K(), "a", "b", "a");
        Expect(Resp.Int(4), "LINSERT", K(), "before", "a", "x");
        Expect(Resp.Int(5), "LINSERT", K(), "AFTER", "b", "y");
        Expect(Resp.Int(6), "LINSERT", K(), "after", "a", "z");
        Expect(Resp.BulkArray("x", "a", "z", "b", "y", "a"), "LRANGE", K(), "0", "-1");
        Expect(Resp.Int(-1), "LINSERT", K(), "BEFORE", "missing", "q");
        Expect(Resp.SyntaxError, "LINSERT", K(), "MIDDLE", "a", "q");
        Expect(Resp.SyntaxError, "LINSERT", K("absent"), "MIDDLE", "a", "q");
    }

    [Fact]
    public void Lrem_from_the_head_the_tail_or_everywhere()
    {
        Expect(Resp.Int(7), "RPUSH", K(), "a", "b", "a", "c", "a", "b", "a");
        Expect(Resp.Int(2), "LREM", K(), "2", "a");
        Expect(Resp.BulkArray("b", "c", "a", "b", "a"), "LRANGE", K(), "0", "-1");
        Expect(Resp.Int(1), "LREM", K(), "-1", "a");
        Expect(Resp.BulkArray("b", "c", "a", "b"), "LRANGE", K(), "0", "-1");
        Expect(Resp.Int(2), "LREM", K(), "0", "b");
        Expect(Resp.BulkArray("c", "a"), "LRANGE", K(), "0", "-1");
        Expect(Resp.Int(0), "LREM", K(), "0", "zz");
        Expect(Resp.Int(0), "LREM", K("missing"), "1", "a");
        Expect(Resp.NotInteger, "LREM", K(), "x", "a");
        Expect(Resp.Int(1), "LREM", K(), "-5", "c");
        Expect(Resp.Int(1), "LREM", K(), "5", "a");
        Expect(Resp.Int(0), "EXISTS", K());
    }

    [Fact]
    public void Ltrim_keeps_a_range_and_deletes_an_emptied_list()
    {
        Expect(Resp.Ok, "LTRIM", K(), "0", "1");
        Expect(Resp.Int(5), "RPUSH", K(), "a", "b", "c", "d", "e");
        Expect(Resp.Ok, "LTRIM", K(), "1", "-2");
        Expect(Resp.BulkArray("b", "c", "d"), "LRANGE", K(), "0", "-1");
        Expect(Resp.Ok, "LTRIM", K(), "0", "100");
        Expect(Resp.BulkArray("b", "c", "d"), "LRANGE", K(), "0", "-1");
        Expect(Resp.Ok, "LTRIM", K(), "-1", "-1");
        Expect(Resp.BulkArray("d"), "LRANGE", K(), "0", "-1");
        Expect(Resp.NotInteger, "LTRIM", K(), "a", "1");
        Expect(Resp.Ok, "LTRIM", K(), "5", "1");
        Expect(Resp.Int(0), "EXISTS", K());
    }

    [Fact]
    public void Lpos_rank_count_and_maxlen()
    {
        Expect(Resp.Int(7), "RPUSH", K(), "a", "b", "c", "a", "b", "c", "a");
        Expect(Resp.Int(0), "LPOS", K(), "a");
        Expect(Resp.Int(3), "LPOS", K(), "a", "RANK", "2");
        Expect(Resp.Int(6), "LPOS", K(), "a", "RANK", "-1");
        Expect(Resp.Int(3), "LPOS", K(), "a", "RANK", "-2");
        Expect(Resp.Nil, "LPOS", K(), "a", "RANK", "4");
        Expect(Resp.Nil, "LPOS", K(), "zz");
        Expect(Resp.Array(Resp.Int(0), Resp.Int(3), Resp.Int(6)), "LPOS", K(), "a", "COUNT", "0");
        Expect(Resp.Array(Resp.Int(0), Resp.Int(3)), "LPOS", K(), "a", "COUNT", "2");
        Expect(Resp.Array(Resp.Int(3), Resp.Int(0)), "LPOS", K(), "a", "RANK", "-2", "COUNT", "0");
        Expect(Resp.Array(Resp.Int(0)), "LPOS", K(), "a", "COUNT", "0", "MAXLEN", "3");
        Expect(Resp.Nil, "LPOS", K(), "c", "MAXLEN", "2");
        Expect(Resp.Int(2), "LPOS", K(), "c", "maxlen", "0");
        Expect(Resp.EmptyArray, "LPOS", K(), "zz", "COUNT", "0");
        Expect(Resp.Nil, "LPOS", K("missing"), "a");
        Expect(Resp.EmptyArray, "LPOS", K("missing"), "a", "COUNT", "1");
    }

    [Fact]
    public void Lpos_option_errors()
    {
        Expect(Resp.Int(1), "RPUSH", K(), "a");
        Expect(Resp.Err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"),
            "LPOS", K(), "a", "RANK", "0");
        Expect(Resp.NotInteger, "LPOS", K(), "a", "RANK", "x");
        Expect(Resp.Err("ERR COUNT can't be negative"), "LPOS", K(), "a", "COUNT", "-1");
        Expect(Resp.Err("ERR COUNT can't be negative"), "LPOS", K(), "a", "COUNT", "x");
        Expect(Resp.Err("ERR MAXLEN can't be negative"), "LPOS", K(), "a", "MAXLEN", "-1");
        Expect(Resp.SyntaxError, "LPOS", K(), "a", "RANK");
        Expect(Resp.SyntaxError, "LPOS", K(), "a", "FOO", "1");
    }

    [Fact]
    public void Lmove_and_rpoplpush_between_lists()
    {
        Expect(Resp.Int(3), "RPUSH", K("src"), "a", "b", "c");
        Expect(Resp.Bulk("a"), "LMOVE", K("src"), K("dst"), "LEFT", "RIGHT");
        Expect(Resp.Bulk("c"), "LMOVE", K("src"), K("dst"), "right", "left");
        Expect(Resp.BulkArray("c", "a"), "LRANGE", K("dst"), "0", "-1");
        Expect(Resp.Bulk("b"), "RPOPLPUSH", K("src"), K("dst"));
        Expect(Resp.Int(0), "EXISTS", K("src"));
        Expect(Resp.BulkArray("b", "c", "a"), "LRANGE", K("dst"), "0", "-1");
        Expect(Resp.Nil, "LMOVE", K("src"), K("dst"), "LEFT", "LEFT");
        Expect(Resp.Nil, "RPOPLPUSH", K("src"), K("dst"));
        Expect(Resp.SyntaxError, "LMOVE", K("dst"), K("src"), "UP", "LEFT");
    }

    [Fact]
    public void Lmove_onto_itself_rotates_and_keeps_the_ttl()
    {
        Expect(Resp.Int(1), "RPUSH", K(), "only");
        Expect(Resp.Int(1), "PEXPIRE", K(), "100000");
        Expect(Resp.Bulk("only"), "LMOVE", K(), K(), "LEFT", "RIGHT");
        Expect(Resp.Int(1), "EXISTS", K());
        Assert.NotEqual(Resp.Int(-1), Cmd("PTTL", K()));
        Expect(Resp.Int(3), "RPUSH", K(), "a", "b");
        Expect(Resp.Bulk("b"), "RPOPLPUSH", K(), K());
        Expect(Resp.BulkArray("b", "only", "a"), "LRANGE", K(), "0", "-1");
    }

    [Fact]
    public void Lmove_checks_the_destination_type_only_when_there_is_something_to_move()
    {
        Expect(Resp.Ok, "SET", K("s"), "v");
        Expect(Resp.Nil, "LMOVE", K("missing"), K("s"), "LEFT", "LEFT");
        Expect(Resp.Int(2), "RPUSH", K(), "a", "b");
        Expect(Resp.WrongType, "LMOVE", K(), K("s"), "LEFT", "LEFT");
        Expect(Resp.WrongType, "RPOPLPUSH", K(), K("s"));
        Expect(Resp.BulkArray("a", "b"), "LRANGE", K(), "0", "-1");
        Expect(Resp.WrongType, "LMOVE", K("s"), K(), "LEFT", "LEFT");
    }

    [Fact]
    public void Lmpop_pops_from_the_first_non_empty_list()
    {
        Expect(Resp.Int(3), "RPUSH", K("b"), "1", "2", "3");
        Expect("*-1\r\n", "LMPOP", "1", K("a"), "LEFT");
        Expect(Resp.Array(Resp.Bulk(K("b")), Resp.BulkArray("1")), "LMPOP", "2", K("a"), K("b"), "LEFT");
        Expect(Resp.Array(Resp.Bulk(K("b")), Resp.BulkArray("3", "2")), "LMPOP", "2", K("a"), K("b"), "RIGHT", "COUNT", "5");
        Expect(Resp.Int(0), "EXISTS", K("b"));
    }

    [Fact]
    public void Lmpop_argument_errors()
    {
        const string numkeys = "ERR numkeys should be greater than 0", count = "ERR count should be greater than 0";
        Expect(Resp.Err(numkeys), "LMPOP", "0", K(), "LEFT");
        Expect(Resp.Err(numkeys), "LMPOP", "-1", K(), "LEFT");
        Expect(Resp.Err(numkeys), "LMPOP", "x", K(), "LEFT");
        Expect(Resp.SyntaxError, "LMPOP", "2", K(), "LEFT");
        Expect(Resp.SyntaxError, "LMPOP", "100000000000", K(), "LEFT");
        Expect(Resp.SyntaxError, "LMPOP", "1", K(), "MIDDLE");
        Expect(Resp.Err(count), "LMPOP", "1", K(), "LEFT", "COUNT", "0");
        Expect(Resp.Err(count), "LMPOP", "1", K(), "LEFT", "COUNT", "x");
        Expect(Resp.SyntaxError, "LMPOP", "1", K(), "LEFT", "COUNT", "1", "COUNT", "2");
        Expect(Resp.SyntaxError, "LMPOP", "1", K(), "LEFT", "COUNT");
        Expect(Resp.SyntaxError, "LMPOP", "1", K(), "LEFT", "FOO");
        Expect(Resp.WrongArity("lmpop"), "LMPOP", "1", K());
    }

    [Fact]
    public void Lmpop_stops_at_a_key_of_another_type()
    {
        Expect(Resp.Ok, "SET", K("s"), "v");
        Expect(Resp.Int(1), "RPUSH", K("l"), "x");
        Expect(Resp.WrongType, "LMPOP", "2", K("missing"), K("s"), "LEFT");
        Expect(Resp.WrongType, "LMPOP", "2", K("s"), K("l"), "LEFT");
        Expect(Resp.Array(Resp.Bulk(K("l")), Resp.BulkArray("x")), "LMPOP", "2", K("l"), K("s"), "LEFT");
    }

    [Fact]
    public void Every_list_command_refuses_a_string_key()
    {
        var s = K("s");
        Expect(Resp.Ok, "SET", s, "v");
        string[][] commands =
        [
            ["LPUSH", s, "a"], ["RPUSH", s, "a"], ["LPUSHX", s, "a"], ["RPUSHX", s, "a"], ["LPOP", s], ["RPOP", s],
            ["LPOP", s, "0"], ["LLEN", s], ["LRANGE", s, "0", "-1"], ["LINDEX", s, "0"], ["LSET", s, "0", "a"],
            ["LINSERT", s, "BEFORE", "a", "b"], ["LREM", s, "0", "a"], ["LTRIM", s, "0", "1"], ["LPOS", s, "a"],
            ["LMOVE", s, K("d"), "LEFT", "LEFT"], ["RPOPLPUSH", s, K("d")], ["LMPOP", "1", s, "LEFT"],
            ["BLPOP", s, "0.01"], ["BRPOP", s, "0.01"], ["BLMPOP", "0.01", "1", s, "LEFT"],
            ["BLMOVE", s, K("d"), "LEFT", "LEFT", "0.01"], ["BRPOPLPUSH", s, K("d"), "0.01"],
        ];
        foreach (var command in commands) Expect(Resp.WrongType, command);
        Expect(Resp.Bulk("v"), "GET", s);
    }

    [Theory]
    [InlineData("lpush", 2)]
    [InlineData("rpush", 2)]
    [InlineData("lpushx", 2)]
    [InlineData("rpushx", 2)]
    [InlineData("llen", 1)]
    [InlineData("llen", 3)]
    [InlineData("lrange", 3)]
    [InlineData("lindex", 2)]
    [InlineData("lset", 3)]
    [InlineData("linsert", 4)]
    [InlineData("lrem", 3)]
    [InlineData("ltrim", 3)]
    [InlineData("lpos", 2)]
    [InlineData("lmove", 4)]
    [InlineData("rpoplpush", 2)]
    [InlineData("lmpop", 3)]
    [InlineData("blpop", 2)]
    [InlineData("brpop", 2)]
    [InlineData("blmove", 5)]
    [InlineData("brpoplpush", 3)]
    [InlineData("blmpop", 4)]
    public void Wrong_number_of_arguments(string command, int count)
    {
        var args = new string[count];
        args[0] = command;
        for (int i = 1; i < count; i++) args[i] = K();
        Expect(Resp.WrongArity(command), args);
    }

    [Fact]
    public void Object_encoding_and_scan_type()
    {
        Expect(Resp.Int(2), "RPUSH", K("list"), "a", "b");
        Expect(Resp.Ok, "SET", K("string"), "v");
        Expect(Resp.Bulk("quicklist"), "OBJECT", "ENCODING", K("list"));
        var found = new List<string>();
        string cursor = "0";
        do
        {
            var (next, keys) = Resp.ParseScan(Cmd("SCAN", cursor, "MATCH", Prefix + "*", "TYPE", "list", "COUNT", "1000"));
            found.AddRange(keys);
            cursor = next;
        }
        while (cursor != "0");
        Assert.Equal([K("list")], found);
    }

    [Fact]
    public void Copy_makes_an_independent_list()
    {
        Expect(Resp.Int(3), "RPUSH", K(), "a", "b", "c");
        Expect(Resp.Int(1), "COPY", K(), K("copy"));
        Expect(Resp.Bulk("a"), "LPOP", K());
        Expect(Resp.Ok, "LSET", K("copy"), "-1", "C");
        Expect(Resp.BulkArray("b", "c"), "LRANGE", K(), "0", "-1");
        Expect(Resp.BulkArray("a", "b", "C"), "LRANGE", K("copy"), "0", "-1");
        Expect(Resp.Simple("list"), "TYPE", K("copy"));
    }

    [Fact]
    public void Elements_are_binary_safe()
    {
        var all = new string(Enumerable.Range(0, 256).Select(i => (char)i).ToArray());
        Expect(Resp.Int(3), "RPUSH", K(), all, "", "\r\n");
        Expect(Resp.BulkArray(all, "", "\r\n"), "LRANGE", K(), "0", "-1");
        Expect(Resp.Int(1), "LPOS", K(), "");
        Expect(Resp.Int(1), "LREM", K(), "0", "\r\n");
        Expect(Resp.Bulk(all), "LPOP", K());
    }

    [Fact]
    public void A_long_list_pushed_and_popped_at_both_ends_matches_a_model()
    {
        var model = new LinkedList<string>();
        var random = new Random(7);
        for (int round = 0; round < 40; round++)
        {
            var items = Enumerable.Range(0, random.Next(1, 200)).Select(i => $"{round}:{i}").ToArray();
            if (random.Next(2) == 0)
            {
                Expect(Resp.Int(model.Count + items.Length), ["LPUSH", K(), .. items]);
                foreach (var item in items) model.AddFirst(item);
            }
            else
            {
                Expect(Resp.Int(model.Count + items.Length), ["RPUSH", K(), .. items]);
                foreach (var item in items) model.AddLast(item);
            }
            int pops = random.Next(0, Math.Min(150, model.Count));
            bool left = random.Next(2) == 0;
            var expected = new List<string>();
            for (int i = 0; i < pops; i++)
            {
                var node = left ? model.First! : model.Last!;
                expected.Add(node.Value);
                model.Remove(node);
            }
            if (pops > 0) Expect(Resp.BulkArray([.. expected]), left ? "LPOP" : "RPOP", K(), pops.ToString());
        }
        Expect(Resp.Int(model.Count), "LLEN", K());
        Expect(Resp.BulkArray([.. model]), "LRANGE", K(), "0", "-1");
        int middle = model.Count / 2;
        Expect(Resp.Bulk(model.ElementAt(middle)), "LINDEX", K(), middle.ToString());
    }
}
