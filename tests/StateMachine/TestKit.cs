using System.Text;
using HyperCache.Log;

namespace HyperCache.StateMachine.Tests;

/// <summary>A clock the test moves by hand, so expiry is exercised without sleeping.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;
    public override DateTimeOffset GetUtcNow() => Now;
    public override long GetTimestamp() => Now.UtcTicks; // monotonic time moves with it (Store.AdvanceClock)
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    public void Advance(TimeSpan by) => Now += by;
}

public sealed class Keys(params byte[][] items) : IKeyList
{
    public int Count => items.Length;
    public ReadOnlySpan<byte> this[int index] => items[index];
    public static Keys Of(params string[] texts) => new(texts.Select(Encoding.UTF8.GetBytes).ToArray());
}

/// <summary>A store writing to a real AOF in a temp directory, and a way to replay that AOF elsewhere.</summary>
public sealed class LoggedStore : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hc-sm-" + Guid.NewGuid().ToString("N"));

    public LoggedStore(ManualClock clock, int shards = 8)
    {
        Clock = clock;
        Options = new StoreOptions { Shards = shards, Time = clock };
        Log = AppendOnlyLog.Open(new LogOptions { Directory = _dir });
        Log.Scan(Log.BeginAddress, -1, null);
        Store = new Store(Options, Log);
    }

    public ManualClock Clock { get; }
    public StoreOptions Options { get; }
    public AppendOnlyLog Log { get; }
    public Store Store { get; }

    /// <summary>A fresh store (other shard count allowed) rebuilt only from the log.</summary>
    public Store Replay(int shards = 8)
    {
        Log.Commit();
        var replayed = new Store(Options with { Shards = shards }, null);
        var result = Log.Scan(Log.BeginAddress, -1, replayed);
        if (!result.Clean) throw new InvalidOperationException("log damaged: " + result.Problem);
        return replayed;
    }

    /// <summary>The same replay with the apply step on several threads (<see cref="Snapshots.ParallelApply"/>).</summary>
    public Store ReplayInParallel(int shards = 8, int workers = 2)
    {
        Log.Commit();
        var replayed = new Store(Options with { Shards = shards }, null);
        using var parallel = new Snapshots.ParallelApply(replayed, workers);
        var result = Log.Scan(Log.BeginAddress, -1, new Snapshots.SnapshotReplay(replayed, null) { Applier = parallel });
        parallel.Finish();
        if (!result.Clean) throw new InvalidOperationException("log damaged: " + result.Problem);
        return replayed;
    }

    /// <summary>Address and kind of every entry in the log, in order.</summary>
    public List<(long Address, byte Kind)> EntryKinds()
    {
        Log.Commit();
        var kinds = new KindsVisitor();
        Log.Scan(Log.BeginAddress, -1, kinds);
        return kinds.Entries;
    }

    /// <summary>Every committed entry with its address, as a primary ships them (after a commit).</summary>
    public List<(long Address, ShippedEntry Entry)> Shipped()
    {
        Log.Commit();
        var shipped = new ShippedVisitor();
        Log.Scan(Log.BeginAddress, Log.CommittedUntilAddress, shipped);
        return shipped.Entries;
    }

    private sealed class ShippedVisitor : IEntryVisitor
    {
        public readonly List<(long Address, ShippedEntry Entry)> Entries = [];
        public void Visit(long address, byte kind, ulong sequence, ReadOnlyMemory<byte> body) => Entries.Add((address, new ShippedEntry(kind, body.ToArray())));
    }

    private sealed class KindsVisitor : IEntryVisitor
    {
        public readonly List<(long Address, byte Kind)> Entries = [];
        public void Visit(long address, byte kind, ulong sequence, ReadOnlyMemory<byte> body) => Entries.Add((address, kind));
    }

    /// <summary>A fresh store loaded from a snapshot of this one (written to a temporary file, then deleted).</summary>
    public Store FromSnapshot()
    {
        string path = Path.Combine(_dir, "snapshot-" + Guid.NewGuid().ToString("N") + ".hcs");
        try
        {
            Snapshots.SnapshotWriter.Write(Store, path, "t", Log);
            var loaded = new Store(Options, null);
            Snapshots.SnapshotFile.Load(path, loaded);
            return loaded;
        }
        finally
        {
            File.Delete(path);
        }
    }

    public void Dispose()
    {
        Log.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}

public static class Bytes
{
    public static byte[] Of(string s) => Encoding.UTF8.GetBytes(s);
    public static string Text(byte[]? b) => b is null ? "(nil)" : Encoding.UTF8.GetString(b);
}

/// <summary>Allocation in steady state: first-use allocations (a thread's event buffer, table growth) and quick-JIT
/// (tier 0) code come first, so rounds go on until one allocates nothing, within a deadline.</summary>
public static class SteadyState
{
    /// <summary>Bytes the last round allocated: 0 once a round allocated nothing, else the last round's bytes.</summary>
    public static long Allocated(Action round)
    {
        long allocated = -1;
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (allocated != 0 && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            round();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        return allocated;
    }
}
