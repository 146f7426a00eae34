using FASTER.core;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace HyperCache.Log;

/// <summary>
/// The AOF's FASTER device: one file per segment, named as FASTER's own devices name them (<c>hlog.0</c>,
/// <c>hlog.1</c>, ...), so logs written by either device open with the other.
/// <para>
/// Why our own: FASTER 2.6.5's <see cref="ManagedLocalStorageDevice"/> (its only device on Linux) allocates a
/// Task, an async state machine, a closure and a MemoryManager on every page flush, and a page flush runs on the
/// appending thread (the append that turns a page drains FASTER's epoch), which is every SET's path. Here an I/O is
/// a pooled <see cref="IoRequest"/> queued to the thread pool: the appending thread allocates nothing, and the
/// write itself is a <c>pwrite</c> of FASTER's page memory (no copy).
/// </para>
/// <para>
/// Durability is the old device's: segment files are opened unbuffered and synchronous (<see cref="DirectFile"/>:
/// O_DIRECT | O_DSYNC, or <see cref="FileOptions.WriteThrough"/> where unbuffered I/O is refused), and an I/O's
/// completion callback runs only after its <c>pwrite</c> returned, so a FasterLog commit, which waits for the
/// flushes below it, still means the data is on disk.
/// </para>
/// </summary>
public sealed class SegmentFileDevice : StorageDeviceBase
{
    /// <summary>FASTER's managed device assumes 512-byte sectors off Windows; pages and flushes align to it.</summary>
    private const uint SectorBytes = 512;
    /// <summary>Requests made up front: a page flush or two, a commit's partial-page flush and a few reads.</summary>
    private const int PooledRequests = 16;

    private readonly Lock _lock = new();                 // the handles and _disposed
    private readonly Dictionary<int, SafeFileHandle> _handles = [];
    private readonly Lock _poolLock = new();             // the free requests (never held across a file open)
    private readonly Stack<IoRequest> _free = new(PooledRequests);
    private int _pending;
    private bool _disposed;
    private bool _buffered; // an unbuffered I/O was refused once: open buffered from then on (FallBackToBuffered)
    /// <summary>Writes completed so far (their callbacks returned); appenders waiting for a flush watch it.</summary>
    private long _writesCompleted;
    private readonly object _writeGate = new();

