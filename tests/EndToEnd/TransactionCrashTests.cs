using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>A transaction is one log entry: after a SIGKILL, every transaction is there whole or not at all.</summary>
[Collection(CrashCollection.Name)]
public sealed class TransactionCrashTests
{
    [HyperCacheFact]
    public void A_sigkill_never_leaves_half_a_transaction()
    {
        using var node = new NodeProcess(appendFsync: "always");
        node.Start();
        var prefix = $"txcrash:{Guid.NewGuid().ToString("N")[..8]}:";
        const int writers = 3;
        // Each transaction increments three keys that live in different slots (so different shards).
        string Key(int writer, int i) => $"{prefix}w{writer}:k{i}";
        var acked = new long[writers];
        var stop = false;
        var tasks = Enumerable.Range(0, writers).Select(id => Task.Factory.StartNew(() =>
        {
            try
            {
                using var c = node.Raw();
                while (!Volatile.Read(ref stop))
                {
                    var request = new StringBuilder(RawRespClient.Encode("MULTI"));
                    for (var i = 0; i < 3; i++) request.Append(RawRespClient.Encode("INCR", Key(id, i)));
                    request.Append(RawRespClient.Encode("EXEC"));
                    c.Send(request.ToString());
                    for (var i = 0; i < 4; i++) c.ReadReply(); // +OK, +QUEUED x3
                    var exec = Resp.Parse(c.ReadReply());
                    var results = Assert.IsType<List<object?>>(exec);
                    Volatile.Write(ref acked[id], (long)results[0]!);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or TimeoutException or InvalidDataException)
            {
                // the kill
            }
        }, TaskCreationOptions.LongRunning)).ToArray();

        var sw = Stopwatch.StartNew();
        Eventually.True(() => sw.Elapsed >= TimeSpan.FromSeconds(1) && acked.All(n => Volatile.Read(ref n) > 0),
            "every writer has committed a transaction", TimeSpan.FromSeconds(20));
        node.Kill9();
        Volatile.Write(ref stop, true);
        Assert.True(Task.WaitAll(tasks, TimeSpan.FromSeconds(15)), "writers stop after the kill");

        node.Start();
        using var check = node.Raw();
        for (var id = 0; id < writers; id++)
        {
            var values = Resp.ParseFlatArray(check.Command("MGET", Key(id, 0), Key(id, 1), Key(id, 2)));
            Assert.True(values[0] == values[1] && values[1] == values[2],
                $"writer {id}: a transaction survived in part: {string.Join(", ", values)}\n{node.LogTailMessage(20)}");
            Assert.True(long.Parse(values[0]!) >= acked[id], $"writer {id}: acknowledged {acked[id]} but recovered {values[0]}");
        }
    }
}
