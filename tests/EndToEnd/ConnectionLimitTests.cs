using System.Globalization;
using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// A node under a low file-descriptor limit (prlimit --nofile=700, as a container's --ulimit might set). Before, the
/// 160th or so client took the last descriptor and the .NET runtime aborted the whole process ("Out of memory.":
/// it could not read /proc/self/status). Now maxclients is lowered at start to what the limit leaves, as Redis does,
/// the clients past it are refused with Redis's error, and the node goes on.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class ConnectionLimitTests
{
    [HyperCacheFact]
    public void Under_a_low_descriptor_limit_maxclients_is_lowered_and_the_clients_past_it_are_refused()
    {
        using var node = new NodeProcess(appendFsync: "everysec") { Launcher = ["prlimit", "--nofile=700:700"] };
        node.Start();
        int maxClients;
        using (var c = node.Raw())
        {
            var reply = c.Command("CONFIG", "GET", "maxclients");
            maxClients = int.Parse(Resp.ParseFlatArray(reply)[1]!, CultureInfo.InvariantCulture);
            Assert.InRange(maxClients, 50, 700 - 200);
            Assert.StartsWith("-ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating system is not able to handle the specified number of clients, try with ",
                c.Command("CONFIG", "SET", "maxclients", "10000"));
        }
        Eventually.True(() => node.LogTail().Contains("maxclients 10000 needs more file descriptors than the limit of 700 leaves"),
            "the node warned that it lowered maxclients"); // its output reaches us a moment later

        var clients = new List<RawRespClient>();
        try
        {
            int served = 0, refused = 0;
            for (int i = 0; i < maxClients + 100; i++)
            {
                var client = node.Raw();
                clients.Add(client);
                string reply = client.Command("PING");
                if (reply == Resp.Pong) served++;
                else if (reply == Resp.Err("ERR max number of clients reached")) refused++;
                else Assert.Fail($"client {i}: {RawRespClient.Escape(reply)}");
            }
            // The test's own probes may hold a slot or two while they last.
            Assert.InRange(served, maxClients - 2, maxClients);
            Assert.Equal(maxClients + 100 - served, refused);
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
        }
        Assert.True(node.IsRunning);
        Eventually.True(() =>
        {
            using var again = node.Raw();
            return again.Command("PING") == Resp.Pong;
        }, "a new client is served once the others left");
    }
}