    /// <param name="filename">Path and base name of the segment files (segment N is <c>filename.N</c>).</param>
    /// <param name="recover">Learn the segment range (<see cref="StorageDeviceBase.StartSegment"/>,
    /// <see cref="StorageDeviceBase.EndSegment"/>) from the files already there.</param>
    public SegmentFileDevice(string filename, bool recover = true)
        : base(filename, SectorBytes, Devices.CAPACITY_UNSPECIFIED)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(filename))!);
        for (int i = 0; i < PooledRequests; i++) _free.Push(new IoRequest(this));
        if (recover) RecoverSegmentRange();
    }

    /// <summary>The number of I/Os queued or running.</summary>
    internal int Pending => Volatile.Read(ref _pending);

    public override void WriteAsync(IntPtr sourceAddress, int segmentId, ulong destinationAddress, uint numBytesToWrite,
        DeviceIOCompletionCallback callback, object context)
    {
        HandleCapacity(segmentId);
        Submit(write: true, segmentId, destinationAddress, sourceAddress, numBytesToWrite, callback, context);
    }

    public override void ReadAsync(int segmentId, ulong sourceAddress, IntPtr destinationAddress, uint readLength,
        DeviceIOCompletionCallback callback, object context)
        => Submit(write: false, segmentId, sourceAddress, destinationAddress, readLength, callback, context);

    /// <summary>Hands the I/O to the thread pool: the caller may be an appending thread holding the AOF's append
    /// lock and a shard lock, and an O_SYNC write of a 4 MB page takes milliseconds.</summary>
    private void Submit(bool write, int segmentId, ulong fileOffset, IntPtr memory, uint length,
        DeviceIOCompletionCallback callback, object context)
    {
        IoRequest request;
        lock (_poolLock) request = _free.Count > 0 ? _free.Pop() : new IoRequest(this);
        request.Set(write, segmentId, (long)fileOffset, memory, length, callback, context);
        Interlocked.Increment(ref _pending);
        ThreadPool.UnsafeQueueUserWorkItem(request, preferLocal: false);
    }

    internal long WritesCompleted => Volatile.Read(ref _writesCompleted);

    /// <summary>Told why, when a write fails (the system's words: "No space left on device"). FasterLog does not
    /// always fail the commits that wait on a failed write (after a failed first flush they waited forever), so the
    /// log learns of it here.</summary>
    internal Action<string>? WriteFailed { get; set; }

    /// <summary>Blocks until a write completes after <paramref name="seen"/> (a value of
    /// <see cref="WritesCompleted"/>) or the timeout passes, whichever is first.</summary>
    internal void WaitForWriteAfter(long seen, int timeoutMs)
    {
        lock (_writeGate)
        {
            if (Volatile.Read(ref _writesCompleted) == seen) Monitor.Wait(_writeGate, timeoutMs);
        }
    }

    private void WriteCompleted()
    {
        Interlocked.Increment(ref _writesCompleted);
        lock (_writeGate) Monitor.PulseAll(_writeGate);
    }

    private void Return(IoRequest request)
    {
        request.Clear();
        lock (_poolLock) _free.Push(request);
        Interlocked.Decrement(ref _pending);
    }

    /// <summary>The segment's file, opened (or created, as FASTER's device does, for reads too) on first use.</summary>
    private SafeFileHandle HandleFor(int segmentId)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_handles.TryGetValue(segmentId, out var handle)) return handle;
            string path = SegmentPath(segmentId);
            handle = (_buffered ? null : DirectFile.TryOpen(path))
                     ?? File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite, FileOptions.WriteThrough);
            _handles.Add(segmentId, handle);
            return handle;
        }
    }

    /// <summary>
    /// An unbuffered I/O was refused (EINVAL: an address, offset or length off the sector alignment it needs).
    /// FasterLog aligns everything it does, so this is not expected; if it happens anyway the device goes on with
    /// buffered files (O_DSYNC still) rather than fail the log. Returns whether the I/O is worth retrying.
    /// </summary>
    private bool FallBackToBuffered(int segmentId, SafeFileHandle refused)
    {
        lock (_lock)
        {
            if (_disposed) return false;
            _buffered = true;
            if (_handles.TryGetValue(segmentId, out var current) && current == refused)
            {
                _handles.Remove(segmentId);
                refused.Dispose(); // closes once the I/Os still using it are done (SafeHandle reference counting)
            }
            return true;
        }
    }

    private string SegmentPath(int segmentId) => GetSegmentFilename(FileName, segmentId);

    /// <summary>Closes and deletes a segment's file. Synchronous, as in FASTER's device: truncation is rare, and an
    /// I/O still running on the handle keeps it open until it ends (SafeHandle reference counting).</summary>
    public override void RemoveSegment(int segment)
    {
        lock (_lock)
        {
            if (_handles.Remove(segment, out var handle)) handle.Dispose();
        }
        try
        {
            File.Delete(SegmentPath(segment));
        }
        catch (IOException)
        {
            // As FASTER's device: a segment that cannot be deleted now stays behind; truncation carries on.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public override void RemoveSegmentAsync(int segment, AsyncCallback callback, IAsyncResult result)
    {
        RemoveSegment(segment);
        callback(result);
    }

    public override long GetFileSize(int segment)
    {
        if (segmentSize > 0) return segmentSize;
        return RandomAccess.GetLength(HandleFor(segment));
    }

    /// <summary>FasterLog's reset to an empty log: forget the open files (they are reopened on demand).</summary>
    public override void Reset()
    {
        lock (_lock)
        {
            foreach (var handle in _handles.Values) handle.Dispose();
            _handles.Clear();
        }
    }

    public override void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var handle in _handles.Values) handle.Dispose();
            _handles.Clear();
        }
    }

    /// <summary>
    /// The segment range on disk: the last run of consecutive segment numbers (a gap means the segments before it
    /// were truncated away), as FASTER's device works it out.
    /// </summary>
    private void RecoverSegmentRange()
    {
        var full = Path.GetFullPath(FileName);
        var directory = Path.GetDirectoryName(full)!;
        var prefix = Path.GetFileName(full) + ".";
        var ids = new List<int>();
        foreach (var path in System.IO.Directory.EnumerateFiles(directory, prefix + "*"))
        {
            var suffix = Path.GetFileName(path).AsSpan(prefix.Length);
            if (int.TryParse(suffix, System.Globalization.NumberStyles.None, null, out int id)) ids.Add(id);
        }
        if (ids.Count == 0) return;
        ids.Sort();
        startSegment = ids[0];
        for (int i = 1; i < ids.Count; i++)
            if (ids[i] != ids[i - 1] + 1) startSegment = ids[i];
        endSegment = ids[^1];
    }

    /// <summary>One read or write, reused: the fields of a FASTER I/O call, run on a thread-pool thread.</summary>
    private sealed class IoRequest(SegmentFileDevice device) : IThreadPoolWorkItem
    {
        private bool _write;
        private int _segment;
        private long _offset;
        private IntPtr _memory;
        private uint _length;
        private DeviceIOCompletionCallback? _callback;
        private object? _context;

        public void Set(bool write, int segment, long offset, IntPtr memory, uint length,
            DeviceIOCompletionCallback callback, object context)
        {
            _write = write;
            _segment = segment;
            _offset = offset;
            _memory = memory;
            _length = length;
            _callback = callback;
            _context = context;
        }

        public void Clear()
        {
            _callback = null;
            _context = null;
        }

        private const int EInval = 22;

        /// <summary>The read or write itself; returns the bytes moved.</summary>
        private unsafe uint Transfer(SafeFileHandle handle)
        {
            if (_write)
            {
                RandomAccess.Write(handle, new ReadOnlySpan<byte>((void*)_memory, (int)_length), _offset);
                return _length;
            }
            // pread may return less than asked; stop early only at the end of the file (FASTER reads whole
            // sector-aligned pages, the last of which may lie partly past the end).
            var into = new Span<byte>((void*)_memory, (int)_length);
            uint done = 0;
            while (done < _length)
            {
                int read = RandomAccess.Read(handle, into[(int)done..], _offset + done);
                if (read == 0) break;
                done += (uint)read;
            }
            return done;
        }

        public void Execute()
        {
            uint error = 0, done = 0;
            try
            {
                var handle = device.HandleFor(_segment);
                try
                {
                    done = Transfer(handle);
                }
                catch (IOException e) when (e.HResult == EInval && device.FallBackToBuffered(_segment, handle))
                {
                    done = Transfer(device.HandleFor(_segment));
                }
            }
            catch (Exception e)
            {
                // FASTER's device reports the low 16 bits of an IOException's HResult (the errno), else "unknown".
                error = e is IOException && (e.HResult & 0xFFFF) != 0 ? (uint)(e.HResult & 0xFFFF) : uint.MaxValue;
                done = 0;
                if (_write) device.WriteFailed?.Invoke(error != uint.MaxValue ? Marshal.GetPInvokeErrorMessage((int)error) : e.Message);
            }
            var callback = _callback!;
            var context = _context!;
            bool write = _write;
            device.Return(this); // before the callback, which may issue the next I/O
            try
            {
                callback(error, done, context);
            }
            catch (Exception)
            {
                // FASTER's callbacks catch their own failures (e.g. a completion after their log or iterator was
                // disposed); anything else would end the process from a pool thread. FASTER's device ran them in a
                // Task, which dropped such exceptions; so does this.
            }
            // After the callback: a page flush's callback is what moves FASTER's flushed-until address.
            if (write) device.WriteCompleted();
        }
    }
}
