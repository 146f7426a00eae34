using System.Diagnostics;
using System.Text.RegularExpressions;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// CLIENT PAUSE / UNPAUSE as redis-server 7.0.15: paused commands wait (never refused) and then run in order, WRITE
/// covers writes and may-replicate commands only, ALL everything, a second pause keeps the stricter mode and later
/// end, expiry deletes nothing meanwhile; the errors. A paused client shows flags=b in CLIENT LIST, which is how the
/// tests know it waits. Run on both RESP transports (a paused command must park its connection, not a loop thread).
/// </summary>
public abstract class ClientPauseTests(NodeFixture node) : E2ETest(node)
{
    private static string Id(RawRespClient c) => ((long)Resp.Parse(c.Command("CLIENT", "ID"))!).ToString();

    /// <summary>Waits until the client with this id is parked (CLIENT LIST: flags=b) on <paramref name="command"/>.</summary>
    private void WaitParked(string id, string command)
    {
        Eventually.True(() =>
        {
            var list = (string)Resp.Parse(Cmd("CLIENT", "LIST"))!;
            var line = list.Split('\n').FirstOrDefault(l => l.StartsWith($"id={id} ", StringComparison.Ordinal)) ?? "";
            return Regex.IsMatch(line, @" flags=\w*b") && line.Contains($" cmd={command} ");
        }, $"client {id} is paused on {command}");
    }

    public override void Dispose()
    {
        try
        {
            Cmd("CLIENT", "UNPAUSE");
        }
        finally
        {
            base.Dispose();
        }
    }

    [Fact]
    public void Write_pause_holds_writes_until_unpause_and_reads_go_on()
    {
        Expect(Resp.Ok, "SET", K(), "old");
        using var writer = Node.Raw();
        string id = Id(writer);
        Expect(Resp.Ok, "CLIENT", "PAUSE", "100000", "WRITE");
        writer.Send(RawRespClient.Encode("SET", K(), "new"));
        WaitParked(id, "set");
        Expect(Resp.Bulk("old"), "GET", K());          // a read runs, and the write has not happened
        Assert.Contains("blocked_clients:1\r\n", Cmd("INFO", "clients")); // as Redis, a paused client counts
        Assert.True(writer.NothingReceived);
        Expect(Resp.Ok, "CLIENT", "UNPAUSE");
        Assert.Equal(Resp.Ok, writer.ReadReply());
        Expect(Resp.Bulk("new"), "GET", K());
    }

    /// <summary>As in Redis, where commands run one at a time: once CLIENT PAUSE WRITE has answered, no write of
    /// another client runs, not even one that began before it (here it could run on another thread and finish after the
    /// pause's reply, moving the offset a failover reads). A SUNIONSTORE of 2 x 150 k members (~100 ms) runs as the
    /// pause comes; it is logged before the pause answers. (With one epoll loop both run on its thread, one after the
    /// other; the Kestrel sockets transport runs them on two threads.)</summary>
    [Fact]
    public void A_write_running_as_the_pause_comes_ends_before_the_pause_answers()
    {
        string a = K("a"), b = K("b"), dest = K("dest");
        using (var loader = Node.Raw(TimeSpan.FromSeconds(30)))
        {
            const int chunk = 5_000;
            var pipeline = new System.Text.StringBuilder();
            for (int start = 0; start < 150_000; start += chunk)
                foreach (var (key, tag) in new[] { (a, "a"), (b, "b") })
                    pipeline.Append(RawRespClient.Encode([ "SADD", key, .. Enumerable.Range(start, chunk).Select(i => tag + i) ]));
            loader.Send(pipeline.ToString());
            for (int i = 0; i < 2 * 150_000 / chunk; i++) Assert.Equal(Resp.Int(chunk), loader.ReadReply());
        }
        using var writer = Node.Raw(TimeSpan.FromSeconds(30));
        string id = Id(writer);
        writer.Send(RawRespClient.Encode("SUNIONSTORE", dest, a, b));
        Eventually.True(() => ((string)Resp.Parse(Cmd("CLIENT", "LIST"))!).Split('\n')
            .Any(l => l.StartsWith($"id={id} ", StringComparison.Ordinal) && l.Contains(" cmd=sunionstore ")), "the SUNIONSTORE began");
        Expect(Resp.Ok, "CLIENT", "PAUSE", "100000", "WRITE");
        string tail = LogTail(); // read without a shard lock (EXISTS would wait for the SUNIONSTORE's)
        Assert.Equal(Resp.Int(300_000), writer.ReadReply());
        Assert.Equal(tail, LogTail()); // it was logged before the pause answered
        Expect(Resp.Int(1), "EXISTS", dest);
        Expect(Resp.Ok, "CLIENT", "UNPAUSE");
    }

