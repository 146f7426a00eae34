using System.Runtime.InteropServices;

namespace HyperCache.Frontends.Transport;

/// <summary>
/// The few libc calls the epoll transport makes. Every call returns -1 and sets errno on failure, read with
/// <see cref="Marshal.GetLastPInvokeError"/> (SetLastError = true).
/// </summary>
internal static unsafe partial class EpollNative
{
    private const string Libc = "libc";

    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const int EPOLL_CTL_MOD = 3;

    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLERR = 0x008;
    public const uint EPOLLHUP = 0x010;

    public const int EFD_CLOEXEC = 0x80000;
    public const int EFD_NONBLOCK = 0x800;

    /// <summary>send(2) flag: a peer that went away yields EPIPE, never a SIGPIPE.</summary>
    public const int MSG_NOSIGNAL = 0x4000;
    public const int SHUT_RDWR = 2;

    public const int EINTR = 4;
    public const int EAGAIN = 11;

    /// <summary>
    /// struct epoll_event. x86_64 declares it packed (12 bytes: the 64-bit data follows the events at offset 4);
    /// other architectures align it to 16, so this layout is only used on x64 (see <see cref="IsSupported"/>).
    /// </summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    /// <summary>Linux on x86_64: where the event layout above is the kernel's.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int epoll_ctl(int epfd, int op, int fd, EpollEvent* ev);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int epoll_wait(int epfd, EpollEvent* events, int maxEvents, int timeout);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint read(int fd, byte* buffer, nint count);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint write(int fd, byte* buffer, nint count);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint send(int fd, byte* buffer, nint count, int flags);

    /// <summary>struct iovec: one piece of a gathered write.</summary>
    public struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr (x86_64): only the pieces are set; no address, no control data.</summary>
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLen;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint sendmsg(int fd, MsgHdr* message, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int eventfd(uint initval, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int shutdown(int fd, int how);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int close(int fd);

    public static int Errno => Marshal.GetLastPInvokeError();

    /// <summary>Sets or changes what <paramref name="fd"/> is watched for; the event's data is <paramref name="data"/>.</summary>
    public static int Control(int epfd, int op, int fd, uint events, ulong data)
    {
        var ev = new EpollEvent { Events = events, Data = data };
        return epoll_ctl(epfd, op, fd, &ev);
    }
}
