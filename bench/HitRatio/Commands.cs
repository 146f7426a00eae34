using System.Diagnostics;
using System.Globalization;

namespace HyperCache.Bench.HitRatio;

/// <summary>The subcommands bench/hitratio.sh calls; each prints or appends plain text the script can read.</summary>
public static class Commands
{
    private static TraceShape Shape(Args a) => new(
        a.Int("keys", 1_000_000, 1), a.Int("requests", 3_000_000, 1), (ulong)a.Long("seed", 42),
        a.Int("scan-every", 250_000, 0), a.Int("scan-length", 100_000, 0));

    /// <summary>run: replay one workload against one server; append a row to --out.</summary>
    public static async Task<int> Run(Args a)
    {
        var shape = Shape(a);
        var workload = Workload.Parse(a.Text("workload"));
        int port = a.Int("port", null, 1), batch = a.Int("batch", 100, 1), valueSize = a.Int("value-size", 100, 1);
        long capacity = a.Long("capacity", 0);
        string server = a.Text("server"), policy = a.Text("policy"), output = a.Text("out");
        var deadline = DateTime.UtcNow.AddSeconds(a.Int("timeout", 1800, 1));

        var trace = TraceGenerator.Generate(workload, shape);
        using var mux = Connect.To(port, 30_000);
        var db = mux.GetDatabase();
        var before = await ServerInfo.ReadAsync(db);
        var clock = Stopwatch.StartNew();
        long lastReport = 0;
        var counts = await new CacheAsideReplayer(db, valueSize, batch, shape.Keys).RunAsync(trace, deadline, done =>
        {
            if (clock.ElapsedMilliseconds - lastReport < 10_000) return;
            lastReport = clock.ElapsedMilliseconds;
            Console.Error.WriteLine($"  {workload.Name} {server}/{policy}: {done}/{trace.Length} requests, {done / clock.Elapsed.TotalSeconds:F0}/s");
        });
        double seconds = clock.Elapsed.TotalSeconds;
        var after = await ServerInfo.ReadAsync(db);

        long serverHits = after.Hits - before.Hits, serverMisses = after.Misses - before.Misses;
        double serverRatio = before.Hits >= 0 && after.Hits >= 0 && serverHits + serverMisses > 0
            ? (double)serverHits / (serverHits + serverMisses) : double.NaN;
        double hitRatio = Ratio(counts.Hits, counts.Requests);
        var (status, note) = Judge(counts, after, capacity, hitRatio, serverRatio);
        var row = new ResultRow(workload.Name, server, policy, status, counts.Requests, counts.Hits, hitRatio,
            Ratio(counts.WarmHits, counts.WarmRequests), Ratio(counts.ZipfHits, counts.ZipfRequests), serverRatio,
            counts.SetErrors, after.Keys, after.EvictedKeys, after.UsedMemory, after.MaxMemory, capacity, seconds,
            TraceHash(trace), note);
        ResultRow.Append(output, row);
        Console.WriteLine($"{workload.Name,-10} {server}/{policy}: hit ratio {hitRatio * 100:F2}% (server {serverRatio * 100:F2}%), " +
            $"{after.Keys} keys at end, {after.EvictedKeys} evicted, {seconds:F1} s, status {status}{(note.Length > 0 ? ": " + note : "")}");
        return 0;
    }

    /// <summary>Flags a run whose number does not measure eviction: the limit was ignored, or writes were refused.</summary>
    private static (string Status, string Note) Judge(ReplayCounts c, ServerInfo after, long capacity, double client, double server)
    {
        var notes = new List<string>();
        string status = "ok";
        if (c.SetErrors > 0) { status = "set-errors"; notes.Add($"{c.SetErrors} SETs refused, first: {c.FirstSetError}"); }
        else if (capacity > 0 && after.EvictedKeys <= 0 && after.Keys > capacity * 3 / 2)
        {
            status = "limit-not-enforced";
            notes.Add($"{after.Keys} keys resident for a capacity of ~{capacity} and no evictions reported");
        }
        else if (capacity > 0 && (after.Keys < capacity * 4 / 5 || after.Keys > capacity * 6 / 5))
            notes.Add($"ended with {after.Keys} keys for a capacity of ~{capacity}: the limits are not equalised (see bench/README.md)");
        if (!double.IsNaN(server) && Math.Abs(server - client) > 0.005)
            notes.Add($"INFO keyspace hit ratio {server * 100:F2}% differs from the client's {client * 100:F2}%");
        return (status, string.Join("; ", notes));
    }

