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

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags, int mode);
}
