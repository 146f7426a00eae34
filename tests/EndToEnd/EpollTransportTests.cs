using System.Text;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// The epoll RESP transport (<c>--resp-transport epoll</c>) at its edges: replies that pile up while the client does
/// not read (EAGAIN, EPOLLOUT), a client that writes a whole pipeline before it reads, big values, many connections coming and going, a
/// connection killed from another one, a half-closed client, and pub/sub messages flushed from another thread.
/// Against redis-server (HYPERCACHE_E2E_TARGET=redis) the same tests check the expectations are Redis's.
/// </summary>
[Collection(EpollCollection.Name)]
public sealed class EpollTransportTests(EpollNodeFixture node) : E2ETest(node)
{
    [Fact]
    public void Replies_that_pile_up_while_the_client_does_not_read_all_arrive_in_order()
    {
        const int Gets = 4000;
        var value = new string('v', 8 * 1024); // 4000 x 8 KB: 32 MB of replies, far more than the socket buffers
        Expect(Resp.Ok, "SET", K(), value);
        using var client = Node.Raw(TimeSpan.FromSeconds(20));
        var pipeline = new StringBuilder();
        for (int i = 0; i < Gets; i++) pipeline.Append(RawRespClient.Encode("GET", K()));
        pipeline.Append(RawRespClient.Encode("INCR", K("after")));
        client.Send(pipeline.ToString());

        // While that connection is stuck on a full socket, the others are served.
        Expect("+PONG\r\n", "PING");
        Expect(Resp.Int(1), "INCR", K("other"));

        string expected = Resp.Bulk(value);
        for (int i = 0; i < Gets; i++)
        {
            string reply = client.ReadReply();
            if (reply != expected) Assert.Fail($"reply {i} of {Gets} differs: {RawRespClient.Escape(reply[..Math.Min(60, reply.Length)])}");
        }
        Assert.Equal(Resp.Int(1), client.ReadReply());
        Assert.Equal("+PONG\r\n", client.Command("PING"));
    }

    [Fact]
    public async Task A_client_that_writes_its_whole_pipeline_before_reading_a_reply_is_not_left_waiting()
    {
        // As redis-py's pipelines do. 60,000 ECHOs of 1 KB: 60 MB each way, more than both sides' socket buffers,
        // so the client finishes writing only if the server goes on reading while the replies wait unsent (the
        // transport held the handler's flush at 64 KB unsent before, and both sides waited for ever; Redis reads on).
        const int Echoes = 60_000;
        var value = new string('e', 1000);
        using var client = Node.Raw(TimeSpan.FromSeconds(30));
        var pipeline = new StringBuilder();
        for (int i = 0; i < Echoes; i++) pipeline.Append(RawRespClient.Encode("ECHO", value + i));
        // Throws TimeoutException unless the server read the whole pipeline while its replies waited.
        await Task.Run(() => client.Send(pipeline.ToString())).WaitAsync(TimeSpan.FromSeconds(30));
        for (int i = 0; i < Echoes; i++)
        {
            string reply = client.ReadReply();
            if (reply != Resp.Bulk(value + i)) Assert.Fail($"reply {i} of {Echoes} differs: {RawRespClient.Escape(reply[..Math.Min(60, reply.Length)])}");
        }
        Assert.Equal("+PONG\r\n", client.Command("PING"));
    }

    [Fact]
    public void Big_and_small_replies_in_one_pipeline_arrive_whole_when_the_client_reads_late()
    {
        // A value past the writer's 64 KB direct path gets a pipe segment of its own and small replies share 4 KB
        // ones, so the gathered sends cross both kinds, and a full socket stops them inside a segment.
        int[] sizes = [70_000, 3, 300_000, 5_000, 1_000_000, 17, 65_537];
        var values = sizes.Select((size, n) => new string((char)('a' + n), size - 1) + n).ToArray();
        for (int n = 0; n < sizes.Length; n++) Expect(Resp.Ok, "SET", K(n.ToString()), values[n]);
        using var client = Node.Raw(TimeSpan.FromSeconds(20));
        var pipeline = new StringBuilder();
        const int Rounds = 10;
        for (int round = 0; round < Rounds; round++)
            for (int n = 0; n < sizes.Length; n++) pipeline.Append(RawRespClient.Encode("GET", K(n.ToString())));
        client.Send(pipeline.ToString());

        for (int round = 0; round < Rounds; round++)
            for (int n = 0; n < sizes.Length; n++)
            {
                string reply = client.ReadReply();
                if (reply != Resp.Bulk(values[n])) Assert.Fail($"round {round}, value {n} ({sizes[n]} bytes) differs: {RawRespClient.Escape(reply[..Math.Min(60, reply.Length)])}");
            }
        Assert.Equal("+PONG\r\n", client.Command("PING"));
    }

    [Fact]
    public void A_value_past_the_pooled_sizes_goes_both_ways_and_small_commands_follow()
    {
        // Over 4 MB: the command's copy is an array of its own and the reply is written in 256 KB pieces.
        var value = string.Concat(Enumerable.Range(0, (5 << 20) / 10).Select(i => i.ToString("D10")));
        Expect(Resp.Ok, "SET", K(), value);
        Expect(Resp.Bulk(value), "GET", K());
        Expect(Resp.Ok, "SET", K("small"), "v");
        Expect(Resp.Bulk("v"), "GET", K("small"));
        Expect(Resp.Int(value.Length), "STRLEN", K());
    }

