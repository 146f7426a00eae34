using System.Buffers.Binary;
using System.IO.Hashing;
using FASTER.core;
using Microsoft.Win32.SafeHandles;

namespace HyperCache.Log;

/// <summary>
/// FasterLog's commit metadata (where the log begins and how far it is committed), overwritten in place: two
/// slots of one preallocated file, <c>commit-slots</c> in the log's directory, each commit going to the slot that does not
/// hold the newest one, checksummed and written synchronously (O_DSYNC: the blocks exist, so no file-system metadata changes). FasterLog's
/// own manager wrote a new file per commit and unlinked the one before (open, write, flock, stat, fstatfs, lseek,
/// close, unlink), most of a commit's 0.7 ms under appendfsync always. A write torn by a crash damages only the slot
/// being written, whose commit had not returned (nothing it covers was acknowledged); recovery takes the other.
/// A data directory written by FasterLog's manager (<c>log-commits/commit.N.0</c>) is migrated on open: its newest
/// commit is copied into a slot, and its files are removed on a later open, once the copy has survived.
/// </summary>
internal sealed class SlotCommitManager : ILogCommitManager
{
    private const int SlotSize = 4096;
    private const int Header = 4 + 4 + 8 + 4; // magic, metadata length, commit number, CRC32 of length..metadata
    private const uint Magic = 0x314D4348;    // "HCM1"
    public const string FileName = "commit-slots";

    private readonly SafeFileHandle _file;
    private readonly byte[] _slot = new byte[SlotSize];
    private readonly Lock _gate = new();
    private int _next; // the slot the next commit goes to: never the one holding the newest commit

    public SlotCommitManager(string logDirectory)
    {
        string path = Path.Combine(logDirectory, FileName);
        var older = new DeviceLogCommitCheckpointManager(new LocalStorageNamedDeviceFactory(), new DefaultCheckpointNamingScheme(logDirectory));
        try
        {
            var newest = NewestOf(older);
            // Written whole unless it holds a commit: a fresh directory, a migration, or either cut short by a crash.
            if (!HoldsACommit(path)) Create(path, logDirectory, newest);
            else if (newest != null) older.RemoveAllCommits(); // a migration's source, once its copy has survived
        }
        finally
        {
            older.Dispose();
        }
        _file = DirectFile.OpenDataSync(path)
            ?? File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, FileOptions.WriteThrough);
        // The next commit overwrites the older slot, or an empty or damaged one.
        var held = Held();
        _next = held.Count == 0 ? 0 : SlotSize - held[0].Offset;
    }

    /// <summary>The newest commit FasterLog's own manager left here (a data directory from before this manager).</summary>
    private static (long Number, byte[] Metadata)? NewestOf(DeviceLogCommitCheckpointManager older)
    {
        foreach (long number in older.ListCommits())
            if (older.GetCommitMetadata(number) is { } metadata) return (number, metadata);
        return null;
    }

    /// <summary>Writes the file whole (two slots, the migrated commit in its slot), durably, directory entry included;
    /// a crash midway leaves a short or slot-less file that the next open writes again.</summary>
    private static void Create(string path, string directory, (long Number, byte[] Metadata)? migrated)
    {
        var content = new byte[2 * SlotSize];
        if (migrated is { } commit) Encode(commit.Number, commit.Metadata, content.AsSpan(0, SlotSize));
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        DirectFile.SyncDirectory(directory);
    }

    private static bool HoldsACommit(string path)
    {
        if (!File.Exists(path)) return false;
        var content = new byte[2 * SlotSize];
        using (var handle = File.OpenHandle(path))
            if (RandomAccess.Read(handle, content, 0) < content.Length) return false;
        return Decode(content.AsSpan(0, SlotSize)) != null || Decode(content.AsSpan(SlotSize, SlotSize)) != null;
    }

    private static void Encode(long commitNum, byte[] metadata, Span<byte> slot)
    {
        if (Header + metadata.Length > SlotSize)
            throw new InvalidOperationException($"log commit metadata of {metadata.Length} bytes does not fit a {SlotSize}-byte slot");
        slot.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(slot, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(slot[4..], metadata.Length);
        BinaryPrimitives.WriteInt64LittleEndian(slot[8..], commitNum);
        metadata.CopyTo(slot[Header..]);
        BinaryPrimitives.WriteUInt32LittleEndian(slot[16..], Checksum(slot, metadata.Length));
    }

    private static uint Checksum(ReadOnlySpan<byte> slot, int length)
    {
        var crc = new Crc32();
        crc.Append(slot[4..16]);
        crc.Append(slot.Slice(Header, length));
        return crc.GetCurrentHashAsUInt32();
    }

    /// <summary>The commit in a slot, or null when the slot is empty, removed or damaged.</summary>
    private static (long Number, byte[] Metadata)? Decode(ReadOnlySpan<byte> slot)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(slot) != Magic) return null;
        int length = BinaryPrimitives.ReadInt32LittleEndian(slot[4..]);
        if (length < 0 || Header + length > SlotSize) return null;
        if (BinaryPrimitives.ReadUInt32LittleEndian(slot[16..]) != Checksum(slot, length)) return null;
        return (BinaryPrimitives.ReadInt64LittleEndian(slot[8..]), slot.Slice(Header, length).ToArray());
    }

    /// <summary>The slots that hold a commit, newest first.</summary>
    private List<(int Offset, long Number, byte[] Metadata)> Held()
    {
        var held = new List<(int Offset, long Number, byte[] Metadata)>(2);
        lock (_gate)
        {
            foreach (int offset in (ReadOnlySpan<int>)[0, SlotSize])
                if (RandomAccess.Read(_file, _slot, offset) == SlotSize && Decode(_slot) is { } commit)
                    held.Add((offset, commit.Number, commit.Metadata));
        }
        held.Sort((a, b) => b.Number.CompareTo(a.Number));
        return held;
    }

    public void Commit(long beginAddress, long untilAddress, byte[] commitMetadata, long commitNum, bool forceWriteMetadata)
    {
        lock (_gate)
        {
            Encode(commitNum, commitMetadata, _slot);
            RandomAccess.Write(_file, _slot, _next); // synchronous: durable when it returns
            _next = SlotSize - _next;                // the slot just written now holds the newest commit
        }
    }

    public byte[] GetCommitMetadata(long commitNum)
    {
        foreach (var commit in Held())
            if (commit.Number == commitNum) return commit.Metadata;
        return null!;
    }

    /// <summary>The commits held, newest first (FasterLog recovers from the first that works).</summary>
    public IEnumerable<long> ListCommits() => Held().Select(commit => commit.Number).ToList();

    public void RemoveCommit(long commitNum)
    {
        foreach (var commit in Held())
            if (commit.Number == commitNum) Clear(commit.Offset);
    }

    public void RemoveAllCommits()
    {
        Clear(0);
        Clear(SlotSize);
    }

    private void Clear(int offset)
    {
        lock (_gate)
        {
            Array.Clear(_slot);
            RandomAccess.Write(_file, _slot, offset);
            _next = offset; // never overwrite the slot that still holds a commit while an empty one is there
        }
    }

    public void OnRecovery(long commitNum) { }

    public void Dispose() => _file.Dispose();
}
