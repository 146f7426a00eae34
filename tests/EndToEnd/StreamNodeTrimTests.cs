using HyperCache.EndToEnd.Tests.Infrastructure;

namespace HyperCache.EndToEnd.Tests;

/// <summary>
/// "~" trimming removes whole nodes, as Redis's (its stream unit: XADD MAXLEN ~ 555 over 1000 entries leaves 600;
/// LIMIT caps the entries removed), with nodes cut where Redis cuts them: at stream-node-max-entries entries, live
/// or deleted, or at stream-node-max-bytes of listpack. Random XADD / XDEL / XTRIM sequences under random node
/// bounds run on redis-server and here with the same IDs; every reply and XLEN must agree.
/// </summary>
[Collection(ServerSettingsCollection.Name)]
public sealed class StreamNodeTrimTests(NodeFixture node) : E2ETest(node)
{
    [RedisServerFact]
    public async Task Approximate_trimming_removes_what_redis_removes()
    {
        await using var redis = await NodeFixture.StartRedisServerAsync();
        using var reference = redis.Raw();
        void Both(params string[] command) => SideBySide.Same(reference, Cmd, command);
        try
        {
            // Redis's own cases first (unit/type/stream.tcl).
            Both("CONFIG", "SET", "stream-node-max-entries", "10");
            for (int j = 0; j < 100; j++) Both("XADD", K("limit"), $"1-{j + 1}", "xitem", "v");
            Both("XADD", K("limit"), "MAXLEN", "~", "55", "LIMIT", "30", "2-1", "xitem", "v");
            Both("XLEN", K("limit"));                                   // 71
            Both("XADD", K("limit"), "MAXLEN", "~", "55", "LIMIT", "30", "2-2", "xitem", "v");
            Both("XLEN", K("limit"));                                   // 62
            Both("CONFIG", "SET", "stream-node-max-entries", "1");
            for (int j = 0; j < 102; j++) Both("XADD", K("one"), $"1-{j + 1}", "xitem", "v");
            Both("XTRIM", K("one"), "MAXLEN", "~", "1");                // the default LIMIT: 100 nodes
            Both("XLEN", K("one"));                                     // 2

            var random = new Random(20261128);
            string[] values = ["v", "12", "-7000", "4000000000", "", new string('x', 70), new string('y', 300)];
            for (int round = 0; round < 12; round++)
            {
                string key = K("s" + round);
                Both("CONFIG", "SET", "stream-node-max-entries", random.GetItems(["0", "1", "3", "10", "100"], 1)[0]);
                Both("CONFIG", "SET", "stream-node-max-bytes", random.GetItems(["0", "100", "300", "1000", "4096"], 1)[0]);
                var ids = new List<string>();
                for (int step = 0; step < 150; step++)
                {
                    double op = random.NextDouble();
                    if (op < 0.7)
                    {
                        string id = $"{1000 + step / 3}-{step % 3}";
                        var command = new List<string> { "XADD", key };
                        if (random.NextDouble() < 0.3)
                        {
                            command.AddRange(["MAXLEN", "~", random.Next(0, 120).ToString()]);
                            if (random.NextDouble() < 0.5) command.AddRange(["LIMIT", random.Next(0, 40).ToString()]);
                        }
                        else if (random.NextDouble() < 0.1 && ids.Count > 0) command.AddRange(["MINID", "~", ids[random.Next(ids.Count)]]);
                        command.Add(id);
                        int pairs = random.Next(1, 4);
                        for (int p = 0; p < pairs; p++) command.AddRange([random.NextDouble() < 0.8 ? "f" + p : "g" + p, values[random.Next(values.Length)]]);
                        Both([.. command]);
                        ids.Add(id);
                    }
                    else if (op < 0.8 && ids.Count > 0) Both("XDEL", key, ids[random.Next(ids.Count)]);
                    else if (op < 0.9) Both("XTRIM", key, "MAXLEN", random.NextDouble() < 0.7 ? "~" : "=", random.Next(0, 150).ToString());
                    else if (ids.Count > 0) Both("XTRIM", key, "MINID", random.NextDouble() < 0.7 ? "~" : "=", ids[random.Next(ids.Count)]);
                    Both("XLEN", key);
                }
            }
        }
        finally
        {
            Cmd("CONFIG", "SET", "stream-node-max-entries", "100", "stream-node-max-bytes", "4096");
        }
    }
}
