using System.Runtime.InteropServices;

namespace HyperCache.StateMachine.Snapshots;

/// <summary>fsync of a directory, so that a rename into it survives a machine crash (.NET has no API for it).</summary>
internal static partial class FileSync
{
    public static void Directory(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        int fd = Open(path, 0 /* O_RDONLY */);
        if (fd < 0) return; // best effort: the file itself is already fsynced
        try { FSync(fd); } finally { Close(fd); }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
