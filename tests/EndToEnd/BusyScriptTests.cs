using System.Security.Cryptography;
using System.Text;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>A busy script blocks the whole server: these tests get a server of their own.</summary>
[CollectionDefinition(Name)]
public sealed class BusyScriptCollection : ICollectionFixture<NodeFixture>
{
    public const string Name = "busy-script";
}

/// <summary>
/// Redis 7.0's busy scripts: past busy-reply-threshold other clients get BUSY instead of hanging, SCRIPT KILL stops a
/// script that has not written (UNKILLABLE once it has), and SHUTDOWN NOSAVE ends the server under such a script.
/// The script runs on a raw connection of its own whose reply is read only at the end.
/// </summary>
[Collection(BusyScriptCollection.Name)]
public sealed class BusyScriptTests(NodeFixture node) : E2ETest(node)
{
    private const string Busy = "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n";
    private const string Unkillable = "-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n";
    private const string Loop = "while true do end";
    private static readonly TimeSpan BusyDeadline = TimeSpan.FromSeconds(10);

    private static string Sha1(string script) => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(script)));

    private static string Killed(string script, int line = 1)
        => Resp.Err($"ERR Script killed by user with SCRIPT KILL... script: {Sha1(script)}, on @user_script:{line}.");

    /// <summary>Sends the script's command on a new connection and returns it, unanswered.</summary>
    private static RawRespClient Start(int port, params string[] command)
    {
        var runner = new RawRespClient(port, TimeSpan.FromSeconds(20));
        runner.Send(RawRespClient.Encode(command));
        return runner;
    }

    /// <summary>Polls with a command until it is refused with BUSY (the script is past the threshold). PING takes no
    /// lock: a command that does may, in the instant the script takes its locks, wait for the script's end.</summary>
    private static void WaitUntilBusy(RawRespClient other, params string[] probe)
    {
        string last = "";
        Eventually.True(() => (last = other.Command(probe)) == Busy, $"the server answers BUSY (last reply: {RawRespClient.Escape(last)})", BusyDeadline);
    }

    private void Threshold(int ms) => Expect(Resp.Ok, "CONFIG", "SET", "busy-reply-threshold", ms.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Theory]
    [InlineData("EVAL")]
    [InlineData("EVAL_RO")]
    [InlineData("EVALSHA")]
    [InlineData("EVALSHA_RO")]
    public void A_busy_script_is_refused_to_others_then_killed_and_the_server_serves_again(string command)
    {
        Threshold(100);
        Expect(Resp.Ok, "SET", K("before"), "v");
        if (command.StartsWith("EVALSHA", StringComparison.Ordinal)) Expect(Resp.Bulk(Sha1(Loop)), "SCRIPT", "LOAD", Loop);
        string keys = Cmd("DBSIZE");
        using var runner = Start(Node.Port, command, command.StartsWith("EVALSHA", StringComparison.Ordinal) ? Sha1(Loop) : Loop, "0");

        WaitUntilBusy(Raw, "PING");
        Expect(Busy, "SET", K("other"), "x");
        Expect(Busy, "PING");
        Expect(Busy, "SCRIPT", "LOAD", "return 1");
        Expect(Busy, "SHUTDOWN"); // only NOSAVE while busy
        Expect(Resp.Ok, "SCRIPT", "KILL");

        Assert.Equal(Killed(Loop), runner.ReadReply());
        Expect(keys, "DBSIZE"); // the keyspace is as it was
        Expect(Resp.Bulk("v"), "GET", K("before"));
        Expect(Resp.Int(0), "EXISTS", K("other"));
        Expect(Resp.Ok, "SET", K("after"), "w");
        Expect(Resp.Bulk("w"), "GET", K("after"));
        Assert.Equal(Resp.Pong, runner.Command("PING")); // the script's own client goes on too
        Expect(Resp.Err("NOTBUSY No scripts in execution right now."), "SCRIPT", "KILL");
    }

    [Fact]
    public void Http_requests_are_refused_503_busy_while_a_script_is_busy_and_served_after_the_kill()
    {
        Threshold(100);
        Expect(Resp.Ok, "SET", K("h"), "v");
        using var http = new HttpApi(Node.HttpPort);
        using var runner = Start(Node.Port, "EVAL", Loop, "0");
        WaitUntilBusy(Raw, "PING");
        foreach (var reply in new[]
        {
            http.Get("/api/cache/" + K("h")),
            http.Put("/api/cache/" + K("h"), "{\"value\": \"w\"}"),
            http.Delete("/api/cache/" + K("h")),
            http.Post("/api/cache/batch/get", $"{{\"keys\": [{HttpApi.Q(K("h"))}]}}"),
            http.Post("/api/cache/batch/set", $"{{\"items\": [{{\"key\": {HttpApi.Q(K("h"))}, \"value\": \"w\"}}]}}"),
        })
        {
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, reply.Status);
            Assert.Equal("busy", reply.Str("error"));
            Assert.Equal(Busy[1..^2], reply.Str("message"));
        }
        Expect(Resp.Ok, "SCRIPT", "KILL");
        Assert.Equal(Killed(Loop), runner.ReadReply());
        Assert.Equal(System.Net.HttpStatusCode.OK, http.Put("/api/cache/" + K("h"), "{\"value\": \"w\"}").Status);
        Assert.Equal("w", http.Get("/api/cache/" + K("h")).Str("value"));
    }

    [Fact]
    public void Script_kill_with_no_script_running_is_notbusy()
    {
        Expect(Resp.Err("NOTBUSY No scripts in execution right now."), "SCRIPT", "KILL");
        Expect(Resp.Int(1), "EVAL", "return 1", "0");
        Expect(Resp.Err("NOTBUSY No scripts in execution right now."), "SCRIPT", "KILL");
    }

    [Fact]
    public void A_pcall_in_the_script_does_not_stop_the_kill()
    {
        Threshold(100);
        const string script = "while true do pcall(function() while true do end end) end";
        using var runner = Start(Node.Port, "EVAL", script, "0");
        WaitUntilBusy(Raw, "PING");
        Expect(Resp.Ok, "SCRIPT", "KILL");
        Assert.StartsWith("-ERR Script killed by user with SCRIPT KILL... script: " + Sha1(script), runner.ReadReply());
        Expect(Resp.Pong, "PING");
    }

    [Fact]
    public void A_loop_inside_a_coroutine_is_limited_too()
    {
        Threshold(100);
        const string script = "local f = coroutine.wrap(function() while true do end end)\nf()";
        using var runner = Start(Node.Port, "EVAL", script, "0");
        WaitUntilBusy(Raw, "PING");
        Expect(Resp.Ok, "SCRIPT", "KILL");
        Assert.StartsWith("-ERR Script killed by user with SCRIPT KILL...", runner.ReadReply());
        Expect(Resp.Pong, "PING");
    }

    /// <summary>A loop that spends its time in cjson, cmsgpack, bit and struct: a library call is one step (no hook
    /// inside, as Redis's C functions), so the kill lands in the script between calls; the libraries work after.</summary>
    [Fact]
    public void A_loop_of_library_calls_is_killed_between_them_and_the_libraries_work_after()
    {
        Threshold(100);
        const string script = "local s = cjson.encode({1, 2, {a = 'b'}}) local n = 0 while true do n = bit.band(n + #cjson.decode(s) + #cmsgpack.pack(n), 0xffff) + struct.size('i') end";
        const string after = "return {cjson.encode({1}), bit.band(3, 1), #cmsgpack.pack(1), struct.size('i'), #cjson.decode('[1,2]')}";
        for (int round = 0; round < 3; round++)
        {
            using var runner = Start(Node.Port, "EVAL", script, "0");
            WaitUntilBusy(Raw, "PING");
            Expect(Resp.Ok, "SCRIPT", "KILL");
            Assert.Equal(Killed(script), runner.ReadReply());
            Expect(Resp.Array(Resp.Bulk("[1]"), Resp.Int(1), Resp.Int(1), Resp.Int(4), Resp.Int(2)), "EVAL", after, "0");
        }
    }

    [Fact]
    public void A_script_inside_exec_gets_the_limit_and_a_transaction_queued_meanwhile_is_aborted()
    {
        Threshold(100);
        using var runner = new RawRespClient(Node.Port, TimeSpan.FromSeconds(20));
        Assert.Equal(Resp.Ok, runner.Command("MULTI"));
        Assert.Equal(Resp.Simple("QUEUED"), runner.Command("SET", K("in-exec"), "1"));
        Assert.Equal(Resp.Simple("QUEUED"), runner.Command("EVAL", Loop, "0"));
        runner.Send(RawRespClient.Encode("EXEC"));

        WaitUntilBusy(Raw, "PING");
        Expect(Resp.Ok, "MULTI"); // allowed while busy, as in Redis; the commands queued after it are refused
        Expect(Busy, "SET", K("queued"), "1");
        Expect(Resp.Err("EXECABORT Transaction discarded because of: BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."), "EXEC");
        Expect(Resp.Ok, "SCRIPT", "KILL");

        Assert.Equal("*2\r\n+OK\r\n" + Killed(Loop), runner.ReadReply());
        Expect(Resp.Bulk("1"), "GET", K("in-exec")); // the transaction's own write stays
        Expect(Resp.Int(0), "EXISTS", K("queued"));
    }

    [Fact]
    public void Watch_is_allowed_while_busy_and_sees_what_the_script_writes_after_it()
    {
        Threshold(100);
        Expect(Resp.Ok, "MSET", K("written"), "0", K("untouched"), "0");
        // runs 2 s by the server's clock, then writes one key and ends by itself (a script that wrote cannot be killed)
        const string script = "local t = redis.call('TIME') local start = t[1] * 1000000 + t[2] " +
            "repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] - start > 2000000 " +
            "redis.call('SET', KEYS[1], 'by-script') return 'done'";
        using var runner = Start(Node.Port, "EVAL", script, "1", K("written"));
        WaitUntilBusy(Raw, "PING");

        using var watchesWritten = Node.Raw();
        using var watchesOther = Node.Raw();
        Assert.Equal(Resp.Ok, watchesWritten.Command("WATCH", K("written")));   // answered at once, as in Redis
        Assert.Equal(Resp.Ok, watchesOther.Command("WATCH", K("untouched")));
        Assert.Equal(Busy, Raw.Command("PING")); // both WATCHes came while the script still ran

        Assert.Equal(Resp.Bulk("done"), runner.ReadReply());
        foreach (var c in new[] { watchesWritten, watchesOther })
        {
            Assert.Equal(Resp.Ok, c.Command("MULTI"));
            Assert.Equal(Resp.Simple("QUEUED"), c.Command("INCR", K("untouched")));
        }
        Assert.Equal("*-1\r\n", watchesWritten.Command("EXEC")); // the script wrote its key after the WATCH
        Assert.Equal("*1\r\n:1\r\n", watchesOther.Command("EXEC"));
        Expect(Resp.Bulk("by-script"), "GET", K("written"));
    }

    [Fact]
    public void A_script_that_finishes_under_the_threshold_never_makes_anyone_see_busy()
    {
        Threshold(5000);
        Expect(Resp.Ok, "SET", K("k"), "v");
        // runs ~300 ms by the server's clock, far under the threshold
        const string script = "local t = redis.call('TIME') local start = t[1] * 1000000 + t[2] local n = 0 " +
            "repeat n = n + 1 t = redis.call('TIME') until t[1] * 1000000 + t[2] - start > 300000 return 'done'";
        using var runner = Start(Node.Port, "EVAL", script, "0");
        for (int i = 0; i < 5; i++) Expect(Resp.Bulk("v"), "GET", K("k")); // wait for the script, never BUSY
        Assert.Equal(Resp.Bulk("done"), runner.ReadReply());
    }

    [Fact]
    public void Busy_reply_threshold_and_its_alias_lua_time_limit_are_one_setting()
    {
        Threshold(1234);
        Expect(Resp.Array(Resp.Bulk("lua-time-limit"), Resp.Bulk("1234")), "CONFIG", "GET", "lua-time-limit");
        Expect(Resp.Ok, "CONFIG", "SET", "lua-time-limit", "5000");
        Expect(Resp.Array(Resp.Bulk("busy-reply-threshold"), Resp.Bulk("5000")), "CONFIG", "GET", "busy-reply-threshold");
        Expect(Resp.Err("ERR CONFIG SET failed (possibly related to argument 'busy-reply-threshold') - argument must be between 0 and 9223372036854775807 inclusive"),
            "CONFIG", "SET", "busy-reply-threshold", "-1");
        Expect(Resp.Err("ERR CONFIG SET failed (possibly related to argument 'lua-time-limit') - argument couldn't be parsed into an integer"),
            "CONFIG", "SET", "lua-time-limit", "abc");
    }

    /// <summary>UNKILLABLE, then SHUTDOWN NOSAVE ends the server: on a server of its own (either target).</summary>
    [Fact]
    public async Task A_script_that_wrote_is_unkillable_and_shutdown_nosave_ends_the_server()
    {
        var server = new NodeFixture();
        await server.InitializeAsync();
        try
        {
            using var other = server.Raw();
            Assert.Equal(Resp.Ok, other.Command("CONFIG", "SET", "busy-reply-threshold", "100"));
            using var runner = Start(server.Port, "EVAL", "redis.call('SET', KEYS[1], 'unfinished') " + Loop, "1", K("w"));
            WaitUntilBusy(other, "PING");
            Assert.Equal(Unkillable, other.Command("SCRIPT", "KILL"));
            Assert.Equal(Busy, other.Command("SHUTDOWN", "SAVE"));
            other.Send(RawRespClient.Encode("SHUTDOWN", "NOSAVE"));
            Assert.Equal("", other.ReadUntilClosed(TimeSpan.FromSeconds(20))); // no reply: the server is gone
            Assert.Equal("", runner.ReadUntilClosed(TimeSpan.FromSeconds(20))); // the script's caller is never answered
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>After SHUTDOWN NOSAVE under a script that wrote, what was acknowledged is there after the restart and
    /// the unfinished script's write is not (it was never logged).</summary>
    [HyperCacheFact]
    public void Shutdown_nosave_under_a_busy_script_keeps_acknowledged_writes_and_drops_the_scripts()
    {
        using var server = new NodeProcess(appendFsync: "everysec");
        server.Start();
        using (var other = server.Raw())
        {
            Assert.Equal(Resp.Ok, other.Command("CONFIG", "SET", "busy-reply-threshold", "100"));
            Assert.Equal(Resp.Ok, other.Command("SET", "acknowledged", "1"));
            using var runner = Start(server.Port, "EVAL", "redis.call('SET', KEYS[1], 'unfinished') " + Loop, "1", "w");
            WaitUntilBusy(other, "PING");
            Assert.Equal(Unkillable, other.Command("SCRIPT", "KILL"));
            other.Send(RawRespClient.Encode("SHUTDOWN", "NOSAVE"));
            Assert.Equal("", other.ReadUntilClosed(TimeSpan.FromSeconds(20)));
        }
        Assert.Equal(0, server.WaitForExit(TimeSpan.FromSeconds(20)));

        server.Start();
        using var after = server.Raw();
        Assert.Equal(Resp.Bulk("1"), after.Command("GET", "acknowledged"));
        Assert.Equal(Resp.Int(0), after.Command("EXISTS", "w"));
    }

    /// <summary>With one epoll loop, the script holds the thread of every connection: a stand-in thread must serve
    /// the others (their BUSY and SCRIPT KILL), new ones included, and the script's own pipelined commands run after.</summary>
    [HyperCacheFact]
    public void A_single_epoll_loop_held_by_a_busy_script_still_serves_its_other_connections()
    {
        using var server = new NodeProcess(extraArgs: ["--resp-transport", "epoll", "--io-threads", "1"]);
        server.Start();
        using var other = server.Raw();
        Assert.Equal(Resp.Ok, other.Command("CONFIG", "SET", "busy-reply-threshold", "100"));
        Assert.Equal(Resp.Ok, other.Command("SET", "k", "v"));
        using var runner = new RawRespClient(server.Port, TimeSpan.FromSeconds(20));
        // The EVAL runs on the loop thread when the runner's handler is parked in its read by then: the round trip
        // of the other connection makes that likely (otherwise the handler that answered PING runs it on the thread
        // pool, and the test passes without needing the stand-in).
        Assert.Equal(Resp.Pong, runner.Command("PING"));
        Assert.Equal(Resp.Pong, other.Command("PING"));
        runner.Send(RawRespClient.Encode("EVAL", Loop, "0") + RawRespClient.Encode("PING"));

        WaitUntilBusy(other, "PING");
        using (var late = server.Raw()) Assert.Equal(Busy, late.Command("GET", "k"));
        Assert.Equal(Resp.Ok, other.Command("SCRIPT", "KILL"));

        Assert.Equal(Killed(Loop), runner.ReadReply());
        Assert.Equal(Resp.Pong, runner.ReadReply());
        Assert.Equal(Resp.Bulk("v"), other.Command("GET", "k"));
        using var after = server.Raw();
        Assert.Equal(Resp.Bulk("v"), after.Command("GET", "k"));
    }

    /// <summary>A script sent right after SCRIPT KILL may be read by the thread that took the loop over from the one
    /// the killed script held, before that one is back: it then runs there and goes busy too. Nobody may wait for a
    /// held thread (the node hung here: the loop thread waited for the held stand-in, and no connection of the loop
    /// was read, the SCRIPT KILL meant for the new script neither). Each round races a stream of EVALs against the
    /// kill, until one runs; bounded rounds.</summary>
    [HyperCacheFact]
    public void A_script_that_a_stand_in_started_can_go_busy_and_be_killed_too()
    {
        const string next = "local x = 0 while true do x = x + 1 end";
        using var server = new NodeProcess(extraArgs: ["--resp-transport", "epoll", "--io-threads", "1"]);
        server.Start();
        using var other = server.Raw();
        Assert.Equal(Resp.Ok, other.Command("CONFIG", "SET", "busy-reply-threshold", "50"));
        for (int round = 0; round < 30; round++)
        {
            using var runner = Start(server.Port, "EVAL", Loop, "0");
            WaitUntilBusy(other, "PING");
            using var racer = new RawRespClient(server.Port, TimeSpan.FromSeconds(20));
            other.Send(RawRespClient.Encode("SCRIPT", "KILL"));
            int refused = 0;
            while (true) // bounded: each EVAL is refused BUSY only while the killed script has not ended
            {
                racer.Send(RawRespClient.Encode("EVAL", next, "0"));
                if (!racer.WaitForData(TimeSpan.FromMilliseconds(200))) break; // no BUSY at once: it runs
                Assert.Equal(Busy, racer.ReadReply());
                Assert.True(++refused < 100_000, "EVALs kept being refused BUSY after SCRIPT KILL");
            }
            Assert.Equal(Resp.Ok, other.ReadReply());
            Assert.Equal(Killed(Loop), runner.ReadReply());

            // The racer's script goes busy (the hang was here: no PING answered), unless its BUSY was only late.
            string last = "";
            Eventually.True(() => !racer.NothingReceived || (last = other.Command("PING")) == Busy,
                $"the racer's script went busy (last reply: {RawRespClient.Escape(last)})", BusyDeadline);
            if (!racer.NothingReceived)
            {
                Assert.Equal(Busy, racer.ReadReply());
                continue;
            }
            Assert.Equal(Resp.Ok, other.Command("SCRIPT", "KILL"));
            Assert.Equal(Killed(next), racer.ReadReply());
        }
        Assert.Equal(Resp.Pong, other.Command("PING"));
    }
}