    private string LogTail() => Regex.Match(Cmd("INFO", "persistence"), @"aof_tail_address:(\d+)").Groups[1].Value;

    [Fact]
    public void Many_held_connections_leave_the_others_served()
    {
        // More held connections than the node has request loops: if a held command blocked its loop thread, some
        // new connection would land on a blocked loop and get no answer.
        var writers = Enumerable.Range(0, 12).Select(_ => Node.Raw()).ToList();
        try
        {
            var ids = writers.Select(Id).ToList();
            Expect(Resp.Ok, "CLIENT", "PAUSE", "100000", "WRITE");
            for (int i = 0; i < writers.Count; i++) writers[i].Send(RawRespClient.Encode("INCR", K()));
            foreach (var id in ids) WaitParked(id, "incr");
            for (int i = 0; i < 12; i++)
            {
                using var reader = Node.Raw();
                Assert.Equal(Resp.Bulk(null), reader.Command("GET", K()));
            }
            Expect(Resp.Ok, "CLIENT", "UNPAUSE");
            var replies = writers.Select(w => (long)Resp.Parse(w.ReadReply())!).Order().ToList();
            Assert.Equal(Enumerable.Range(1, 12).Select(n => (long)n), replies);
        }
        finally
        {
            foreach (var w in writers) w.Dispose();
        }
    }

    [Fact]
    public void Evictions_wait_for_the_end_of_a_pause()
    {
        long Evicted() => long.Parse(Regex.Match(Cmd("INFO", "stats"), @"evicted_keys:(\d+)").Groups[1].Value);
        for (int i = 0; i < 50; i++) Expect(Resp.Ok, "SET", K("e" + i), new string('x', 1000));
        string policy = Resp.ParseFlatArray(Cmd("CONFIG", "GET", "maxmemory-policy"))[1]!;
        long before = Evicted();
        Expect(Resp.Ok, "CLIENT", "PAUSE", "100000", "WRITE");
        try
        {
            Expect(Resp.Ok, "CONFIG", "SET", "maxmemory-policy", "allkeys-random");
            Expect(Resp.Ok, "CONFIG", "SET", "maxmemory", "1");
            // Eviction runs before every command and in the background: half a second of commands would evict.
            var watch = Stopwatch.StartNew();
            while (watch.ElapsedMilliseconds < 500) Assert.Equal(before, Evicted());
            Expect(Resp.Ok, "CLIENT", "UNPAUSE");
            Eventually.True(() => Evicted() > before, "keys are evicted once the pause is over");
        }
        finally
        {
            Cmd("CONFIG", "SET", "maxmemory", "0");
            Cmd("CONFIG", "SET", "maxmemory-policy", policy);
        }
    }

    [Fact]
    public void Pipelined_commands_after_a_paused_one_keep_their_order()
    {
        Expect(Resp.Ok, "SET", K(), "0");
        using var writer = Node.Raw();
        string id = Id(writer);
        Expect(Resp.Ok, "CLIENT", "PAUSE", "100000", "WRITE");
        writer.Send(RawRespClient.Encode("GET", K()) + RawRespClient.Encode("SET", K(), "1") + RawRespClient.Encode("GET", K())
            + RawRespClient.Encode("INCR", K()) + RawRespClient.Encode("GET", K()));
        Assert.Equal(Resp.Bulk("0"), writer.ReadReply()); // before the paused SET
        WaitParked(id, "set");
        Expect(Resp.Ok, "CLIENT", "UNPAUSE");
        Assert.Equal(Resp.Ok, writer.ReadReply());
        Assert.Equal(Resp.Bulk("1"), writer.ReadReply());
        Assert.Equal(Resp.Int(2), writer.ReadReply());
        Assert.Equal(Resp.Bulk("2"), writer.ReadReply());
    }

