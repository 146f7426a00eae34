using System.Text;
using HyperCache.Log;
using HyperCache.StateMachine;

namespace HyperCache.Replication.Tests;

public sealed class Args(params string[] items) : IKeyList
{
    public int Count => items.Length;
    public ReadOnlySpan<byte> this[int index] => Encoding.UTF8.GetBytes(items[index]);
}

/// <summary>A store on a real AOF in a temp directory, which can be closed and reopened (replayed).</summary>
public sealed class TempNode : IDisposable
{
    public readonly string Dir = Path.Combine(Path.GetTempPath(), "hc-repl-" + Guid.NewGuid().ToString("N"));

    public TempNode() => Open();

    /// <summary>A node whose store hands shipped messages to <paramref name="sink"/>, from its replay on too.</summary>
    public TempNode(StateMachine.Notifications.IPublishSink sink)
    {
        Sink = sink;
        Open();
    }

    public StateMachine.Notifications.IPublishSink? Sink { get; }

    public AppendOnlyLog Log { get; private set; } = null!;
    public Store Store { get; private set; } = null!;

    private void Open()
    {
        Log = AppendOnlyLog.Open(new LogOptions { Directory = Dir });
        Store = new Store(new StoreOptions { Shards = 8 }, Log) { PublishSink = Sink };
        var scan = Log.Scan(Log.BeginAddress, -1, Store);
        if (!scan.Clean) throw new InvalidOperationException(scan.Problem);
    }

    /// <summary>Closes the log and rebuilds the store from it, as a restart does.</summary>
    public void Restart()
    {
        Log.Commit();
        Log.Dispose();
        Open();
    }

    /// <summary>Every entry of the log as (address, kind, body), as a primary ships them; with their sequence
    /// numbers if asked (a replica then marks its batches with them).</summary>
    public List<(long Address, ShippedEntry Entry)> Entries(long from = 0, bool sequences = false)
    {
        Log.Commit();
        var collector = new Collector { Sequences = sequences };
        Log.Scan(Math.Max(from, Log.BeginAddress), Log.CommittedUntilAddress, collector);
        return collector.Items;
    }

    private sealed class Collector : IEntryVisitor
    {
        public List<(long, ShippedEntry)> Items { get; } = [];
        public bool Sequences { get; init; }
        public void Visit(long address, byte kind, ulong sequence, ReadOnlyMemory<byte> body) => Items.Add((address, new ShippedEntry(kind, body.ToArray(), Sequences ? sequence : 0)));
    }

    public void Dispose()
    {
        Log.Dispose();
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}
