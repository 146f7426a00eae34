using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace HyperCache.Log;

/// <summary>
/// Opens a log segment for unbuffered I/O (Linux <c>O_DIRECT | O_DSYNC</c>): a page flush is a DMA from FasterLog's
/// page memory to the disk instead of a copy into the page cache first (that copy was 6 % of a node's CPU under a
/// SET load, perf). FasterLog is built for this: its pages, flushes and reads are aligned to the device's 512-byte
/// sectors, as unbuffered I/O on Windows requires. Returns null where the file system refuses it (tmpfs), or off
/// Linux x64/arm64; the caller then opens the file buffered, as before.
/// </summary>
internal static partial class DirectFile
{
    private const int ReadWrite = 0x2, Create = 0x40, DataSync = 0x1000, CloseOnExec = 0x80000;
    private const int Mode = 0b110_100_100; // 0644: rw-r--r--

    public static SafeFileHandle? TryOpen(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        int direct = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 0x4000,
            Architecture.Arm64 => 0x10000,
            _ => 0,
        };
        if (direct == 0) return null;
        int fd = Open(path, ReadWrite | Create | DataSync | CloseOnExec | direct, Mode);
        return fd < 0 ? null : new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Opens an existing file for synchronous data writes (Linux <c>O_DSYNC</c>: a write returns once its data
    /// is durable; overwriting allocated blocks then changes no file-system metadata). Null off Linux.</summary>
    public static SafeFileHandle? OpenDataSync(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        int fd = Open(path, ReadWrite | DataSync | CloseOnExec, Mode);
        return fd < 0 ? throw new IOException($"cannot open {path}: errno {Marshal.GetLastPInvokeError()}") : new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Makes a directory's entries durable (a file just created in it). A no-op off Linux.</summary>
    public static void SyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux()) return;
        const int ReadOnly = 0; // a directory opens read-only like a file (O_DIRECTORY's value differs by architecture)
        int fd = Open(path, ReadOnly | CloseOnExec, 0);
        if (fd < 0) throw new IOException($"cannot open directory {path}: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"cannot sync directory {path}: errno {Marshal.GetLastPInvokeError()}");
        }
        finally
        {
            Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags, int mode);
}