    [Fact]
    public void A_value_near_one_megabyte_goes_both_ways_byte_for_byte()
    {
        var bytes = new char[(1 << 20) - 7];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (char)((i * 31 + i / 251) & 0xFF); // every byte value, CR LF included
        var value = new string(bytes);
        Expect(Resp.Ok, "SET", K(), value);
        Expect(Resp.Bulk(value), "GET", K());
        Expect(Resp.Int(value.Length), "STRLEN", K());
    }

    [Fact]
    public async Task Two_hundred_connections_opening_and_closing_at_once_leave_the_server_answering()
    {
        int before = ClientCount();
        var clients = Enumerable.Range(0, 200).Select(i => Task.Run(() =>
        {
            using var c = Node.Raw();
            Assert.Equal(Resp.Int(1), c.Command("INCR", K($"c{i}")));
            Assert.Equal("+PONG\r\n", c.Command("PING"));
        }));
        await Task.WhenAll(clients);
        Expect("+PONG\r\n", "PING");
        Expect(Resp.Int(1), "EXISTS", K("c199"));
        Eventually.True(() => ClientCount() <= before, "the 200 closed connections leave CLIENT LIST");
    }

    [Fact]
    public void Client_kill_closes_the_killed_connection()
    {
        using var victim = Node.Raw();
        string id = victim.Command("CLIENT", "ID")[1..^2];
        string info = victim.Command("CLIENT", "INFO");
        string address = info.Split(' ').First(field => field.StartsWith("addr=", StringComparison.Ordinal))[5..];
        Expect(Resp.Ok, "CLIENT", "KILL", address);
        Assert.Equal("", victim.ReadUntilClosed(TimeSpan.FromSeconds(5)));
        Eventually.True(() => !Cmd("CLIENT", "LIST").Contains($"id={id} "), "the killed client leaves CLIENT LIST");
        Expect("+PONG\r\n", "PING");
    }

    [Fact]
    public void A_client_that_half_closes_after_its_commands_still_gets_the_replies()
    {
        using var client = Node.Raw();
        client.Send(RawRespClient.Encode("SET", K(), "v") + RawRespClient.Encode("GET", K()));
        client.ShutdownSend();
        Assert.Equal(Resp.Ok + Resp.Bulk("v"), client.ReadUntilClosed(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Pub_sub_messages_published_on_another_connection_arrive_in_order()
    {
        using var subscriber = Node.Raw();
        Assert.Equal(Resp.Array(Resp.Bulk("subscribe"), Resp.Bulk(K("ch")), Resp.Int(1)), subscriber.Command("SUBSCRIBE", K("ch")));
        const int Messages = 1000;
        var publishers = Enumerable.Range(0, 2).Select(p => Task.Run(() =>
        {
            using var publisher = Node.Raw();
            for (int i = p; i < Messages; i += 2) Assert.Equal(Resp.Int(1), publisher.Command("PUBLISH", K("ch"), $"m{i}"));
        })).ToArray();
        int[] next = [0, 1]; // each publisher's messages arrive in the order it sent them, each once
        for (int i = 0; i < Messages; i++)
        {
            string reply = subscriber.ReadReply();
            string prefix = "*3\r\n" + Resp.Bulk("message") + Resp.Bulk(K("ch"));
            Assert.StartsWith(prefix, reply);
            int n = int.Parse(reply[prefix.Length..].Split("\r\n")[1][1..]);
            Assert.Equal(next[n % 2], n);
            next[n % 2] += 2;
        }
        await Task.WhenAll(publishers);
        Assert.Equal([Messages, Messages + 1], next);
    }

    [Fact]
    public void An_idle_client_is_closed_after_the_timeout()
    {
        Expect(Resp.Ok, "CONFIG", "SET", "timeout", "1");
        try
        {
            using var idle = Node.Raw();
            Assert.Equal("+PONG\r\n", idle.Command("PING"));
            Assert.Equal("", idle.ReadUntilClosed(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            using var admin = Node.Raw(); // this test's own connection was idle too
            Assert.Equal(Resp.Ok, admin.Command("CONFIG", "SET", "timeout", "0"));
        }
    }

    [Fact]
    public void A_client_over_maxclients_gets_the_error_and_is_closed()
    {
        var open = new List<RawRespClient>();
        Expect(Resp.Ok, "CONFIG", "SET", "maxclients", (ClientCount() + 1).ToString());
        try
        {
            for (int i = 0; i < 20; i++) // other tests' connections may still be closing: open until one is refused
            {
                var c = Node.Raw();
                open.Add(c);
                c.Send(RawRespClient.Encode("PING"));
                string reply = c.ReadReply();
                if (reply == "+PONG\r\n") continue;
                Assert.Equal(Resp.Err("ERR max number of clients reached"), reply);
                Assert.Equal("", c.ReadUntilClosed(TimeSpan.FromSeconds(5)));
                return;
            }
            Assert.Fail("no connection was refused");
        }
        finally
        {
            Cmd("CONFIG", "SET", "maxclients", "10000");
            foreach (var c in open) c.Dispose();
        }
    }

    private int ClientCount() => Cmd("CLIENT", "LIST").Split('\n').Count(line => line.StartsWith("id=", StringComparison.Ordinal));
}
