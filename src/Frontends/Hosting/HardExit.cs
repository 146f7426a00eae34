using System.Runtime.InteropServices;

namespace HyperCache.Frontends.Hosting;

/// <summary>
/// Ends the process at once, as Redis's exit(): no host shutdown, no disposal. For SHUTDOWN NOSAVE while a script is
/// busy: the script holds every shard lock and its thread, so a graceful stop would wait on it; the caller commits
/// the log first, so nothing acknowledged is lost.
/// </summary>
internal static partial class HardExit
{
    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void Exit(int status);

    public static void Now(int status)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) Exit(status);
        Environment.Exit(status);
    }
}
