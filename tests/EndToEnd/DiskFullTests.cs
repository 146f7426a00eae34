using System.Net;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// A node whose disk refuses its log's writes: the log's segment file is a link to /dev/full (every write fails with
/// ENOSPC, as on a full disk). As Redis with an AOF it cannot write: writes and PING get
/// <c>-MISCONF Errors writing to the AOF file: No space left on device</c>, reads go on, the process stays up, and
/// nothing is acknowledged under appendfsync always that did not reach the disk. Before, FasterLog's failure closed
/// every writing connection with a stack trace in the log, or (a failed first flush) left every commit pending for
/// good while INFO said all was well.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class DiskFullTests
{
    private const string Misconf = "-MISCONF Errors writing to the AOF file: No space left on device\r\n";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static NodeProcess StartOnFullDisk(string appendFsync)
    {
        var node = new NodeProcess(appendFsync: appendFsync);
        Directory.CreateDirectory(Path.Combine(node.DataDir, "aof"));
        File.CreateSymbolicLink(Path.Combine(node.DataDir, "aof", "hlog.0"), "/dev/full");
        node.Start();
        return node;
    }

    [HyperCacheFact]
    public void Writes_and_ping_get_misconf_reads_go_on_and_a_restart_on_a_good_disk_writes_again()
    {
        using var node = StartOnFullDisk("everysec");
        using var c = node.Raw();
        // everysec: the first writes are acknowledged before the log learns it cannot write them (as in Redis).
        Eventually.True(() => c.Command("SET", "k", "v") == Misconf, "SET answers MISCONF", Deadline);

        Assert.Equal(Misconf, c.Command("PING"));
        Assert.Equal(Misconf, c.Command("INCR", "counter"));
        Assert.Equal(Resp.Nil, c.Command("GET", "missing"));
        Assert.Equal(Resp.Int(0), c.Command("EXISTS", "counter"));
        Assert.Contains("aof_last_write_status:err", c.Command("INFO", "persistence"));
        // A transaction with a write is refused as a whole; a script's write fails inside it, a read does not.
        Assert.Equal(Resp.Ok, c.Command("MULTI"));
        Assert.Equal(Misconf, c.Command("SET", "x", "1"));
        Assert.StartsWith("-EXECABORT", c.Command("EXEC"));
        Assert.StartsWith(Misconf.TrimEnd(), c.Command("EVAL", "return redis.call('SET', 'x', '1')", "0"));
        Assert.Equal(Resp.Nil, c.Command("EVAL", "return redis.call('GET', 'x')", "0"));

        using (var http = new HttpApi(node.HttpPort))
        {
            http.Put("/api/cache/h", "{\"value\":\"v\"}").AssertError(HttpStatusCode.InsufficientStorage, "log_write_failed");
            http.Get("/ready").AssertError(HttpStatusCode.ServiceUnavailable, "log_write_failed");
            Assert.Equal(HttpStatusCode.OK, http.Get("/health").Status);
            Assert.Contains("hypercache_aof_write_failed 1", http.Get("/metrics").Body);
        }
        Assert.True(node.IsRunning);
        Eventually.True(() => node.LogTail(400).Contains("The AOF cannot be written: No space left on device"), "the node logged why");
        Assert.Single(node.LogTail(400).Split('\n'), line => line.Contains("The AOF cannot be written: No space left on device"));

        // SHUTDOWN goes ahead (as Redis's does when its AOF cannot be written) and says what was not kept.
        c.Send(RawRespClient.Encode("SHUTDOWN"));
        Assert.Equal("", c.ReadUntilClosed(Deadline));
        Assert.Equal(0, node.WaitForExit(Deadline));
        Assert.Contains("the log could not be written past", node.LogTail());

        // The disk is good again: the node recovers its log (what was committed: nothing here) and writes.
        File.Delete(Path.Combine(node.DataDir, "aof", "hlog.0"));
        node.Start();
        using var after = node.Raw();
        Assert.Equal(Resp.Pong, after.Command("PING"));
        Assert.Equal(Resp.Ok, after.Command("SET", "k", "v2"));
        Assert.Contains("aof_last_write_status:ok", after.Command("INFO", "persistence"));
    }

    [HyperCacheFact]
    public void Under_appendfsync_always_no_write_is_acknowledged()
    {
        using var node = StartOnFullDisk("always");
        int refused = 0;
        var deadline = DateTime.UtcNow + Deadline;
        while (refused == 0 && DateTime.UtcNow < deadline)
        {
            using var c = node.Raw();
            string reply;
            try
            {
                reply = c.Command("SET", "k", "v");
            }
            catch (Exception e) when (e is IOException or InvalidDataException or System.Net.Sockets.SocketException)
            {
                continue; // the connection closed without a reply: the write it sent was not acknowledged
            }
            Assert.NotEqual(Resp.Ok, reply);
            Assert.Equal(Misconf, reply);
            refused++;
        }
        Assert.Equal(1, refused);
        using var reader = node.Raw();
        Assert.Equal(Misconf, reader.Command("PING"));
        Assert.True(node.IsRunning);
    }
}
