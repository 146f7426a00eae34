using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// A SET of a same-length value rewrites the stored string in place (docs/decisions.md, "Allocation-free GET/SET").
/// Seen from a client nothing may change: old values handed out stay old, copies stay apart, and a reader on
/// another connection never gets half of one value and half of the next.
/// </summary>
[Collection(StringsCollection.Name)]
public sealed class InPlaceOverwriteTests(NodeFixture node) : E2ETest(node)
{
    [Fact]
    public void Getset_and_set_get_return_the_old_value_of_the_same_length()
    {
        Expect(Resp.Ok, "SET", K(), "aaaa");
        Expect(Resp.Bulk("aaaa"), "GETSET", K(), "bbbb");
        Expect(Resp.Bulk("bbbb"), "SET", K(), "cccc", "GET");
        Expect(Resp.Bulk("cccc"), "GET", K());
    }

    [Fact]
    public void Copy_and_its_source_change_independently()
    {
        Expect(Resp.Ok, "SET", K("src"), "aaaa");
        Expect(Resp.Int(1), "COPY", K("src"), K("dst"));
        Expect(Resp.Ok, "SET", K("src"), "bbbb");
        Expect(Resp.Bulk("aaaa"), "GET", K("dst"));
        Expect(Resp.Ok, "SET", K("dst"), "cccc");
        Expect(Resp.Bulk("bbbb"), "GET", K("src"));
    }

    [Fact]
    public void Reads_see_each_same_length_overwrite_whole()
    {
        Expect(Resp.Ok, "SET", K(), "0123456789");
        Expect(Resp.Ok, "SET", K(), "abcdefghij");
        Expect(Resp.Bulk("abcdefghij"), "GET", K());
        Expect(Resp.Int(10), "STRLEN", K());
        Expect(Resp.Bulk("cde"), "GETRANGE", K(), "2", "4");
        Expect(Resp.Ok, "MSET", K(), "ABCDEFGHIJ", K("other"), "x");
        Expect("*2\r\n$10\r\nABCDEFGHIJ\r\n$1\r\nx\r\n", "MGET", K(), K("other"));
        Expect(Resp.Int(1), "INCR", K("n"));
        Expect(Resp.Int(2), "INCR", K("n")); // "1" → "2": same length, in place
        Expect(Resp.Bulk("2"), "GET", K("n"));
    }

    /// <summary>One connection alternates two same-length values, pipelined; another reads with GET, MGET and
    /// GETRANGE: every reply is one whole value.</summary>
    [Fact]
    public async Task A_reader_never_sees_a_half_written_value()
    {
        string a = new('a', 8192), b = new('b', 8192), key = K();
        Expect(Resp.Ok, "SET", key, a);
        using var writer = Node.Raw();
        var writes = Task.Run(() =>
        {
            var batch = string.Concat(Enumerable.Range(0, 50).Select(i => RawRespClient.Encode("SET", key, i % 2 == 0 ? b : a)));
            for (int round = 0; round < 40; round++)
            {
                writer.Send(batch);
                for (int i = 0; i < 50; i++) Assert.Equal(Resp.Ok, writer.ReadReply());
            }
        });
        int reads = 0;
        while (!writes.IsCompleted || reads < 100)
        {
            AssertWhole(Cmd("GET", key), 8192);
            AssertWhole(Cmd("MGET", key)["*1\r\n".Length..], 8192);
            AssertWhole(Cmd("GETRANGE", key, "0", "4095"), 4096);
            reads++;
        }
        await writes;
    }

    private static void AssertWhole(string reply, int length)
    {
        string header = $"${length}\r\n";
        Assert.StartsWith(header, reply);
        var value = reply.AsSpan(header.Length, length);
        Assert.True(value.IndexOfAnyExcept(value[0]) < 0, $"a torn value: starts with '{value[0]}', changes at {value.IndexOfAnyExcept(value[0])}");
    }
}
