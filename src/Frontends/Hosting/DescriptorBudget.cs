using System.Runtime.InteropServices;

namespace HyperCache.Frontends.Hosting;

/// <summary>
/// File descriptors for clients, as Redis's adjustOpenFilesLimit reckons them: each RESP client holds one, and what
/// the process holds besides (two per loaded assembly, about 240 at start; the log, snapshots, HTTP and gRPC
/// connections) must fit under the limit too. A .NET process that runs out of descriptors aborts ("Out of memory":
/// its runtime cannot read /proc/self/status), where a client refused with "max number of clients reached" only
/// tries again. So at start maxclients is lowered to what the limit leaves, with a warning, and CONFIG SET maxclients
/// above it is refused with Redis's error. (The runtime has already raised the soft limit to the hard one.)
/// </summary>
public static class DescriptorBudget
{
    /// <summary>Kept for all but RESP clients, beyond what is open at start: HTTP and gRPC connections, log segments,
    /// snapshot and RDB files, the runtime's own pipes and /proc reads.</summary>
    public const int Reserve = 256;

    private static int s_maxClients = int.MaxValue;

    /// <summary>The most RESP clients the descriptor limit leaves room for (int.MaxValue before <see cref="Fit"/>).</summary>
    public static int MaxClients => Volatile.Read(ref s_maxClients);

    /// <summary>Measures the limit and what is open now; returns <paramref name="maxClients"/> lowered to fit.</summary>
    public static int Fit(int maxClients, out long limit, out int open)
    {
        limit = SoftLimit();
        open = OpenNow();
        if (limit <= 0) return maxClients;
        Volatile.Write(ref s_maxClients, (int)Math.Clamp(limit - open - Reserve, 1, int.MaxValue));
        return Math.Min(maxClients, MaxClients);
    }

    /// <summary>CONFIG SET maxclients: a value the limit cannot hold is refused, as Redis refuses it.</summary>
    public static int Check(int maxClients) => maxClients <= MaxClients ? maxClients
        : throw new ArgumentException($"The operating system is not able to handle the specified number of clients, try with {MaxClients}");

    private static long SoftLimit()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        return getrlimit(RlimitNoFile, out var limit) == 0 && limit.Current < long.MaxValue ? (long)limit.Current : 0;
    }

    private static int OpenNow()
    {
        try
        {
            return OperatingSystem.IsLinux() ? Directory.GetFileSystemEntries("/proc/self/fd").Length : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private const int RlimitNoFile = 7; // RLIMIT_NOFILE on Linux

    private struct RLimit
    {
        public ulong Current;
        public ulong Max;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrlimit(int resource, out RLimit limit);
}
