using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>DUMP and RESTORE on this node alone: WATCH and MULTI, big payloads, hostile payloads.</summary>
[Collection(KeysCollection.Name)]
public sealed class DumpRestoreTests(NodeFixture node) : E2ETest(node)
{
    [HyperCacheFact]
    public void Restore_of_a_watched_key_aborts_the_transaction()
    {
        Cmd("SET", K("src"), "v");
        var payload = DumpRestoreDifferentialTests.Payload(Raw, K("src"));
        using var watcher = Node.Raw();
        Assert.Equal(Resp.Ok, watcher.Command("WATCH", K("w")));
        Assert.Equal(Resp.Ok, Cmd("RESTORE", K("w"), "0", payload));
        Assert.Equal(Resp.Ok, watcher.Command("MULTI"));
        Assert.Equal(Resp.Simple("QUEUED"), watcher.Command("GET", K("w")));
        Assert.Equal("*-1\r\n", watcher.Command("EXEC"));
    }

    [HyperCacheFact]
    public void Restore_inside_multi_runs_with_the_transaction()
    {
        Cmd("RPUSH", K("src"), "a", "b", "c");
        var payload = DumpRestoreDifferentialTests.Payload(Raw, K("src"));
        Assert.Equal(Resp.Ok, Cmd("MULTI"));
        Assert.Equal(Resp.Simple("QUEUED"), Cmd("RESTORE", K("t"), "0", payload));
        Assert.Equal(Resp.Simple("QUEUED"), Cmd("RPUSH", K("t"), "d"));
        Assert.Equal(Resp.Simple("QUEUED"), Cmd("RESTORE", K("t"), "0", payload));
        Assert.Equal(Resp.Array(Resp.Ok, Resp.Int(4), Resp.Err("BUSYKEY Target key name already exists.")), Cmd("EXEC"));
        Assert.Equal(Resp.BulkArray("a", "b", "c", "d"), Cmd("LRANGE", K("t"), "0", "-1"));
    }

    [HyperCacheFact]
    public void Big_values_round_trip_and_hostile_payloads_leave_the_node_alive()
    {
        var big = new string('q', 8_000_000) + "end";
        Assert.Equal(Resp.Ok, Cmd("SET", K("big"), big));
        Assert.Equal(Resp.Int(100_000), Cmd(["RPUSH", K("list"), .. Enumerable.Range(0, 100_000).Select(i => "element" + i)]));
        foreach (var key in new[] { K("big"), K("list") })
        {
            var payload = DumpRestoreDifferentialTests.Payload(Raw, key);
            Assert.Equal(Resp.Ok, Cmd("RESTORE", key + ":copy", "0", payload));
            Assert.True(DumpRestoreDifferentialTests.Content(Raw, key) == DumpRestoreDifferentialTests.Content(Raw, key + ":copy"), key);
        }

        string Hostile(params byte[] body) => RawRespClient.Latin1.GetString(DumpRestoreDifferentialTests.WithFooter(body));
        var bad = Resp.Err("ERR Bad data format");
        Assert.Equal(bad, Cmd("RESTORE", K("h1"), "0", Hostile(0x00, 0xC3, 0x02, 0x80, 0x7F, 0xFF, 0xFF, 0xFF, 0x00, 0x00))); // LZF claims 2 GB
        Assert.Equal(bad, Cmd("RESTORE", K("h2"), "0", Hostile(0x01, 0x81, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF))); // 2^63 elements
        Assert.Equal(bad, Cmd("RESTORE", K("h3"), "0", Hostile(0x12, 0x01, 0x02, 0x0A, 0xFF, 0xFF, 0xFF, 0x7F, 0x01, 0x00, 0x81, 0x61, 0x02, 0xFF))); // listpack lies about its size
        Assert.Equal(bad, Cmd("RESTORE", K("h4"), "0", Hostile(0x0B, 0x08, 0x08, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x0F))); // intset of 2^28 entries
        Assert.Equal(Resp.Int(0), Cmd("EXISTS", K("h1"), K("h2"), K("h3"), K("h4")));
        Assert.Equal(Resp.Simple("PONG"), Cmd("PING"));
    }
}
