using System.IO.Hashing;
using HyperCache.Replication.Grpc;
using HyperCache.StateMachine;
using HyperCache.StateMachine.Snapshots;

namespace HyperCache.Replication.Replica;

/// <summary>
/// Receives a full sync's snapshot file into <c>DATA_DIR/replication-sync.hcs</c>, checks it (length and XxHash64
/// as sent, then the file's own header and content hash), and logs and applies its records as this node's own
/// batches of 1024 events.
/// </summary>
internal sealed class SnapshotReceiver(string dataDir) : IDisposable
{
    private const int RecordsPerEntry = 1024;
    private readonly XxHash64 _hash = new();
    private FileStream? _file;
    private string Path => System.IO.Path.Combine(dataDir, "replication-sync.hcs");

    public void Begin()
    {
        Dispose();
        _hash.Reset();
        _file = new FileStream(Path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
    }

    public void Append(SnapshotChunk chunk)
    {
        if (_file is null) throw new InvalidDataException("snapshot data without a full sync");
        var data = chunk.Data.Span;
        _hash.Append(data);
        _file.Write(data);
    }

    /// <summary>Returns the address of the last entry written (to wait for its commit) and the snapshot's highest
    /// covered address: below it, which entries the snapshot holds depends on their shard, so a resume position
    /// there would be wrong (the primary filters only on a full sync).</summary>
    public (long LastEntry, long MaxCovered) Load(SnapshotEnd end, Store store)
    {
        if (_file is null) throw new InvalidDataException("snapshot end without a full sync");
        long length = _file.Length;
        Dispose();
        if (length != end.Length || _hash.GetCurrentHashAsUInt64() != end.Xxhash64)
            throw new InvalidDataException("the snapshot received does not match its length or hash");
        var header = SnapshotFile.Verify(Path);
        long last = -1;
        foreach (var chunk in SnapshotRecords.Chunks(Path, RecordsPerEntry)) last = store.ApplyReplicated(chunk, null);
        File.Delete(Path);
        return (last, header.MaxCovered);
    }

    public void Dispose()
    {
        _file?.Dispose();
        _file = null;
    }
}