    /// <summary>simulate: exact LRU with --capacity keys over the same trace, as a yardstick row.</summary>
    public static int Simulate(Args a)
    {
        var shape = Shape(a);
        var workload = Workload.Parse(a.Text("workload"));
        int capacity = a.Int("capacity", null, 1);
        var clock = Stopwatch.StartNew();
        var trace = TraceGenerator.Generate(workload, shape);
        var (hits, zipfHits, warmHits) = LruSimulator.Run(trace, shape.Keys, capacity);
        long zipfRequests = trace.LongCount(id => id < shape.Keys), warm = trace.Length - trace.Length / 2;
        var row = new ResultRow(workload.Name, "sim", "exact-lru", "ok", trace.Length, hits, Ratio(hits, trace.Length),
            Ratio(warmHits, warm), Ratio(zipfHits, zipfRequests), double.NaN, 0, capacity, 0, -1, -1, capacity,
            clock.Elapsed.TotalSeconds, TraceHash(trace), "client-side exact LRU, capacity in keys");
        ResultRow.Append(a.Text("out"), row);
        Console.WriteLine($"{workload.Name,-10} exact LRU ({capacity} keys): hit ratio {row.HitRatio * 100:F2}%");
        return 0;
    }

    /// <summary>fill: SET keys 0..--keys-1 (the trace's key names) with --value-size bytes; print memory before/after.</summary>
    public static async Task<int> Fill(Args a)
    {
        int port = a.Int("port", null, 1), keys = a.Int("keys", null, 1), batch = a.Int("batch", 1000, 1);
        var value = Enumerable.Repeat((byte)'v', a.Int("value-size", 100, 1)).ToArray();
        using var mux = Connect.To(port, 30_000);
        var db = mux.GetDatabase();
        var before = await ServerInfo.ReadAsync(db);
        var pending = new List<Task>(batch);
        for (int start = 0; start < keys; start += batch)
        {
            pending.Clear();
            for (int id = start; id < Math.Min(keys, start + batch); id++) pending.Add(db.StringSetAsync(KeyNames.Of(id), value));
            await Task.WhenAll(pending);
        }
        var after = await ServerInfo.ReadAsync(db);
        Console.WriteLine($"keys_before={before.Keys}");
        Console.WriteLine($"keys_after={after.Keys}");
        Console.WriteLine($"used_memory_before={before.UsedMemory}");
        Console.WriteLine($"used_memory_after={after.UsedMemory}");
        return 0;
    }

    /// <summary>record: append a row for a run that did not happen (e.g. --status unsupported).</summary>
    public static int Record(Args a)
    {
        ResultRow.Append(a.Text("out"), ResultRow.NotRun(a.Text("workload"), a.Text("server"), a.Text("policy"), a.Text("status"), a.Text("note", "")));
        return 0;
    }

    /// <summary>trace: print a workload's size, distinct keys and fingerprint (a determinism check).</summary>
    public static int Trace(Args a)
    {
        var shape = Shape(a);
        var workload = Workload.Parse(a.Text("workload"));
        var trace = TraceGenerator.Generate(workload, shape);
        Console.WriteLine($"{workload.Name}: {trace.Length} requests, {trace.Distinct().Count()} distinct keys, " +
            $"first ids {string.Join(',', trace.Take(5))}, hash {TraceHash(trace)}");
        return 0;
    }

    public static int Report(Args a)
    {
        var rows = File.ReadLines(a.Text("in")).Skip(1).Where(l => l.Length > 0).Select(ResultRow.Parse).ToList();
        Console.Write(ReportTable.Render(rows, a.Text("baseline", "redis/allkeys-lru")));
        return 0;
    }

    private static double Ratio(long part, long whole) => whole > 0 ? (double)part / whole : double.NaN;

    private static string TraceHash(int[] trace)
    {
        ulong h = 14695981039346656037UL;
        foreach (int id in trace) { h ^= (uint)id; h *= 1099511628211UL; }
        return h.ToString("x16", CultureInfo.InvariantCulture);
    }
}
