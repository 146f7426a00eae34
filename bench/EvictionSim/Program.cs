using System.Diagnostics;
using System.Globalization;
using System.Text;
using HyperCache.Bench.HitRatio;
using HyperCache.StateMachine;

// Usage: evictionsim [KEYS [REQUESTS [CAPACITY_PCT [POLICIES [WORKLOADS]]]]]
//   defaults: 200000 600000 10 "allkeys-lru allkeys-lfu allkeys-s3fifo allkeys-tinylfu" "zipf:0.8 zipf:1.0 zipf:1.2 scan:1.0"
// Replays each workload's trace (GET; on a miss SET a 100-byte value) against a fresh in-process Store whose
// maxmemory holds CAPACITY keys (calibrated as bench/hitratio.sh does with EQUALISE=keys), and prints hit ratios.
// Scans: one every REQUESTS/12 requests, of CAPACITY fresh keys (the harness's small-run shape).
int keys = Arg(0, 200_000), requests = Arg(1, 600_000), capacityPct = Arg(2, 10);
var policies = (args.Length > 3 ? args[3] : "allkeys-lru allkeys-lfu allkeys-s3fifo allkeys-tinylfu").Split(' ', StringSplitOptions.RemoveEmptyEntries);
var workloads = (args.Length > 4 ? args[4] : "zipf:0.8 zipf:1.0 zipf:1.2 scan:1.0").Split(' ', StringSplitOptions.RemoveEmptyEntries);
Knob("SmallPercent", "SIM_SMALL"); Knob("DuelHitCandidates", "SIM_DUELHIT"); Knob("GhostWithSketch", "SIM_GHOST"); Knob("FillMain", "SIM_FILL"); Knob("DuelInMain", "SIM_DUELMAIN"); Knob("PromoteFrequency", "SIM_PROMOTE"); Knob("S3MaxHits", "SIM_MAXHITS", "AccessBits"); Knob("SamplesPerWord", "SIM_SAMPLES", "FrequencySketch"); Knob("WordsPerKey", "SIM_WORDS", "FrequencySketch"); Knob("Conservative", "SIM_CONS", "FrequencySketch"); Knob("Exact", "SIM_EXACT", "FrequencySketch");
int background = int.Parse(Environment.GetEnvironmentVariable("SIM_BACKGROUND") ?? "0", CultureInfo.InvariantCulture);
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
    var t = typeof(HyperCache.StateMachine.Keyspace.S3Fifo);
    Console.Error.WriteLine($"{policy}: duels={HyperCache.StateMachine.Keyspace.S3Fifo.DebugDuels} wins={HyperCache.StateMachine.Keyspace.S3Fifo.DebugWins} mainEv={HyperCache.StateMachine.Keyspace.S3Fifo.DebugMainEvictions} smallEv={HyperCache.StateMachine.Keyspace.S3Fifo.DebugSmallEvictions} promo={HyperCache.StateMachine.Keyspace.S3Fifo.DebugPromotions} halvings={HyperCache.StateMachine.Keyspace.FrequencySketch.DebugHalvings} incs={HyperCache.StateMachine.Keyspace.FrequencySketch.DebugIncrements} words={HyperCache.StateMachine.Keyspace.FrequencySketch.DebugMaxWords}");
    HyperCache.StateMachine.Keyspace.S3Fifo.DebugDuels = HyperCache.StateMachine.Keyspace.S3Fifo.DebugWins = HyperCache.StateMachine.Keyspace.S3Fifo.DebugMainEvictions = HyperCache.StateMachine.Keyspace.S3Fifo.DebugSmallEvictions = HyperCache.StateMachine.Keyspace.S3Fifo.DebugPromotions = 0;
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

// Temporary: S3-FIFO's experiment knobs, set from the environment by reflection.
static void Knob(string field, string variable, string type = "S3Fifo")
{
    if (Environment.GetEnvironmentVariable(variable) is not { } text) return;
    var f = typeof(Store).Assembly.GetType("HyperCache.StateMachine.Keyspace." + type)!.GetField(field, System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic)!;
    f.SetValue(null, f.FieldType == typeof(bool) ? text == "1" : int.Parse(text, CultureInfo.InvariantCulture));
    Console.WriteLine($"{field}={f.GetValue(null)}");
}