    [Fact]
    public void All_pause_holds_every_command_until_it_ends_by_itself()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        using var reader = Node.Raw();
        var clock = Stopwatch.StartNew();
        Expect(Resp.Ok, "CLIENT", "PAUSE", "400", "ALL");
        Assert.Equal(Resp.Bulk("v"), reader.Command("GET", K()));
        Assert.True(clock.ElapsedMilliseconds >= 390, $"GET answered after {clock.ElapsedMilliseconds} ms of a 400 ms pause");
        Expect(Resp.Simple("PONG"), "PING"); // the pausing client too, after the end
    }

    [Fact]
    public void Write_pause_covers_may_replicate_commands_and_write_scripts_only()
    {
        Expect(Resp.Ok, "SET", K(), "v");
        Expect(Resp.Simple("OK"), "SCRIPT", "FLUSH");
        Expect(Resp.Ok, "CLIENT", "PAUSE", "100000", "WRITE");
        var parked = new List<(RawRespClient Client, string Reply)>();
        try
        {
            void Held(string expectedAfter, string command, params string[] args)
            {
                var c = Node.Raw();
                parked.Add((c, expectedAfter));
                string id = Id(c);
                c.Send(RawRespClient.Encode(args));
                WaitParked(id, command);
            }

            Held(Resp.Int(0), "publish", "PUBLISH", K("channel"), "m");
            Held(Resp.Int(0), "pfcount", "PFCOUNT", K("hll"));
            Held(Resp.Int(1), "eval", "EVAL", "return 1", "0");
            Held(Resp.Int(1), "del", "DEL", K());
            Held(Resp.Ok, "swapdb", "SWAPDB", "14", "15");

            // Reads, read-only scripts and the admin commands that do not write run at once.
            Expect(Resp.Int(2), "EVAL", "#!lua flags=no-writes\nreturn 2", "0");
            Expect(Resp.Int(3), "EVAL_RO", "return 3", "0");
            Expect(Resp.Bulk("e0e1f9fabfc9d4800c877a703b823ac0578ff8db"), "SCRIPT", "LOAD", "return 1");
            Expect(Resp.Int(0), "WAIT", "0", "0");
            Expect(Resp.Int(1), "EXISTS", K());
            Expect(Resp.Ok, "SELECT", "0");

            // MULTI: queueing a write waits; an EXEC of reads does not.
            using (var tx = Node.Raw())
            {
                Assert.Equal(Resp.Ok, tx.Command("MULTI"));
                Assert.Equal(Resp.Simple("QUEUED"), tx.Command("GET", K()));
                Assert.Equal(Resp.Array(Resp.Bulk("v")), tx.Command("EXEC"));
            }
        }
        finally
        {
            Cmd("CLIENT", "UNPAUSE");
        }
        foreach (var (client, reply) in parked)
        {
            Assert.Equal(reply, client.ReadReply());
            client.Dispose();
        }
        Expect(Resp.Int(0), "EXISTS", K());
    }

    [Fact]
    public void Queueing_a_write_in_MULTI_waits_and_EXEC_of_writes_waits()
    {
        using var tx = Node.Raw();
        string id = Id(tx);
        Assert.Equal(Resp.Ok, tx.Command("MULTI"));
        Expect(Resp.Ok, "CLIENT", "PAUSE", "100000", "WRITE");
        tx.Send(RawRespClient.Encode("SET", K(), "1"));
        WaitParked(id, "set");
        Expect(Resp.Ok, "CLIENT", "UNPAUSE");
        Assert.Equal(Resp.Simple("QUEUED"), tx.ReadReply());
        Expect(Resp.Ok, "CLIENT", "PAUSE", "100000", "WRITE");
        tx.Send(RawRespClient.Encode("EXEC"));
        WaitParked(id, "exec");
        Expect(Resp.Int(0), "EXISTS", K());
        Expect(Resp.Ok, "CLIENT", "UNPAUSE");
        Assert.Equal(Resp.Array(Resp.Ok), tx.ReadReply());
        Expect(Resp.Int(1), "EXISTS", K());
    }

    [Fact]
    public void A_pause_inside_EXEC_starts_after_it()
    {
        using var tx = Node.Raw();
        tx.Send(RawRespClient.Encode("MULTI") + RawRespClient.Encode("SET", K(), "1") + RawRespClient.Encode("CLIENT", "PAUSE", "100000", "WRITE")
            + RawRespClient.Encode("SET", K(), "2") + RawRespClient.Encode("EXEC"));
        for (int i = 0; i < 4; i++) tx.ReadReply();
        Assert.Equal(Resp.Array(Resp.Ok, Resp.Ok, Resp.Ok), tx.ReadReply());
        using var other = Node.Raw();
        string id = Id(other);
        other.Send(RawRespClient.Encode("SET", K(), "3"));
        WaitParked(id, "set");
        Expect(Resp.Bulk("2"), "GET", K());
        Expect(Resp.Ok, "CLIENT", "UNPAUSE");
        Assert.Equal(Resp.Ok, other.ReadReply());
    }

    [Fact]
    public void A_second_pause_keeps_the_stricter_mode_and_the_later_end()
    {
        using var writer = Node.Raw();
        string id = Id(writer);
        Expect(Resp.Ok, "CLIENT", "PAUSE", "100000", "WRITE");
        Expect(Resp.Ok, "CLIENT", "PAUSE", "1", "WRITE"); // the end stays 100 s away
        Expect(Resp.Ok, "CLIENT", "PAUSE", "0", "WRITE");
        writer.Send(RawRespClient.Encode("SET", K(), "v"));
        WaitParked(id, "set");
        Expect(Resp.Ok, "CLIENT", "UNPAUSE");
        Assert.Equal(Resp.Ok, writer.ReadReply());
    }

    [Fact]
    public void Errors_as_Redis()
    {
        Expect(Resp.Err("ERR CLIENT PAUSE mode must be WRITE or ALL"), "CLIENT", "PAUSE", "x", "XX");
        Expect(Resp.Err("ERR CLIENT PAUSE mode must be WRITE or ALL"), "CLIENT", "PAUSE", "-1", "READ");
        Expect(Resp.Err("ERR timeout is not an integer or out of range"), "CLIENT", "PAUSE", "x");
        Expect(Resp.Err("ERR timeout is not an integer or out of range"), "CLIENT", "PAUSE", "9223372036854775808", "WRITE");
        Expect(Resp.Err("ERR timeout is negative"), "CLIENT", "PAUSE", "-1", "write");
        Expect(Resp.Err("ERR unknown subcommand or wrong number of arguments for 'pause'. Try CLIENT HELP."), "CLIENT", "pause", "1", "WRITE", "x");
        Expect(Resp.Err("ERR wrong number of arguments for 'client|pause' command"), "CLIENT", "PAUSE");
        Expect(Resp.Err("ERR wrong number of arguments for 'client|unpause' command"), "CLIENT", "UNPAUSE", "x");
        Expect(Resp.Ok, "CLIENT", "UNPAUSE");
        // A timeout so large that now + timeout wraps: Redis's pause is then over before it starts.
        Expect(Resp.Ok, "CLIENT", "PAUSE", "9223372036854775807", "WRITE");
        Expect(Resp.Ok, "SET", K(), "v");
    }

    [Fact]
    public void Keys_do_not_expire_by_deletion_while_paused()
    {
        long Expired() => long.Parse(Regex.Match((string)Resp.Parse(Cmd("INFO", "stats"))!, @"expired_keys:(\d+)").Groups[1].Value);
        Expect(Resp.Ok, "SET", K(), "v", "PX", "50");
        Expect(Resp.Ok, "CLIENT", "PAUSE", "100000", "WRITE");
        long before = Expired();
        Eventually.True(() => Cmd("GET", K()) == Resp.Bulk(null), "the key reads as gone once its TTL passed");
        // Active expiry runs ten times a second: over half a second it would have deleted the key.
        var watch = Stopwatch.StartNew();
        while (watch.ElapsedMilliseconds < 500) Assert.Equal(before, Expired());
        Expect(Resp.Ok, "CLIENT", "UNPAUSE");
        Eventually.True(() => Expired() > before, "the key is deleted once the pause is over");
    }

    [HyperCacheFact]
    public async Task An_http_write_waits_for_the_pause_too()
    {
        using var http = new HttpClient();
        Expect(Resp.Ok, "CLIENT", "PAUSE", "100000", "WRITE");
        var put = http.PutAsync($"{Node.HttpBase}/api/cache/{Uri.EscapeDataString(K())}",
            new StringContent("{\"value\":\"v\"}", System.Text.Encoding.UTF8, "application/json"));
        // Absence can only be watched for a while: 300 ms without an answer, and the key not written.
        Assert.False(put.Wait(300), "the PUT was answered during the pause");
        Expect(Resp.Int(0), "EXISTS", K());
        var read = await http.GetAsync($"{Node.HttpBase}/api/cache/{Uri.EscapeDataString(K())}"); // reads are not held
        Assert.Equal(System.Net.HttpStatusCode.NotFound, read.StatusCode);
        Expect(Resp.Ok, "CLIENT", "UNPAUSE");
        Assert.Equal(System.Net.HttpStatusCode.OK, (await put).StatusCode);
        Expect(Resp.Bulk("v"), "GET", K());
    }

    /// <summary>Redis 7.0.15 crashes on this (it unblocks the paused client); HyperCache answers 0 and keeps it paused.</summary>
    [HyperCacheFact]
    public void Client_unblock_does_not_release_a_paused_command()
    {
        using var writer = Node.Raw();
        string id = Id(writer);
        Expect(Resp.Ok, "CLIENT", "PAUSE", "100000", "WRITE");
        writer.Send(RawRespClient.Encode("SET", K(), "v"));
        WaitParked(id, "set");
        Expect(Resp.Int(0), "CLIENT", "UNBLOCK", id);
        Expect(Resp.Int(0), "CLIENT", "UNBLOCK", id, "ERROR");
        Expect(Resp.Int(0), "EXISTS", K());
        Expect(Resp.Ok, "CLIENT", "UNPAUSE");
        Assert.Equal(Resp.Ok, writer.ReadReply());
    }
}

[Collection(SocketsCollection.Name)]
public sealed class ClientPauseSocketsTests(SocketsNodeFixture node) : ClientPauseTests(node);

[Collection(EpollCollection.Name)]
public sealed class ClientPauseEpollTests(EpollNodeFixture node) : ClientPauseTests(node);
