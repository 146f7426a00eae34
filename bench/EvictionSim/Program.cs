using System.Diagnostics;
using System.Globalization;
using System.Text;
using HyperCache.Bench.HitRatio;
using HyperCache.StateMachine;

// Usage: [BACKGROUND_EVERY=N] dotnet run -c Release --project bench/EvictionSim -- [KEYS [REQUESTS [CAPACITY_PCT [POLICIES [WORKLOADS]]]]]
//   defaults: 200000 600000 10 "allkeys-lru allkeys-lfu allkeys-sieve allkeys-s3fifo" "zipf:0.8 zipf:1.0 zipf:1.2 scan:1.0"
//   BACKGROUND_EVERY=N also runs the node's background eviction pass every N requests (its loop runs 10 times a
//   second: at the harness's ~100 k requests/s, about every 10000). Seconds per run at 1 M keys / 3 M requests.
// Replays each workload's trace (GET; on a miss SET a 100-byte value) against a fresh in-process Store whose
// maxmemory holds CAPACITY keys (calibrated as bench/hitratio.sh does with EQUALISE=keys), and prints hit ratios.
// Scans: one every REQUESTS/12 requests, of CAPACITY fresh keys (the harness's shape at both sizes it is run at).
// Yardsticks (capacity in keys): exact LRU; perfect LFU (every key's count since the start, resident set = most
// counted, a new key may be refused: the best a causal policy does on a stationary trace); static hindsight (the
// CAPACITY keys most requested over the whole trace, which knows the future).
int keys = Arg(0, 200_000), requests = Arg(1, 600_000), capacityPct = Arg(2, 10);
var policies = (args.Length > 3 ? args[3] : "allkeys-lru allkeys-lfu allkeys-sieve allkeys-s3fifo").Split(' ', StringSplitOptions.RemoveEmptyEntries);
var workloads = (args.Length > 4 ? args[4] : "zipf:0.8 zipf:1.0 zipf:1.2 scan:1.0").Split(' ', StringSplitOptions.RemoveEmptyEntries);
int background = int.Parse(Environment.GetEnvironmentVariable("BACKGROUND_EVERY") ?? "0", CultureInfo.InvariantCulture);
int capacity = keys * capacityPct / 100;
var shape = new TraceShape(keys, requests, 42, Math.Max(1, requests / 12), capacity);
var value = new byte[100];
long maxMemory = Calibrate();
Console.WriteLine($"keys={keys} requests={requests} capacity={capacity} maxmemory={maxMemory}");
Console.WriteLine("workload\t" + string.Join('\t', policies) + "\tLRU-exact\tLFU-perfect\tstatic-hindsight");
foreach (var spec in workloads)
{
    var workload = Workload.Parse(spec);
    var trace = TraceGenerator.Generate(workload, shape);
    var row = new StringBuilder(spec);
    foreach (var name in policies)
    {
        if (!EvictionPolicies.TryParse(name, out var policy)) throw new ArgumentException($"unknown policy {name}");
        var watch = Stopwatch.StartNew();
        double ratio = Replay(trace, policy, out int resident);
        row.Append(CultureInfo.InvariantCulture, $"\t{ratio * 100:F2} ({resident / 1000}k, {watch.Elapsed.TotalSeconds:F1}s)");
    }
    row.Append(CultureInfo.InvariantCulture, $"\t{ExactLru(trace) * 100:F2}\t{PerfectLfu(trace) * 100:F2}\t{Hindsight(trace) * 100:F2}");
    Console.WriteLine(row);
}

int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;

long Calibrate()
{
    var store = new Store(new StoreOptions { Shards = 8 }, null);
    var session = new Session();
    for (int id = 0; id < capacity; id++)
        store.Set(session, Encoding.ASCII.GetBytes(KeyNames.Of(id)), value, SetCondition.Always, 0, false, out _);
    return store.UsedMemory;
}

double Replay(int[] trace, EvictionPolicy policy, out int resident)
{
    var store = new Store(new StoreOptions { Shards = 8 }, null);
    store.ConfigureMemory(new MemorySettings { MaxMemory = maxMemory, Policy = policy });
    var session = new Session();
    long hits = 0;
    for (int i = 0; i < trace.Length; i++)
    {
        if ((i & 1023) == 0) store.TickAccessClock();
        if (background > 0 && i % background == 0) store.EvictInBackground(); // the server's 10 Hz loop
        var key = Encoding.ASCII.GetBytes(KeyNames.Of(trace[i]));
        if (store.GetString(session, key) != null) { hits++; continue; }
        if (!store.MakeRoom()) throw new InvalidOperationException("could not make room");
        store.Set(session, key, value, SetCondition.Always, 0, false, out _);
    }
    resident = (int)store.DbSize(0);
    return (double)hits / trace.Length;
}

// Yardstick: every key's count over the whole trace so far; the cache keeps the most counted keys (a key may be
// refused, which Redis semantics do not allow us).
double PerfectLfu(int[] trace)
{
    var counts = new Dictionary<int, int>();
    var resident = new SortedSet<(int Count, int Id)>();
    long hits = 0;
    foreach (int id in trace)
    {
        int before = counts.GetValueOrDefault(id), now = before + 1;
        counts[id] = now;
        if (resident.Remove((before, id))) { hits++; resident.Add((now, id)); continue; }
        if (resident.Count < capacity) { resident.Add((now, id)); continue; }
        var min = resident.Min;
        if (now > min.Count) { resident.Remove(min); resident.Add((now, id)); }
    }
    return (double)hits / trace.Length;
}

// Yardstick: the CAPACITY keys requested most over the whole trace, resident from their first request on (an
// offline bound for any policy on a stationary trace: it knows the future counts; first requests still miss).
double Hindsight(int[] trace)
{
    var counts = new Dictionary<int, int>();
    foreach (int id in trace) counts[id] = counts.GetValueOrDefault(id) + 1;
    long hits = counts.Values.OrderByDescending(c => c).Take(capacity).Sum(c => (long)c - 1);
    return (double)hits / trace.Length;
}

double ExactLru(int[] trace)
{
    var order = new LinkedList<int>();
    var nodes = new Dictionary<int, LinkedListNode<int>>();
    long hits = 0;
    foreach (int id in trace)
    {
        if (nodes.TryGetValue(id, out var node)) { hits++; order.Remove(node); order.AddFirst(node); continue; }
        if (nodes.Count >= capacity) { nodes.Remove(order.Last!.Value); order.RemoveLast(); }
        nodes[id] = order.AddFirst(id);
    }
    return (double)hits / trace.Length;
}
